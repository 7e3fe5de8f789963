"""Schedules, cycles, the tracker and check-ins in the JSON API.

Reads go through the same selectors and access rules as the board and tracker pages; writes call
services.checkin_submit with the page's version rule (a changed check-in answers 409, nothing lost).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from peerpact.checkins import access, selectors, services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.schedule import State
from peerpact.circles import access as circle_access
from peerpact.circles.api import inner_circle
from peerpact.circles.models import Circle, Membership
from peerpact.lib.apikit import MAX_DB_INT, ApiError, PageParams, caller, page_body, require_write

router = Router(tags=["check-ins"])

TRACKER_DEFAULT_CYCLES = 12
TRACKER_MAX_CYCLES = 1000


# --- Schemas ------------------------------------------------------------------------------------


class BlackoutOut(Schema):
    starts_on: date
    ends_on: date
    reason: str


class ScheduleOut(Schema):
    has_schedule: bool
    timezone: str
    preset: str | None = None
    starts_on: date | None = None
    deadline_rule: str | None = None
    deadline_time: time | None = None
    grace_hours: int | None = None
    review_rule: str | None = None
    review_time: time | None = None
    review_duration_minutes: int | None = None
    review_location: str | None = None
    next_steps: str | None = None
    upcoming_deadlines: list[datetime] = []
    blackouts: list[BlackoutOut] = []


class CycleOut(Schema):
    index: int
    opens_at: datetime
    deadline_at: datetime
    grace_until: datetime
    closes_at: datetime
    is_open: bool


class CyclePage(Schema):
    count: int
    limit: int
    offset: int
    results: list[CycleOut]


class TrackerFilters(Schema):
    from_cycle: int | None = Field(None, alias="from", ge=1, description="First cycle number shown.")
    to_cycle: int | None = Field(None, alias="to", ge=1, description="Last cycle number shown.")
    member: int | None = Field(None, ge=1, le=MAX_DB_INT, description="Only this membership id.")


class TrackerCell(Schema):
    cycle: int
    state: str | None  # None: not a member yet in that cycle
    submitted_at: datetime | None
    commitments_done: int
    commitments_total: int


class TrackerRow(Schema):
    membership_id: int
    user_id: int
    name: str
    status: str
    cells: list[TrackerCell]
    on_time: int
    late: int
    missed: int
    excused: int
    streak: int
    longest_streak: int


class TrackerOut(Schema):
    cycles: list[CycleOut]
    rows: list[TrackerRow]


class CheckinOut(Schema):
    id: int
    membership_id: int
    user_id: int
    name: str
    cycle: int
    submitted_at: datetime | None
    is_late: bool
    version: int
    wins: str
    blockers: str
    help_request: str
    confidence: int | None
    visibility: str


class BoardEntryOut(Schema):
    membership_id: int
    user_id: int
    name: str
    state: str | None
    checkin: CheckinOut | None  # None: nothing submitted, or not shared with the caller
    is_shared_with_me: bool
    is_moderated: bool


class BoardOut(Schema):
    cycle: CycleOut
    entries: list[BoardEntryOut]


class BoardFilters(Schema):
    cycle: int | None = Field(None, ge=1, description="Cycle number; the current cycle by default.")


class CommitmentReviewIn(Schema):
    commitment_id: int
    status: Literal["done", "partial", "missed"]
    note: str = Field("", max_length=500)
    carry_forward: bool = False


class NewCommitmentIn(Schema):
    text: str = Field(..., min_length=1, max_length=280)
    goal_id: int | None = None
    quantity: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class CheckinFields(Schema):
    wins: str = Field("", max_length=4000)
    blockers: str = Field("", max_length=4000)
    help_request: str = Field("", max_length=2000)
    confidence: int | None = Field(None, ge=1, le=5)
    visibility: Literal["circle", "facilitators"] = "circle"
    reviews: list[CommitmentReviewIn] = Field([], max_length=50)
    next_commitments: list[NewCommitmentIn] = Field([], max_length=10)


class CheckinCreateIn(CheckinFields):
    cycle: int | None = Field(
        None, ge=1, description="Cycle number; by default the oldest open cycle not yet checked in."
    )
    version: int | None = Field(
        None, ge=0, description="The version you last read, when the check-in was already submitted."
    )


class CheckinReplaceIn(CheckinFields):
    version: int = Field(..., ge=0, description="The version you last read; 409 if it changed since.")


class CheckinPatchIn(Schema):
    version: int = Field(..., ge=0, description="The version you last read; 409 if it changed since.")
    wins: str | None = Field(None, max_length=4000)
    blockers: str | None = Field(None, max_length=4000)
    help_request: str | None = Field(None, max_length=2000)
    confidence: int | None = Field(None, ge=1, le=5)
    visibility: Literal["circle", "facilitators"] | None = None
    reviews: list[CommitmentReviewIn] = Field([], max_length=50)
    next_commitments: list[NewCommitmentIn] = Field([], max_length=10)


# --- Helpers ------------------------------------------------------------------------------------


def board_circle(request: HttpRequest, circle_id: int) -> Circle:
    """As the board page: members and managers only (404 for others); due cycles are opened first."""
    circle = inner_circle(request, circle_id)
    if not access.can_view_board(caller(request), circle):
        raise Http404
    services.cycles_ensure(circle=circle, now=timezone.now())
    return circle


def cycle_out(cycle: Cycle, now: datetime) -> dict[str, Any]:
    return {
        "index": cycle.index,
        "opens_at": cycle.opens_at,
        "deadline_at": cycle.deadline_at,
        "grace_until": cycle.grace_until,
        "closes_at": cycle.closes_at,
        "is_open": cycle.is_open(now),
    }


def checkin_out(checkin: Checkin, membership: Membership, cycle: Cycle) -> dict[str, Any]:
    submitted = checkin.submitted_at
    return {
        "id": checkin.pk,
        "membership_id": membership.pk,
        "user_id": membership.user_id,
        "name": membership.user.name,
        "cycle": cycle.index,
        "submitted_at": submitted,
        "is_late": bool(submitted and submitted > cycle.deadline_at),
        "version": checkin.version,
        "wins": checkin.wins,
        "blockers": checkin.blockers,
        "help_request": checkin.help_request,
        "confidence": checkin.confidence,
        "visibility": checkin.visibility,
    }


def _my_membership(request: HttpRequest, circle: Circle) -> Membership:
    membership = circle_access.membership_in(caller(request), circle)
    if membership is None or not access.can_check_in(caller(request), membership):
        raise ApiError(403, "forbidden", _("Only members of this circle check in here."))
    return membership


def _answers(fields: CheckinFields | CheckinPatchIn, current: Checkin | None) -> services.CheckinAnswers:
    """The service's answers; for a PATCH, fields left out keep the check-in's current values."""

    def keep(name: str, default: Any) -> Any:
        value = getattr(fields, name)
        if value is None and isinstance(fields, CheckinPatchIn) and name not in fields.model_fields_set:
            return getattr(current, name) if current is not None else default
        return default if value is None else value

    return services.CheckinAnswers(
        wins=keep("wins", ""),
        blockers=keep("blockers", ""),
        help_request=keep("help_request", ""),
        confidence=keep("confidence", None),
        visibility=keep("visibility", "circle"),
        reviews=[
            services.CommitmentReview(
                commitment_id=r.commitment_id, status=r.status, note=r.note, carry_forward=r.carry_forward
            )
            for r in fields.reviews
        ],
        next_commitments=[
            services.NewCommitment(text=n.text, goal_id=n.goal_id, quantity=n.quantity)
            for n in fields.next_commitments
        ],
    )


def _submit(
    request: HttpRequest,
    membership: Membership,
    cycle: Cycle,
    answers: services.CheckinAnswers,
    expected_version: int | None,
) -> Checkin:
    try:
        return services.checkin_submit(
            membership=membership,
            cycle=cycle,
            actor=caller(request),
            answers=answers,
            expected_version=expected_version,
        )
    except services.StaleEdit as exc:
        current = exc.current
        raise ApiError(
            409,
            "stale_version",
            _(
                "This check-in changed since you read it. "
                "Read it again, then send your changes with its version."
            ),
            {"current_version": current.version, "checkin_id": current.pk},
        ) from exc


# --- Endpoints ----------------------------------------------------------------------------------


@router.get("/circles/{int:circle_id}/schedule", response=ScheduleOut, url_name="schedule")
def schedule_detail(request: HttpRequest, circle_id: int) -> dict[str, Any]:
    """The circle's rhythm: deadlines, grace period, review sessions, blackouts and the next deadlines."""
    circle = board_circle(request, circle_id)
    rhythm = selectors.rhythm_for(circle)
    if rhythm is None:
        return {"has_schedule": False, "timezone": circle.timezone}
    now = timezone.now()
    return {
        "has_schedule": True,
        "timezone": circle.timezone,
        "preset": rhythm.preset,
        "starts_on": rhythm.starts_on,
        "deadline_rule": rhythm.deadline_rule,
        "deadline_time": rhythm.deadline_time,
        "grace_hours": rhythm.grace_hours,
        "review_rule": rhythm.review_rule,
        "review_time": rhythm.review_time,
        "review_duration_minutes": rhythm.review_duration_minutes,
        "review_location": rhythm.review_location,
        "next_steps": rhythm.next_steps,
        "upcoming_deadlines": rhythm.deadlines().upcoming(now, 5),
        "blackouts": [
            {"starts_on": b.starts_on, "ends_on": b.ends_on, "reason": b.reason}
            for b in circle.blackouts.all()
        ],
    }


@router.get("/circles/{int:circle_id}/cycles", response=CyclePage, url_name="cycles")
def cycle_list(request: HttpRequest, circle_id: int, params: Query[PageParams]) -> dict[str, Any]:
    """The circle's cycles, newest first (including the next one, once scheduled)."""
    circle = board_circle(request, circle_id)
    now = timezone.now()
    cycles = Cycle.objects.filter(circle=circle).order_by("-index")
    return page_body(cycles, params, lambda c: cycle_out(c, now))


@router.get("/circles/{int:circle_id}/tracker", response=TrackerOut, url_name="tracker")
def tracker(request: HttpRequest, circle_id: int, filters: Query[TrackerFilters]) -> dict[str, Any]:
    """Members x cycles: on time, late, missed, excused, still due; streaks over the whole history."""
    circle = board_circle(request, circle_id)
    now = timezone.now()
    start, end = filters.from_cycle, filters.to_cycle
    if start is not None and end is not None and start > end:
        raise ApiError(
            400,
            "validation_error",
            _("The last cycle cannot come before the first."),
            [
                {
                    "location": "query",
                    "field": "to",
                    "message": _("The last cycle cannot come before the first."),
                }
            ],
        )
    members = selectors.seated_members(circle=circle)
    if filters.member is not None:
        members = [m for m in members if m.pk == filters.member]
    history = selectors.tracker_cycles(circle=circle, now=now, last=TRACKER_MAX_CYCLES)
    grid = selectors.grid(circle=circle, cycles=history, now=now, memberships=members)
    if start is None and end is None:
        shown = list(range(max(0, len(history) - TRACKER_DEFAULT_CYCLES), len(history)))
    else:
        shown = [
            i
            for i, c in enumerate(history)
            if (start is None or c.index >= start) and (end is None or c.index <= end)
        ]
    rows = []
    for row in grid.rows:
        membership = row.membership
        cells = []
        for i in shown:
            cell = row.cells[i]
            submitted = cell.checkin.submitted_at if cell.checkin else None
            cells.append(
                {
                    "cycle": history[i].index,
                    "state": cell.state.value if cell.state else None,
                    "submitted_at": submitted,
                    "commitments_done": cell.done,
                    "commitments_total": cell.total,
                }
            )
        rows.append(
            {
                "membership_id": membership.pk,
                "user_id": membership.user_id,
                "name": membership.user.name,
                "status": membership.status,
                "cells": cells,
                "on_time": row.on_time,
                "late": row.late,
                "missed": row.missed,
                "excused": row.excused,
                "streak": row.streak,
                "longest_streak": row.longest,
            }
        )
    return {"cycles": [cycle_out(history[i], now) for i in shown], "rows": rows}


@router.get("/circles/{int:circle_id}/checkins", response=BoardOut, url_name="checkins")
def checkin_list(request: HttpRequest, circle_id: int, filters: Query[BoardFilters]) -> dict[str, Any]:
    """Each member's state and update for one cycle, as the board shows them to the caller."""
    circle = board_circle(request, circle_id)
    now = timezone.now()
    if filters.cycle is None:
        cycle = selectors.cycle_current(circle=circle, now=now)
    else:
        cycle = selectors.cycle_by_index(circle=circle, index=filters.cycle)
        if cycle is not None and cycle.opens_at > now:
            cycle = None
    if cycle is None:
        raise Http404
    entries = []
    for entry in selectors.board(circle=circle, cycle=cycle, viewer=caller(request), now=now):
        membership = entry.membership
        entries.append(
            {
                "membership_id": membership.pk,
                "user_id": membership.user_id,
                "name": membership.user.name,
                "state": entry.state.value if isinstance(entry.state, State) else None,
                "checkin": checkin_out(entry.checkin, membership, cycle) if entry.checkin else None,
                "is_shared_with_me": entry.visible,
                "is_moderated": entry.is_moderated,
            }
        )
    return {"cycle": cycle_out(cycle, now), "entries": entries}


@router.post(
    "/circles/{int:circle_id}/checkins",
    response={200: CheckinOut, 201: CheckinOut},
    url_name="checkins",
    summary="Submit my check-in",
)
def checkin_create(request: HttpRequest, circle_id: int, payload: CheckinCreateIn) -> Status[dict[str, Any]]:
    """Submit the caller's check-in for a cycle (201). If it was already submitted, send the version you
    read: the check-in is then updated (200), or refused with 409 if it changed since."""
    require_write(request)
    circle = board_circle(request, circle_id)
    membership = _my_membership(request, circle)
    now = timezone.now()
    if payload.cycle is None:
        cycle = selectors.cycle_to_check_in(membership=membership, now=now)
    else:
        cycle = selectors.cycle_by_index(circle=circle, index=payload.cycle)
        if cycle is not None and cycle.opens_at > now:
            cycle = None
    if cycle is None:
        raise Http404
    existed = Checkin.objects.filter(membership=membership, cycle=cycle, submitted_at__isnull=False).exists()
    checkin = _submit(request, membership, cycle, _answers(payload, None), payload.version)
    return Status(200 if existed else 201, checkin_out(checkin, membership, cycle))


def _visible_checkin(request: HttpRequest, circle: Circle, checkin_id: int) -> Checkin:
    checkin = (
        Checkin.objects.select_related("membership__user", "cycle")
        .filter(pk=checkin_id, membership__circle=circle, submitted_at__isnull=False)
        .first()
    )
    if checkin is None:
        raise Http404
    checkin.membership.circle = circle  # access checks reuse the circle's cached memberships
    if not access.can_view_checkin(caller(request), checkin):
        raise Http404
    return checkin


@router.get("/circles/{int:circle_id}/checkins/{int:checkin_id}", response=CheckinOut, url_name="checkin")
def checkin_detail(request: HttpRequest, circle_id: int, checkin_id: int) -> dict[str, Any]:
    circle = board_circle(request, circle_id)
    checkin = _visible_checkin(request, circle, checkin_id)
    return checkin_out(checkin, checkin.membership, checkin.cycle)


def _update(
    request: HttpRequest, circle_id: int, checkin_id: int, payload: CheckinReplaceIn | CheckinPatchIn
) -> dict[str, Any]:
    require_write(request)
    circle = board_circle(request, circle_id)
    checkin = _visible_checkin(request, circle, checkin_id)
    membership = checkin.membership
    if not access.can_check_in(caller(request), membership):
        raise ApiError(403, "forbidden", _("Only the member can change their own check-in."))
    saved = _submit(request, membership, checkin.cycle, _answers(payload, checkin), payload.version)
    return checkin_out(saved, membership, checkin.cycle)


@router.put("/circles/{int:circle_id}/checkins/{int:checkin_id}", response=CheckinOut, url_name="checkin")
def checkin_replace(
    request: HttpRequest, circle_id: int, checkin_id: int, payload: CheckinReplaceIn
) -> dict[str, Any]:
    """Replace my check-in's answers (fields left out become empty). Needs the version you read."""
    return _update(request, circle_id, checkin_id, payload)


@router.patch("/circles/{int:circle_id}/checkins/{int:checkin_id}", response=CheckinOut, url_name="checkin")
def checkin_patch(
    request: HttpRequest, circle_id: int, checkin_id: int, payload: CheckinPatchIn
) -> dict[str, Any]:
    """Change some answers of my check-in (fields left out keep their value). Needs the version you read."""
    return _update(request, circle_id, checkin_id, payload)
