"""manage.py insights_summaries [--rebuild]: bring the dashboard's summaries up to date now (history of
an existing install, the demo); the worker keeps them current afterwards (see docs/insights.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from peerpact.insights import summaries
from peerpact.insights.models import CircleStanding, CycleSummary, SummaryState


class Command(BaseCommand):
    help = "Summarize every finished cycle and rank every circle for the organizer dashboard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="drop every summary and standing first (derived data)"
        )

    def handle(self, *args: Any, rebuild: bool, **options: Any) -> None:
        now = timezone.now()
        with transaction.atomic():
            if rebuild:
                CycleSummary.objects.all().delete()
                CircleStanding.objects.all().delete()
                SummaryState.objects.all().delete()
            cycles, standings = summaries.fill(now=now)
        self.stdout.write(f"{cycles} cycle summaries and {standings} circle standings written.")
