"""Insights: the organizer dashboard and community CSV exports (organizers), a circle's insights (whoever
sees its tracker), a member's insights (the member, facilitators, organizers) and circle CSV exports
(facilitators and organizers)."""

from __future__ import annotations

from typing import Any

from tests.matrix_kit import HIDDEN, c, get, k


def extend(w: Any) -> None:
    pass


TARGETS = {
    "community-checkins": lambda w: c(w, kind="checkins"),
    "community-health": lambda w: c(w, kind="health"),
    "circle-goals": lambda w: k(w, kind="goals"),
    "circle-reviews": lambda w: k(w, kind="reviews"),
}

ORGANIZERS = "login 404 404 403 403 403 200 200"
INSIDE = "login 404 404 404 200 200 200 200"

# fmt: off
ROWS = [
    #   route                              target                anon erin carol dave bob alice otto olivia
    get("dashboard:overview",                      "community",          ORGANIZERS),
    get("dashboard:export",                        "community-checkins", ORGANIZERS),
    get("dashboard:export[health]",                "community-health",   ORGANIZERS),
    get("circle-insights:circle",                  "circle",             INSIDE),
    get("circle-insights:member",                  "bob-seat",           INSIDE),
    get("circle-insights:member[foreign]",         "dave-seat",          HIDDEN),
    get("circle-insights:export",                  "circle-goals",       "login 404 404 404 403 200 200 200"),
    get("circle-insights:export[reviews]",         "circle-reviews",     "login 404 404 404 403 200 200 200"),
]
# fmt: on
GET_ONLY = {
    "dashboard:overview",
    "dashboard:export",
    "circle-insights:circle",
    "circle-insights:member",
    "circle-insights:export",
}
