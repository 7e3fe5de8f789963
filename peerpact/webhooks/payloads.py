"""The events an endpoint can subscribe to, and the `data` each one sends.

Payloads carry ids and fields an organizer of the community may see, never members' words: no check-in
answers, no feedback or review text, no reviewer (peer reviews are anonymous to their authors), no email
addresses, and a goal's title only when its owner shares the goal with the circle. A receiver that needs
more asks the JSON API with a token, under that person's access rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from peerpact.webhooks.signing import iso

PING = "ping"


@dataclass(frozen=True)
class EventType:
    name: str
    label: str | Promise
    help: str | Promise


EVENT_TYPES = [
    EventType("checkin.submitted", _("Check-in submitted"), _("A member submits or updates a check-in.")),
    EventType("cycle.closed", _("Cycle closed"), _("A circle's cycle closes, with how many checked in.")),
    EventType("goal.achieved", _("Goal achieved"), _("A member marks a goal achieved.")),
    EventType("member.joined", _("Member joined"), _("Someone takes a seat in a circle for the first time.")),
    EventType("member.left", _("Member left"), _("A member leaves a circle or is removed from it.")),
    EventType(
        "submission.reviewed",
        _("Submission reviewed"),
        _("A peer hands in a review of a program submission."),
    ),
]
EVENT_NAMES = [event.name for event in EVENT_TYPES]


def _when(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def _circle(circle: Any) -> dict[str, Any]:
    return {"id": circle.pk, "slug": circle.slug, "name": circle.name}


def checkin_submitted(checkin: Any) -> dict[str, Any]:
    cycle, membership = checkin.cycle, checkin.membership
    return {
        "checkin": {
            "id": checkin.pk,
            "version": checkin.version,
            "submitted_at": _when(checkin.submitted_at),
            "on_time": bool(checkin.submitted_at and checkin.submitted_at <= cycle.deadline_at),
            "visibility": checkin.visibility,
        },
        "cycle": {"id": cycle.pk, "index": cycle.index, "deadline_at": _when(cycle.deadline_at)},
        "member": {"membership_id": membership.pk, "user_id": membership.user_id},
        "circle": _circle(membership.circle),
    }


def cycle_closed(cycle: Any) -> dict[str, Any]:
    """Counts only. The worker unit that finds closed cycles annotates `members` and the check-in counts."""
    return {
        "cycle": {
            "id": cycle.pk,
            "index": cycle.index,
            "opens_at": _when(cycle.opens_at),
            "deadline_at": _when(cycle.deadline_at),
            "closes_at": _when(cycle.closes_at),
        },
        "circle": _circle(cycle.circle),
        "counts": {
            "members": cycle.members,
            "checked_in": cycle.checked_in,
            "on_time": cycle.on_time,
            "late": cycle.checked_in - cycle.on_time,
        },
    }


def goal_achieved(goal: Any) -> dict[str, Any]:
    membership = goal.membership
    shared = goal.visibility == "circle"
    return {
        "goal": {
            "id": goal.pk,
            "title": goal.title if shared else None,  # a private goal stays private: id only
            "visibility": goal.visibility,
            "achieved_at": _when(goal.achieved_at),
            "due_on": goal.due_on.isoformat() if goal.due_on else None,
        },
        "member": {"membership_id": membership.pk, "user_id": membership.user_id},
        "circle": _circle(membership.circle),
    }


def member_changed(membership: Any) -> dict[str, Any]:
    return {
        "member": {
            "membership_id": membership.pk,
            "user_id": membership.user_id,
            "role": membership.role,
            "status": membership.status,
            "joined_at": _when(membership.joined_at),
        },
        "circle": _circle(membership.circle),
    }


def submission_reviewed(review: Any) -> dict[str, Any]:
    submission = review.assignment.submission
    enrollment = submission.enrollment
    cohort = enrollment.cohort
    program = cohort.program
    return {
        "review": {"id": review.pk, "submitted_at": _when(review.submitted_at)},
        "submission": {
            "id": submission.pk,
            "enrollment_id": enrollment.pk,
            "user_id": enrollment.user_id,
            "module": {"id": submission.module_id, "title": submission.module.title},
        },
        "cohort": {"id": cohort.pk},
        "program": {"id": program.pk, "slug": program.slug, "title": program.title},
    }


BUILDERS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "checkin.submitted": checkin_submitted,
    "cycle.closed": cycle_closed,
    "goal.achieved": goal_achieved,
    "member.joined": member_changed,
    "member.left": member_changed,
    "submission.reviewed": submission_reviewed,
}


def build(event_type: str, subject: Any) -> dict[str, Any]:
    return BUILDERS[event_type](subject)


def ping(endpoint: Any) -> dict[str, Any]:
    return {"endpoint_id": endpoint.pk, "message": "A test delivery from PeerPact."}
