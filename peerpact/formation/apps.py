from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormationConfig(AppConfig):
    name = "peerpact.formation"
    label = "formation"
    verbose_name = _("Circle formation")

    def ready(self) -> None:
        from peerpact.formation import services
        from peerpact.notifications import worker

        worker.register(services.runs_process)
        worker.register(services.intakes_close_due)
