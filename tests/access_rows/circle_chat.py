"""The circle's chat channel: facilitators and organizers manage it; members are told why they can't."""

from __future__ import annotations

from typing import Any

from peerpact.notifications.models import ChatTarget
from tests.matrix_kit import CIRCLE_MANAGERS, POST_ONLY, Effect, fresh, get, k, post


def extend(w: Any) -> None:
    # Made directly, past the URL checks: a loopback target that a test send refuses without any network.
    w.circle_chat = ChatTarget.objects.create(
        scope="circle", scope_id=w.circle.pk, url="json://127.0.0.1:9/c"
    )
    w.other_circle_chat = ChatTarget.objects.create(
        scope="circle", scope_id=w.other_circle.pk, url="json://127.0.0.1:9/o"
    )


TARGETS = {
    "circle-chat": lambda w: k(w, target_id=w.circle_chat.pk),
    "other-chat": lambda w: k(w, target_id=w.other_circle_chat.pk),
}

ADD = Effect(
    {"url": "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "label": "Circle channel"},
    lambda w: ChatTarget.objects.filter(label="Circle channel", scope="circle").count(),
    CIRCLE_MANAGERS,
)
TEST = Effect({}, lambda w: fresh(w.circle_chat, "last_error"), CIRCLE_MANAGERS)
REMOVE = Effect({}, lambda w: fresh(w.circle_chat, "pk"), CIRCLE_MANAGERS)
OTHER_SAME = Effect({}, lambda w: fresh(w.other_circle_chat, "pk", "last_error"))

# fmt: off
ROWS = [
    #     route                          target              anon  erin carol dave bob alice otto olivia
    get("circles:chat",                  "circle",           "login 404 404 404 403 200 200 200"),
    post("circles:chat",                 "circle",           "login 404 404 404 403 302 302 302", ADD),
    get("circles:chat-test",             "circle-chat",      POST_ONLY),
    post("circles:chat-test",            "circle-chat",      "login 404 404 404 403 302 302 302", TEST),
    post("circles:chat-test[foreign]",   "other-chat", "login 404 404 404 403 404 404 404", OTHER_SAME),
    get("circles:chat-remove",           "circle-chat",      POST_ONLY),
    post("circles:chat-remove",          "circle-chat",      "login 404 404 404 403 302 302 302", REMOVE),
    post("circles:chat-remove[foreign]", "other-chat", "login 404 404 404 403 404 404 404", OTHER_SAME),
]
# fmt: on
GET_ONLY: set[str] = set()
