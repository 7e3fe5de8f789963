"""Webhooks: a community's owner and organizers (otto, olivia) manage them; its other members (dave, bob,
alice) are told why not (403); people outside it get a 404, and so does another community's endpoint or
delivery reached through ours."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from peerpact.webhooks.models import Delivery, DeliveryState, Endpoint
from tests.matrix_kit import MANAGERS, POST_ONLY, Effect, fresh, get, post


def extend(w: Any) -> None:
    """Adds (prefix wh_): `wh_endpoint` of our community with a failed delivery (`wh_failed`), and
    `wh_foreign` of carol's community with one (`wh_foreign_delivery`). Made directly, past the URL check:
    a loopback URL that a test send refuses without any network."""
    now = timezone.now()
    hook = {"url": "https://127.0.0.1:9/hook", "events": ["checkin.submitted"]}
    w.wh_endpoint = Endpoint.objects.create(community=w.community, secret="whsec_MTIz", **hook)
    w.wh_foreign = Endpoint.objects.create(community=w.other_community, secret="whsec_NDU2", **hook)
    failed = {"event_type": "goal.achieved", "occurred_at": now, "state": DeliveryState.FAILED, "attempts": 6}
    w.wh_failed = Delivery.objects.create(endpoint=w.wh_endpoint, **failed)
    w.wh_foreign_delivery = Delivery.objects.create(endpoint=w.wh_foreign, **failed)


def _e(w: Any, endpoint: Any = None, **extra: Any) -> dict[str, Any]:
    return {"community": w.community.slug, "endpoint": (endpoint or w.wh_endpoint).pk, **extra}


TARGETS = {
    "wh-community": lambda w: {"community": w.community.slug},
    "wh-endpoint": _e,
    "wh-foreign": lambda w: _e(w, w.wh_foreign),
    "wh-delivery": lambda w: _e(w, delivery=w.wh_failed.pk),
    "wh-foreign-delivery": lambda w: _e(w, delivery=w.wh_foreign_delivery.pk),
    "wh-foreign-ep-delivery": lambda w: _e(w, w.wh_foreign, delivery=w.wh_foreign_delivery.pk),
}

FORM = {"url": "https://93.184.215.14/matrix", "events": ["checkin.submitted"], "description": "Matrix hook"}
CREATE = Effect(FORM, lambda w: Endpoint.objects.filter(description="Matrix hook").count(), MANAGERS)
EDIT = Effect(FORM, lambda w: fresh(w.wh_endpoint, "description", "url"), MANAGERS)
ROTATE = Effect({}, lambda w: fresh(w.wh_endpoint, "secret"), MANAGERS)
TEST = Effect({}, lambda w: Delivery.objects.filter(event_type="ping").count(), MANAGERS)
STATE = Effect({"active": "off"}, lambda w: fresh(w.wh_endpoint, "is_active"), MANAGERS)
DELETE = Effect({}, lambda w: fresh(w.wh_endpoint, "pk"), MANAGERS)
RETRY = Effect({}, lambda w: fresh(w.wh_failed, "state"), MANAGERS)
TEST_SAME = Effect({}, TEST.snapshot)
FOREIGN_SAME = Effect(
    FORM,
    lambda w: (
        fresh(w.wh_foreign, "description", "secret", "is_active"),
        fresh(w.wh_foreign_delivery, "state"),
    ),
)

ORGANIZERS = "login 404 404 403 403 403 200 200"
ORGANIZERS_POST = "login 404 404 403 403 403 302 302"
FOREIGN = "login 404 404 403 403 403 404 404"

# fmt: off
ROWS = [
    # route, target, and per persona: anon erin carol dave bob alice otto olivia
    get("webhooks:list",                       "wh-community",              ORGANIZERS),
    get("webhooks:create",                     "wh-community",              ORGANIZERS),
    post("webhooks:create",                    "wh-community",              ORGANIZERS_POST, CREATE),
    get("webhooks:detail",                     "wh-endpoint",               ORGANIZERS),
    get("webhooks:detail[foreign]",            "wh-foreign",                FOREIGN),
    get("webhooks:edit",                       "wh-endpoint",               ORGANIZERS),
    post("webhooks:edit",                      "wh-endpoint",               ORGANIZERS_POST, EDIT),
    post("webhooks:edit[foreign]",             "wh-foreign",                FOREIGN, FOREIGN_SAME),
    get("webhooks:secret",                     "wh-endpoint",               ORGANIZERS),
    get("webhooks:secret[foreign]",            "wh-foreign",                FOREIGN),
    get("webhooks:rotate",                     "wh-endpoint",               POST_ONLY),
    post("webhooks:rotate",                    "wh-endpoint",               ORGANIZERS_POST, ROTATE),
    post("webhooks:rotate[foreign]",           "wh-foreign",                FOREIGN, FOREIGN_SAME),
    get("webhooks:test",                       "wh-endpoint",               POST_ONLY),
    post("webhooks:test",                      "wh-endpoint",               ORGANIZERS_POST, TEST),
    post("webhooks:test[foreign]",             "wh-foreign",                FOREIGN, TEST_SAME),
    get("webhooks:state",                      "wh-endpoint",               POST_ONLY),
    post("webhooks:state",                     "wh-endpoint",               ORGANIZERS_POST, STATE),
    post("webhooks:state[foreign]",            "wh-foreign",                FOREIGN, FOREIGN_SAME),
    get("webhooks:delete",                     "wh-endpoint",               POST_ONLY),
    post("webhooks:delete",                    "wh-endpoint",               ORGANIZERS_POST, DELETE),
    post("webhooks:delete[foreign]",           "wh-foreign",                FOREIGN, FOREIGN_SAME),
    get("webhooks:retry",                      "wh-delivery",               POST_ONLY),
    post("webhooks:retry",                     "wh-delivery",               ORGANIZERS_POST, RETRY),
    post("webhooks:retry[foreign]",            "wh-foreign-delivery",       FOREIGN, FOREIGN_SAME),
    post("webhooks:retry[foreign-endpoint]",   "wh-foreign-ep-delivery", FOREIGN, FOREIGN_SAME),
]
# fmt: on
GET_ONLY = {"webhooks:list", "webhooks:detail", "webhooks:secret"}
