"""Access rows for the JSON API (/api/v1/…, session-authenticated as each persona) and the token pages.

API answers are JSON: 401 instead of the login redirect, and a 404 for what the caller may not know
exists. The POST row for submitting a check-in uses a circle of a third community where bob holds a
seat and none of the other personas has any role: the 403 that organizers get in their own circles
("Only members of this circle check in here.") is a JSON body, which this matrix's 403 check (it reads
the HTML page's context) cannot see; peerpact/api/tests covers it with the JSON message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from peerpact.api import services as api_services
from peerpact.api.models import ApiToken
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin
from peerpact.checkins.services import RhythmSpec
from peerpact.circles import services as circle_services
from peerpact.communities import services as community_services
from tests.matrix_kit import LOGGED_IN, POST_ONLY, Effect, fresh, get, person, post, seat


def extend(w: Any) -> None:
    w.bob_token = api_services.token_create(user=w.users["bob"], name="Matrix token").token
    quinn = person("quinn@example.com", "Quinn")
    harbor = community_services.community_create(creator=quinn, name="Harbor")
    w.quiet_circle = circle_services.circle_create(
        community=harbor, creator=quinn, name="Quiet Hours", facilitate=False
    )
    seat(w.quiet_circle, w.users["bob"], quinn)
    checkin_services.rhythm_set(
        circle=w.quiet_circle,
        actor=quinn,
        spec=RhythmSpec(weekdays=["FR"]),
        now=timezone.now() - timedelta(hours=1),
    )
    checkin_services.cycles_ensure(circle=w.quiet_circle, now=timezone.now())


TARGETS = {
    "api-community": lambda w: {"community_id": w.community.pk},
    "api-foreign-community": lambda w: {"community_id": w.other_community.pk},
    "api-circle": lambda w: {"circle_id": w.circle.pk},
    "api-quiet-circle": lambda w: {"circle_id": w.quiet_circle.pk},
    "api-bobs-checkin": lambda w: {"circle_id": w.circle.pk, "checkin_id": w.bob_checkin.pk},
    # bob's check-in asked for through dave's circle: an object of another circle.
    "api-foreign-checkin": lambda w: {"circle_id": w.other_circle.pk, "checkin_id": w.bob_checkin.pk},
    "api-bob-goal": lambda w: {"circle_id": w.circle.pk, "goal_id": w.bob_goal.pk},
    "api-bob-private-goal": lambda w: {"circle_id": w.circle.pk, "goal_id": w.bob_private_goal.pk},
    "api-dave-goal": lambda w: {"circle_id": w.circle.pk, "goal_id": w.dave_goal.pk},
    "api-nowhere": lambda w: {"rest": "no/such/thing"},
    "bob-token": lambda w: {"token_id": w.bob_token.pk},
}

GET_ONLY = {
    "api:api-root",
    "api:openapi-json",
    "api:openapi-view",
    "api:not-found",
    "api:me",
    "api:communities",
    "api:community",
    "api:community-circles",
    "api:circle",
    "api:memberships",
    "api:schedule",
    "api:cycles",
    "api:tracker",
    "api:goals",
    "api:goal",
    "api:commitments",
    "api_tokens:list",
}

EVERYONE = "200 200 200 200 200 200 200 200"
SIGNED_IN = "401 200 200 200 200 200 200 200"
COMMUNITY = "401 404 404 200 200 200 200 200"  # dave is in Northwind through his own circle
INSIDE = "401 404 404 404 200 200 200 200"  # the private circle: its members and the organizers
NOBODY = "401 404 404 404 404 404 404 404"


def _quiet_checkins(w: Any) -> int:
    return Checkin.objects.filter(cycle__circle=w.quiet_circle).count()


def _circle_checkins(w: Any) -> list[tuple[int, str, int]]:
    return list(Checkin.objects.filter(cycle__circle=w.circle).values_list("pk", "wins", "version"))


SUBMIT = Effect({"wins": "Matrix API win", "confidence": "4"}, _quiet_checkins, "bob")
NO_CHANGE = Effect({"wins": "Not allowed", "version": "1"}, _circle_checkins)
NEW_TOKEN = Effect(
    {"name": "Matrix", "scope": "read", "expires_in": "30"}, lambda w: ApiToken.objects.count(), LOGGED_IN
)
REVOKE_TOKEN = Effect({}, lambda w: fresh(w.bob_token, "revoked_at"), "bob")

ROWS = [
    get("api:api-root", "-", EVERYONE),
    get("api:openapi-json", "-", EVERYONE),
    get("api:openapi-view", "-", EVERYONE),
    get("api:not-found", "api-nowhere", "404 404 404 404 404 404 404 404"),
    get("api:me", "-", SIGNED_IN),
    get("api:communities", "-", SIGNED_IN),
    get("api:community", "api-community", COMMUNITY),
    get("api:community[foreign]", "api-foreign-community", "401 404 200 404 404 404 404 404"),
    get("api:community-circles", "api-community", COMMUNITY),
    get("api:community-circles[foreign]", "api-foreign-community", "401 404 200 404 404 404 404 404"),
    get("api:circle", "api-circle", INSIDE),
    get("api:memberships", "api-circle", INSIDE),
    get("api:schedule", "api-circle", INSIDE),
    get("api:cycles", "api-circle", INSIDE),
    get("api:tracker", "api-circle", INSIDE),
    get("api:checkins", "api-circle", INSIDE),
    post("api:checkins", "api-quiet-circle", "401 404 404 404 201 404 404 404", SUBMIT),
    get("api:checkin", "api-bobs-checkin", INSIDE),
    get("api:checkin[foreign]", "api-foreign-checkin", NOBODY),
    post("api:checkin", "api-bobs-checkin", "405 405 405 405 405 405 405 405", NO_CHANGE),
    get("api:goals", "api-circle", INSIDE),
    get("api:goal", "api-bob-goal", INSIDE),
    get("api:goal[private]", "api-bob-private-goal", "401 404 404 404 200 404 200 200"),
    get("api:goal[foreign]", "api-dave-goal", NOBODY),
    get("api:commitments", "api-circle", INSIDE),
    get("api_tokens:list", "-", "login 200 200 200 200 200 200 200"),
    get("api_tokens:create", "-", POST_ONLY),
    post("api_tokens:create", "-", "login 200 200 200 200 200 200 200", NEW_TOKEN),
    get("api_tokens:revoke", "bob-token", "login 404 404 404 200 404 404 404"),
    post("api_tokens:revoke", "bob-token", "login 404 404 404 302 404 404 404", REVOKE_TOKEN),
]
