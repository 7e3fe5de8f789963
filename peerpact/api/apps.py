from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "peerpact.api"
    label = "api"
    verbose_name = _("JSON API")

    def ready(self) -> None:
        from peerpact.api import idempotency
        from peerpact.notifications import worker

        worker.register(idempotency.keys_expire)
