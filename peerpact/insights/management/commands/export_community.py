"""manage.py export_community <slug> <out.zip>: a whole community as JSON + CSVs (see docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from peerpact.communities.models import Community
from peerpact.insights.community_export import community_export_write


class Command(BaseCommand):
    help = "Export one community (circles, members, cycles, check-ins, goals, programs) to a zip file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the community's address, as in /c/<slug>/")
        parser.add_argument("out", help="the zip file to write ('-' is not supported: name a file)")

    def handle(self, *args: Any, slug: str, out: str, **options: Any) -> None:
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise CommandError(f"There is no community {slug!r}.")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as target:
            community_export_write(target, community=community)
        partial.replace(path)  # never leave a half-written zip under the real name
        self.stdout.write(f"Exported {community.name} to {path} ({path.stat().st_size} bytes).")
