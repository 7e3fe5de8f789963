"""Engagement: the pulse (members answer, everyone inside sees aggregates), circle health (facilitators
and organizers) and the community's health overview (organizers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from peerpact.checkins.models import Cycle
from peerpact.engagement.models import Pulse, PulseAnswer
from tests.matrix_kit import HIDDEN, Effect, get, k, post


def extend(w: Any) -> None:
    now = timezone.now()
    # Made directly: an open pulse after cycle 1 of `circle`, and one of the other circle.
    w.pulse = Pulse.objects.create(
        circle=w.circle,
        cycle=Cycle.objects.get(circle=w.circle, index=1),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    other_cycle = Cycle.objects.create(
        circle=w.other_circle,
        index=1,
        opens_at=now - timedelta(days=7),
        deadline_at=now - timedelta(days=1),
        grace_until=now - timedelta(hours=2),
        closes_at=now + timedelta(days=6),
    )
    w.other_pulse = Pulse.objects.create(
        circle=w.other_circle,
        cycle=other_cycle,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=6),
    )


TARGETS = {
    "pulse": lambda w: k(w, pulse_id=w.pulse.pk),
    "other-pulse": lambda w: k(w, pulse_id=w.other_pulse.pk),
}

ANSWER = Effect(
    {"safe": "4", "checkins": "4", "feedback": "3", "rhythm": "5", "open_answer": "More breaks"},
    lambda w: sorted(
        PulseAnswer.objects.filter(pulse=w.pulse).values_list("membership__user__email", "safe")
    ),
    "bob alice",
)

# fmt: off
ROWS = [
    #     route                               target         anon  erin carol dave bob alice otto olivia
    get("engagement:pulse",                   "circle",      "login 404 404 404 200 200 200 200"),
    # Organizers hold no seat: they see the aggregates but are told only members answer.
    post("engagement:pulse",                  "circle",      "login 404 404 404 302 302 403 403", ANSWER),
    get("engagement:pulse-detail",            "pulse",       "login 404 404 404 200 200 200 200"),
    get("engagement:pulse-detail[foreign]",   "other-pulse", HIDDEN),
    get("engagement:health",                  "circle",      "login 404 404 404 403 200 200 200"),
    get("circle-health:overview",             "community",   "login 404 404 403 403 403 200 200"),
]
# fmt: on
GET_ONLY = {"engagement:pulse-detail", "engagement:health", "circle-health:overview"}
