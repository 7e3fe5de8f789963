from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "peerpact.engagement"
    label = "engagement"
    verbose_name = _("Engagement")

    def ready(self) -> None:
        from peerpact.engagement import services
        from peerpact.notifications import kinds, worker

        worker.register(services.pulses_open)
        worker.register(services.reengagement_advance)
        kinds.register(
            "engagement.pulse", _("A retrospective pulse opens"), _("A few questions every few cycles.")
        )
        kinds.register(
            "engagement.nudge",
            _("A note when you have been away"),
            _("Private, after two missed cycles: how to come back or pause."),
        )
        kinds.register(
            "engagement.peer_prompt",
            _("A request to check in on a peer"),
            _("When someone in your circle has been quiet for a while."),
        )
        kinds.register(
            "engagement.escalation",
            _("A member needs support (facilitators, organizers)"),
            _("After several missed cycles in a row."),
        )
