from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "peerpact.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from peerpact.insights import reports, summaries
        from peerpact.notifications import events, kinds, worker

        worker.register(reports.organizer_reports)
        worker.register(summaries.cycle_summaries_update)
        worker.register(summaries.circle_standings_refresh)
        events.subscribe(summaries.on_event)
        kinds.register(
            "community.report", _("Weekly organizer report"), _("Monday morning, for communities you run.")
        )
