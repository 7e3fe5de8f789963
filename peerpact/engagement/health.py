"""Circle health for facilitators and organizers: a few signals, each with its threshold, and one label
that follows from them. The reasons are always shown with the label, so nobody has to trust a number.

Signals (`good` / `watch` / `concern`; `unknown` when there is nothing to read yet):

| signal | good | watch | concern |
|---|---|---|---|
| check-in rate, last 4 finished cycles | >= 80 % | 60 to 79 % | < 60 % |
| trend (last 4 against last 12) | steady or better | down 15 points or more | - |
| re-engagement cases open | none | someone at step 1 | someone at step 2 or 3 |
| feedback reciprocity (last 12 cycles) | everyone received some | someone got none, or none given | - |
| open help requests | up to 2 | more than 2 | - |
| latest pulse (average of the questions, 1 to 5) | >= 3.5 | 2.5 to 3.4 | < 2.5 |

Label: any concern → needs attention; else any watch → steady; else thriving. Without a finished cycle
it is too early to tell. Every read costs the same few queries however many members and cycles there are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Cycle
from peerpact.checkins.schedule import State
from peerpact.checkins.selectors import Cell
from peerpact.circles.models import Circle, CircleStatus
from peerpact.communities.models import Community
from peerpact.engagement import selectors
from peerpact.engagement.models import Pulse, ReengagementCase
from peerpact.engagement.selectors import PulseResults

logger = logging.getLogger(__name__)

RECENT, WINDOW = 4, 12
RATE_GOOD, RATE_CONCERN = 0.8, 0.6
TREND_DROP = 0.15
HELP_WATCH = 2
PULSE_GOOD, PULSE_CONCERN = 3.5, 2.5

GOOD, WATCH, CONCERN, UNKNOWN = "good", "watch", "concern", "unknown"
LABELS = {
    "thriving": _("Thriving"),
    "steady": _("Steady"),
    "needs_attention": _("Needs attention"),
    "too_early": _("Too early to tell"),
}
LABEL_ORDER = {"needs_attention": 0, "steady": 1, "thriving": 2, "too_early": 3}


@dataclass
class Signal:
    key: str
    name: str | Promise
    value: str
    status: str
    reason: str | Promise


@dataclass
class MemberHealth:
    membership: Any
    rate: float | None
    streak: int
    missed: int
    given: int | None
    received: int | None
    case: ReengagementCase | None


@dataclass
class Health:
    circle: Circle
    label: str
    signals: list[Signal]
    rate_recent: float | None
    rate_window: float | None
    cycles_read: int
    members: list[MemberHealth] = field(default_factory=list)
    cases: list[ReengagementCase] = field(default_factory=list)
    help_requests: list[Any] | None = None
    pulse: PulseResults | None = None

    @property
    def label_text(self) -> str | Promise:
        return LABELS[self.label]

    @property
    def reasons(self) -> list[Signal]:
        """The signals that decided the label (the worst ones), for one-line summaries."""
        order = [CONCERN, WATCH] if self.label != "thriving" else [GOOD]
        for status in order:
            found = [s for s in self.signals if s.status == status]
            if found:
                return found
        return []


def rate(cells: list[Cell]) -> float | None:
    """Share of final, expected cycles with an update (on time or late); excused ones do not count."""
    done = sum(1 for c in cells if c.state in (State.ON_TIME, State.LATE))
    missed = sum(1 for c in cells if c.state == State.MISSED)
    return done / (done + missed) if done + missed else None


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def label_for(signals: list[Signal], *, has_history: bool) -> str:
    if not has_history:
        return "too_early"
    statuses = {s.status for s in signals}
    if CONCERN in statuses:
        return "needs_attention"
    if WATCH in statuses:
        return "steady"
    return "thriving"


def _feedback_figures(circle: Circle, since: datetime) -> tuple[dict[int, tuple[int, int]] | None, Any]:
    """Reciprocity and open help requests from the feedback app, when it is installed."""
    try:
        from peerpact.feedback import selectors as feedback  # type: ignore[attr-defined,unused-ignore]

        reciprocity = feedback.reciprocity(circle=circle, since=since)  # type: ignore[attr-defined,unused-ignore]
        help_requests = list(feedback.open_help_requests(circle=circle))  # type: ignore[attr-defined,unused-ignore]
    except (ImportError, AttributeError):
        return None, None
    return reciprocity, help_requests


def _final_cycles(circle: Circle, now: datetime) -> list[Cycle]:
    return list(
        reversed(Cycle.objects.filter(circle=circle, grace_until__lte=now).order_by("-index")[:WINDOW])
    )


def circle_health(
    *,
    circle: Circle,
    now: datetime,
    detail: bool = True,
    pulse_read: bool = False,
    pulse: PulseResults | None = None,
) -> Health:
    """Signals, label and (with `detail`) a row per member. With `pulse_read`, `pulse` is already known."""
    cycles = _final_cycles(circle, now)
    members = checkin_selectors.seated_members(circle=circle)
    table = checkin_selectors.grid(circle=circle, cycles=cycles, now=now, memberships=members)
    recent = [cell for row in table.rows for cell in row.cells[-RECENT:]]
    window = [cell for row in table.rows for cell in row.cells]
    rate_recent, rate_window = rate(recent), rate(window)
    cases = selectors.cases_open(circle=circle)
    reciprocity, help_requests = _feedback_figures(circle, cycles[0].opens_at if cycles else now)
    if not pulse_read:
        latest = selectors.pulse_latest(circle=circle, now=now)
        pulse = selectors.pulse_results(pulse=latest) if latest else None
    health = health_from_figures(
        circle=circle,
        rate_recent=rate_recent,
        rate_window=rate_window,
        cycles_read=len(cycles),
        cases=cases,
        reciprocity=reciprocity,
        member_ids=[m.pk for m in members],
        help_requests=help_requests,
        pulse=pulse,
    )
    if detail:
        by_member = {case.membership_id: case for case in cases}
        for row in table.rows:
            given, received = (reciprocity or {}).get(row.membership.pk, (0, 0))
            health.members.append(
                MemberHealth(
                    membership=row.membership,
                    rate=rate(row.cells),
                    streak=row.streak,
                    missed=row.missed,
                    given=given if reciprocity is not None else None,
                    received=received if reciprocity is not None else None,
                    case=by_member.get(row.membership.pk),
                )
            )
    return health


def health_from_figures(
    *,
    circle: Circle,
    rate_recent: float | None,
    rate_window: float | None,
    cycles_read: int,
    cases: list[ReengagementCase],
    reciprocity: dict[int, tuple[int, int]] | None,
    member_ids: list[int],
    help_requests: list[Any] | None,
    pulse: PulseResults | None,
) -> Health:
    """Signals and label from figures already read; circle_health reads them for one circle, the
    insights dashboard for many at once (so both apply the same thresholds and words)."""
    signals = [
        _rate_signal(rate_recent),
        _trend_signal(rate_recent, rate_window, cycles_read),
        _case_signal(cases),
        _reciprocity_signal(reciprocity, member_ids),
        _help_signal(help_requests),
        _pulse_signal(pulse),
    ]
    return Health(
        circle=circle,
        label=label_for(signals, has_history=rate_window is not None),
        signals=signals,
        rate_recent=rate_recent,
        rate_window=rate_window,
        cycles_read=cycles_read,
        cases=cases,
        help_requests=help_requests,
        pulse=pulse,
    )


def _rate_signal(value: float | None) -> Signal:
    name = _("Check-in rate, last 4 cycles")
    reason = _("80% or more is good; below 60% needs attention. Excused cycles do not count.")
    if value is None:
        return Signal("rate", name, "—", UNKNOWN, _("No finished cycle yet."))
    status = GOOD if value >= RATE_GOOD else WATCH if value >= RATE_CONCERN else CONCERN
    return Signal("rate", name, percent(value), status, reason)


def _trend_signal(recent: float | None, window: float | None, cycles: int) -> Signal:
    name = _("Trend: last 4 against last 12 cycles")
    if recent is None or window is None or cycles <= RECENT:
        return Signal("trend", name, "—", UNKNOWN, _("Needs more than 4 finished cycles."))
    drop = window - recent
    value = f"{percent(recent)} / {percent(window)}"
    if drop >= TREND_DROP:
        return Signal(
            "trend", name, value, WATCH, _("The recent rate is 15 points or more below the longer one.")
        )
    return Signal(
        "trend", name, value, GOOD, _("Steady or improving (a drop of 15 points would be flagged).")
    )


def _case_signal(cases: list[ReengagementCase]) -> Signal:
    name = _("Members drifting (re-engagement ladder)")
    if not cases:
        return Signal("cases", name, "0", GOOD, _("Nobody has missed two cycles in a row."))
    worst = max(case.step for case in cases)
    value = str(len(cases))
    if worst >= 2:
        return Signal(
            "cases", name, value, CONCERN, _("Someone has missed three cycles or more (step 2 or 3).")
        )
    return Signal(
        "cases", name, value, WATCH, _("Someone missed two cycles in a row and got a private nudge.")
    )


def _reciprocity_signal(reciprocity: dict[int, tuple[int, int]] | None, member_ids: list[int]) -> Signal:
    name = _("Feedback given and received, last 12 cycles")
    if reciprocity is None:
        return Signal("reciprocity", name, "—", UNKNOWN, _("Feedback figures are not available."))
    given = sum(reciprocity.get(pk, (0, 0))[0] for pk in member_ids)
    without = sum(1 for pk in member_ids if reciprocity.get(pk, (0, 0))[1] == 0)
    if given == 0:
        return Signal("reciprocity", name, "0", WATCH, _("No feedback was given in this period."))
    value = ngettext("%(n)d member received none", "%(n)d members received none", without) % {"n": without}
    if without:
        return Signal(
            "reciprocity", name, value, WATCH, _("Everyone should get some feedback; someone got none.")
        )
    return Signal("reciprocity", name, str(given), GOOD, _("Everyone received feedback."))


def _help_signal(help_requests: list[Any] | None) -> Signal:
    name = _("Open help requests")
    if help_requests is None:
        return Signal("help", name, "—", UNKNOWN, _("Help requests are not available."))
    count = len(help_requests)
    if count > HELP_WATCH:
        return Signal("help", name, str(count), WATCH, _("More than 2 requests are waiting for help."))
    return Signal("help", name, str(count), GOOD, _("Up to 2 open requests is normal."))


def _pulse_signal(results: PulseResults | None) -> Signal:
    name = _("Latest pulse (average, 1–5)")
    if results is None or not results.is_shown or results.overall is None:
        return Signal("pulse", name, "—", UNKNOWN, _("No pulse with at least 3 answers yet."))
    value = f"{results.overall:.1f}"
    if results.overall >= PULSE_GOOD:
        return Signal("pulse", name, value, GOOD, _("3.5 or more is good; below 2.5 needs attention."))
    status = WATCH if results.overall >= PULSE_CONCERN else CONCERN
    return Signal("pulse", name, value, status, _("3.5 or more is good; below 2.5 needs attention."))


def community_health(*, community: Community, now: datetime) -> list[Health]:
    """Every circle of the community that is not archived, with its label and reasons.

    The same few queries per circle (pulse results are read for all circles at once).
    """
    circles = list(
        Circle.objects.filter(community=community)
        .exclude(status=CircleStatus.ARCHIVED)
        .select_related("community")
    )
    latest: dict[int, Pulse] = {}
    for opened in Pulse.objects.filter(circle__in=circles, opens_at__lte=now).order_by(
        "circle_id", "-opens_at"
    ):
        latest.setdefault(opened.circle_id, opened)
    results = selectors.pulse_results_many(pulses=list(latest.values()))
    found = []
    for circle in circles:
        pulse = latest.get(circle.pk)
        found.append(
            circle_health(
                circle=circle,
                now=now,
                detail=False,
                pulse_read=True,
                pulse=results[pulse.pk] if pulse else None,
            )
        )
    # Worst first: circles needing attention at the top, then by how low their recent rate is.
    found.sort(
        key=lambda h: (LABEL_ORDER[h.label], h.rate_recent if h.rate_recent is not None else 2, h.circle.name)
    )
    return found
