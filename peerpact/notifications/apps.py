from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "peerpact.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from peerpact.notifications import outbox, worker

        worker.register(outbox.outbox_deliver_batch)
