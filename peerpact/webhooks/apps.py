from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "peerpact.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from peerpact.notifications import events, kinds, worker
        from peerpact.webhooks import delivery, services

        events.subscribe(services.event_record)
        worker.register(services.cycles_closed_record)
        worker.register(delivery.deliveries_send)
        kinds.register(
            "webhooks.disabled",
            _("A webhook endpoint was switched off"),
            _("For community owners: an endpoint kept failing and PeerPact stopped sending to it."),
        )
