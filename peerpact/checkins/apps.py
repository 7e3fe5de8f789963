from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "peerpact.checkins"
    label = "checkins"
    verbose_name = _("Check-ins")

    def ready(self) -> None:
        from peerpact.checkins import circle_chat, moderation, reminders, services
        from peerpact.notifications import worker

        moderation.register()  # "checkin" in safety.registry: reportable, moderatable
        worker.register(services.cycles_materialize)
        worker.register(services.pauses_sync)
        worker.register(reminders.reminders_schedule)
        worker.register(circle_chat.circle_chat_schedule)
        from peerpact.notifications import kinds

        kinds.register("checkin.opened", _("A new cycle starts"), _("With the commitments you made for it."))
        kinds.register(
            "checkin.reminder", _("Reminders before a deadline"), _("24 hours and 2 hours before.")
        )
        kinds.register(
            "checkin.late", _("A nudge in the grace period"), _("Only if your update is not in yet.")
        )
        kinds.register("checkin.missed", _("A note after a missed cycle"), _("Supportive, never shaming."))
        kinds.register("review.reminder", _("Review sessions"), _("An hour before, with the link."))
        kinds.register(
            "circle.digest", _("The circle's digest"), _("After each cycle: who checked in, wins, help.")
        )
