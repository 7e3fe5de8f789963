from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.test import override_settings
from django.utils import timezone

from peerpact.insights import summaries
from peerpact.insights.demo import DEMO_PASSWORD, PEOPLE, seed_demo


class Command(BaseCommand):
    help = "Create the demo community, circles and people (idempotent; built through services)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo people are fictional: keep their invitation emails out of the console and mailboxes.
        with override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        ):
            community, created = seed_demo()
        # The dashboard's summaries of the demo's history (the worker keeps them current afterwards).
        summaries.fill(now=timezone.now())
        verb = "Created" if created else "Kept existing"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} demo community “{community.name}” (/c/{community.slug}/).")
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, _pronouns, tz in PEOPLE[:4]:
            self.stdout.write(f"  {email:<22} {name} ({tz})")
        self.stdout.write(f"  … and {len(PEOPLE) - 4} more @example.com people.")
