"""The tracker: members x cycles at a glance, one member's whole history, and the same as a CSV."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import batched
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins import access, schedule, selectors
from peerpact.checkins.models import Checkin, Cycle, Rhythm
from peerpact.checkins.schedule import State
from peerpact.checkins.selectors import Cell, Row
from peerpact.checkins.views.common import board_circle
from peerpact.circles import access as circle_access
from peerpact.circles.models import SEATED, Circle, Membership, MembershipStatus
from peerpact.lib.csv import Cell as CsvCell
from peerpact.lib.csv import csv_response

# Columns shown when no range is asked for.
DEFAULT_COLUMNS = 12
# Cycles read for streaks, so "current" and "longest" cover the whole history, not just the
# columns shown. The grid costs the same few queries for any number; this only bounds memory.
HISTORY_LIMIT = 1000
# Cells (member x cycle) the CSV reads at a time: a full circle (20 members x 1,000 cycles) is read one
# member per batch (a short history: several), four queries each, and never held whole.
CSV_BATCH_CELLS = 1000
# Whose history may be opened: people seated now, and former members who once were.
HISTORY_STATUSES = (*SEATED, MembershipStatus.LEFT, MembershipStatus.REMOVED)

# The same words as checkins/partials/_state.html, for the filter.
STATE_LABELS = {
    State.ON_TIME: gettext_lazy("On time"),
    State.LATE: gettext_lazy("Late"),
    State.MISSED: gettext_lazy("Missed"),
    State.EXCUSED: gettext_lazy("Excused"),
    State.PENDING: gettext_lazy("Due"),
    State.GRACE: gettext_lazy("Grace period"),
}


class TrackerFilterForm(forms.Form):
    """The GET filters of the tracker and its CSV. `from` and `to` are cycle numbers."""

    def __init__(self, data: Any, *, members: list[Membership]) -> None:
        super().__init__(data)
        self.fields["member"] = forms.TypedChoiceField(
            label=_("Member"),
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", _("Everyone")), *((m.pk, m.user.name) for m in members)],
        )
        self.fields["from"] = forms.IntegerField(label=_("From cycle"), required=False, min_value=1)
        self.fields["to"] = forms.IntegerField(
            label=_("To cycle"),
            required=False,
            min_value=1,
            help_text=_("Leave both empty for the last %(n)s cycles.") % {"n": DEFAULT_COLUMNS},
        )
        self.fields["state"] = forms.TypedChoiceField(
            label=_("With a cycle that is"),
            required=False,
            coerce=State,
            empty_value=None,
            choices=[("", _("Any state")), *((state.value, label) for state, label in STATE_LABELS.items())],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if start is not None and end is not None and start > end:
            self.add_error("to", _("The last cycle cannot come before the first."))
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters; with errors, none (the page then shows the default view)."""
        if not self.is_valid():
            return {"member": None, "from": None, "to": None, "state": None}
        return {name: self.cleaned_data.get(name) for name in ("member", "from", "to", "state")}


@dataclass
class TrackerRow:
    membership: Membership
    cells: list[Cell]  # the columns shown
    history: Row  # every started cycle, for streaks and the CSV


@dataclass
class Tracker:
    cycles: list[Cycle]  # the columns shown
    rows: list[TrackerRow]
    all_cycles: list[Cycle]
    window: slice

    @property
    def first_index(self) -> int | None:
        return self.cycles[0].index if self.cycles else None

    @property
    def last_index(self) -> int | None:
        return self.cycles[-1].index if self.cycles else None


def _has_rhythm(circle: Circle) -> bool:
    """Read through the relation board_circle() has already loaded (no query)."""
    try:
        return circle.rhythm is not None
    except Rhythm.DoesNotExist:
        return False


def _started_cycles(circle: Circle, now: datetime) -> list[Cycle]:
    return selectors.tracker_cycles(circle=circle, now=now, last=HISTORY_LIMIT)


def _window(cycles: list[Cycle], start: int | None, end: int | None, default: int | None) -> slice:
    """Positions of the cycles numbered start..end; without either, the last `default` (None: all)."""
    if start is None and end is None:
        return slice(0 if default is None else max(0, len(cycles) - default), len(cycles))
    if start is None and end is not None:
        start = max(1, end - DEFAULT_COLUMNS + 1)
    indexes = [cycle.index for cycle in cycles]
    low = bisect_left(indexes, start or 1)
    high = len(indexes) if end is None else bisect_right(indexes, end)
    return slice(low, max(low, high))


def _tracker(
    circle: Circle, members: list[Membership], filters: dict[str, Any], now: datetime, *, default: int | None
) -> Tracker:
    if filters["member"] is not None:
        members = [m for m in members if m.pk == filters["member"]]
    all_cycles = _started_cycles(circle, now)
    table = selectors.grid(circle=circle, cycles=all_cycles, now=now, memberships=members, with_answers=False)
    window = _window(all_cycles, filters["from"], filters["to"], default)
    rows = []
    for row in table.rows:
        cells = row.cells[window]
        if filters["state"] is not None and not any(cell.state == filters["state"] for cell in cells):
            continue
        rows.append(TrackerRow(membership=row.membership, cells=cells, history=row))
    return Tracker(cycles=all_cycles[window], rows=rows, all_cycles=all_cycles, window=window)


@login_required
@require_safe
def tracker(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = board_circle(request, community, circle)
    now = timezone.now()
    members = selectors.seated_members(circle=found)
    form = TrackerFilterForm(request.GET, members=members)
    filters = form.filters()
    table = _tracker(found, members, filters, now, default=DEFAULT_COLUMNS)
    return render(
        request,
        "checkins/tracker.html",
        {
            "community": found.community,
            "circle": found,
            "form": form,
            "tracker": table,
            "is_filtered": any(value is not None for value in filters.values()),
            "has_rhythm": _has_rhythm(found),
            "can_manage": access.can_manage_rhythm(request.user, found),
            "query": request.GET.urlencode(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def tracker_csv(request: AuthedRequest, community: str, circle: str) -> HttpResponse | StreamingHttpResponse:
    """Every member and cycle (or the filtered ones) as a spreadsheet-friendly CSV, streamed."""
    found = board_circle(request, community, circle)
    now = timezone.now()
    members = selectors.seated_members(circle=found)
    form = TrackerFilterForm(request.GET, members=members)
    if not form.is_valid():
        return HttpResponse(
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filters = form.filters()
    show_email = circle_access.can_manage_circle(request.user, found)
    header = csv_header()
    rows = (
        line
        for table in _csv_tables(found, members, filters, now)
        for line in _csv_rows(found, table, show_email=show_email, only_state=filters["state"])
    )
    filename = f"{found.slug}-tracker-{timezone.localdate(now).isoformat()}.csv"
    return csv_response(filename=filename, header=header, rows=rows)


def csv_header() -> list[str]:
    return [
        _("Circle"),
        _("Member"),
        _("Email"),
        _("Cycle"),
        _("Cycle opens"),
        _("Deadline"),
        _("State"),
        _("Submitted (UTC)"),
        _("Commitments done"),
        _("Commitments total"),
        _("Streak after this cycle"),
    ]


def circle_csv_rows(circle: Circle, *, now: datetime, show_email: bool) -> Iterator[list[CsvCell]]:
    """Every seated member and started cycle of a circle, as the tracker's CSV has them (insights
    exports reuse this for whole communities)."""
    members = selectors.seated_members(circle=circle)
    filters = {"member": None, "from": None, "to": None, "state": None}
    for table in _csv_tables(circle, members, filters, now):
        yield from _csv_rows(circle, table, show_email=show_email, only_state=None)


def _csv_tables(
    circle: Circle, members: list[Membership], filters: dict[str, Any], now: datetime
) -> Iterator[Tracker]:
    """The tracker over every started cycle (or the asked range), a few members at a time. The state
    filter is left to _csv_rows: a member's streak counts every cycle, shown or not."""
    if filters["member"] is not None:
        members = [m for m in members if m.pk == filters["member"]]
    all_cycles = _started_cycles(circle, now)
    window = _window(all_cycles, filters["from"], filters["to"], None)
    for batch in batched(members, max(1, CSV_BATCH_CELLS // max(1, len(all_cycles)))):
        table = selectors.grid(
            circle=circle, cycles=all_cycles, now=now, memberships=list(batch), with_answers=False
        )
        rows = [
            TrackerRow(membership=row.membership, cells=row.cells[window], history=row) for row in table.rows
        ]
        yield Tracker(cycles=all_cycles[window], rows=rows, all_cycles=all_cycles, window=window)


def _iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _csv_rows(
    circle: Circle, table: Tracker, *, show_email: bool, only_state: State | None
) -> Iterator[list[CsvCell]]:
    """One line per member and cycle. Everything is read already: this only formats."""
    zone = ZoneInfo(circle.timezone)
    shown = range(len(table.all_cycles))[table.window]
    for row in table.rows:
        user = row.membership.user
        states: list[State] = []
        for position, (cycle, cell) in enumerate(zip(table.all_cycles, row.history.cells, strict=True)):
            if cell.state is not None:
                states.append(cell.state)
            if position not in shown or (only_state is not None and cell.state != only_state):
                continue
            submitted = cell.checkin.submitted_at if cell.checkin else None
            yield [
                circle.name,
                user.name,
                user.email if show_email else "",
                cycle.index,
                _iso(cycle.opens_at, zone),
                _iso(cycle.deadline_at, zone),
                cell.state.value if cell.state else "",
                submitted.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
                if submitted
                else "",
                cell.done if cell.state else "",
                cell.total if cell.state else "",
                schedule.streak(states) if cell.state else "",
            ]


@dataclass
class HistoryEntry:
    cycle: Cycle
    cell: Cell
    checkin: Checkin | None  # submitted and visible to the viewer
    is_private: bool  # submitted, but shared with facilitators only
    is_moderated: bool = False  # submitted, but hidden or removed by a moderator


@login_required
@require_safe
def member_history(request: AuthedRequest, community: str, circle: str, membership_id: int) -> HttpResponse:
    """One member's row over every cycle, newest first, with the updates the viewer may read."""
    found = board_circle(request, community, circle)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, circle=found, status__in=HISTORY_STATUSES
    )
    membership.circle = found  # access checks below reuse the circle's cached memberships
    now = timezone.now()
    cycles = _started_cycles(found, now)
    row = selectors.grid(circle=found, cycles=cycles, now=now, memberships=[membership]).rows[0]
    entries = []
    for cycle, cell in zip(cycles, row.cells, strict=True):
        if cell.state is None:
            continue  # before they joined
        checkin = cell.checkin if cell.checkin and cell.checkin.is_submitted else None
        if checkin is not None:
            checkin.membership = membership
        visible = checkin is not None and access.can_view_checkin(request.user, checkin)
        entries.append(
            HistoryEntry(
                cycle=cycle,
                cell=cell,
                checkin=checkin if visible else None,
                is_private=checkin is not None and not visible and checkin.is_visible,
                is_moderated=checkin is not None and not checkin.is_visible,
            )
        )
    entries.reverse()
    return render(
        request,
        "checkins/member_history.html",
        {
            "community": found.community,
            "circle": found,
            "member": membership,
            "row": row,
            "entries": entries,
            "is_me": membership.user_id == request.user.pk,
        },
    )
