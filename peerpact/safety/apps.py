from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "peerpact.safety"
    label = "safety"
    verbose_name = _("Safety and moderation")

    def ready(self) -> None:
        from peerpact.notifications import kinds, worker
        from peerpact.safety import services

        worker.register(services.charter_changes_schedule)
        kinds.register(
            "safety.report",
            _("Reports for organizers"),
            _("When someone reports content in a community you organize (never who)."),
        )
        kinds.register(
            "safety.moderated",
            _("Moderation of your content"),
            _("When an organizer hides, restores or removes something you wrote."),
        )
        kinds.register(
            "safety.concern", _("Concerns"), _("Each step and reply on a concern you raised or handle.")
        )
        kinds.register(
            "circle.charter",
            _("Circle charters"),
            _("The charter when you join a circle, and a request to re-accept it when it changes."),
        )
