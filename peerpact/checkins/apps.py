from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckinsConfig(AppConfig):
    name = "peerpact.checkins"
    label = "checkins"
    verbose_name = _("Check-ins")

    def ready(self) -> None:
        from peerpact.checkins import reminders, services
        from peerpact.notifications import worker

        worker.register(services.cycles_materialize)
        worker.register(services.pauses_sync)
        worker.register(reminders.reminders_schedule)
