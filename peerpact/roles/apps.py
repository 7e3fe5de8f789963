from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RolesConfig(AppConfig):
    name = "peerpact.roles"
    label = "roles"
    verbose_name = _("Circle roles")

    def ready(self) -> None:
        from peerpact.checkins import reminders
        from peerpact.notifications import kinds, worker
        from peerpact.roles import services, summaries

        worker.register(services.roles_rotate)
        if summaries.digest_extra not in reminders.DIGEST_EXTRAS:
            reminders.DIGEST_EXTRAS.append(summaries.digest_extra)
        kinds.register(
            "role.duty", _("Your role this cycle"), _("The role you hold and what it asks of you.")
        )
        kinds.register(
            "role.swap", _("Role swaps"), _("Someone asks you to take their role, or answers you.")
        )
        kinds.register(
            "circle.summary", _("Cycle summaries"), _("When the summarizer publishes the cycle's summary.")
        )
