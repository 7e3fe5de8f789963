from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CirclesConfig(AppConfig):
    name = "peerpact.circles"
    label = "circles"
    verbose_name = _("Circles")

    def ready(self) -> None:
        from peerpact.notifications import kinds

        kinds.register("circle.invitation", _("Invitations to a circle"))
        kinds.register("circle.request", _("Requests to join a circle you facilitate"))
        kinds.register("circle.decision", _("Answers to your requests to join"))
