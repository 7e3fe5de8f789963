from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "peerpact.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from peerpact.insights import reports
        from peerpact.notifications import kinds, worker

        worker.register(reports.organizer_reports)
        kinds.register(
            "community.report", _("Weekly organizer report"), _("Monday morning, for communities you run.")
        )
