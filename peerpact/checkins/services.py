"""Every write to rhythms, cycles, blackouts, pauses and check-ins."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.checkins import access, reminders, schedule
from peerpact.checkins.models import Blackout, CalendarFeed, Checkin, Cycle, Pause, Rhythm, new_feed_token
from peerpact.circles.models import Circle, Membership, MembershipStatus
from peerpact.goals import services as goal_services
from peerpact.goals.models import Commitment, CommitmentStatus, Goal, GoalStatus
from peerpact.lib.text import refuse_nul
from peerpact.notifications import events

# A first deadline closer than this to the moment the schedule is set is skipped: nobody should
# start their first cycle with an hour to go.
FIRST_CYCLE_MIN = timedelta(hours=24)
LOOKAHEAD_OCCURRENCES = 12


class StaleEdit(Exception):
    """The check-in changed since the form was loaded (another tab, another device)."""

    def __init__(self, current: Checkin) -> None:
        super().__init__("stale check-in")
        self.current = current


@dataclass
class RhythmSpec:
    preset: str = schedule.Preset.WEEKLY
    weekdays: list[str] = field(default_factory=lambda: ["FR"])
    nth: int = 1
    custom_rule: str = ""
    deadline_time: time = time(18, 0)
    starts_on: date | None = None
    grace_hours: int = 24
    review_weekday: str = ""  # empty: no review sessions
    review_time: time = time(19, 0)
    review_duration_minutes: int = 45
    review_location: str = ""
    next_steps: str = "review"  # NextSteps: at the review session, or in each check-in


def rhythm_rule_from_spec(spec: RhythmSpec) -> str:
    if spec.preset == schedule.Preset.CUSTOM:
        return spec.custom_rule.strip().removeprefix("RRULE:")
    try:
        return schedule.preset_rule(spec.preset, weekdays=spec.weekdays, nth=spec.nth)
    except ValueError as exc:
        raise ValidationError({"weekdays": str(exc)}) from exc


def rhythm_validate(*, circle: Circle, spec: RhythmSpec, now: datetime) -> Rhythm:
    """Build (unsaved) the rhythm a spec describes, refusing rules that cannot work."""
    rule = rhythm_rule_from_spec(spec)
    rhythm = Rhythm(
        circle=circle,
        preset=spec.preset,
        starts_on=spec.starts_on or timezone.localdate(now),
        deadline_rule=rule,
        deadline_time=spec.deadline_time,
        grace_hours=spec.grace_hours,
        review_rule=_review_rule(spec),
        review_time=spec.review_time,
        review_duration_minutes=spec.review_duration_minutes,
        review_location=spec.review_location.strip(),
        next_steps=spec.next_steps,
    )
    try:
        upcoming = rhythm.deadlines().upcoming(now, LOOKAHEAD_OCCURRENCES)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            {"custom_rule": _("This rule could not be read. Write it like FREQ=WEEKLY;BYDAY=MO,TH.")}
        ) from exc
    if len(upcoming) < 2:
        raise ValidationError({"custom_rule": _("This schedule has fewer than two deadlines ahead.")})
    shortest = min(b - a for a, b in pairwise(upcoming))
    if shortest < timedelta(hours=12):
        raise ValidationError({"custom_rule": _("Deadlines must be at least 12 hours apart.")})
    if rhythm.grace >= shortest:
        raise ValidationError(
            {"grace_hours": _("The grace period must be shorter than the time between two deadlines.")}
        )
    rhythm.full_clean(exclude=["circle", "updated_by"])
    return rhythm


def _review_rule(spec: RhythmSpec) -> str:
    if not spec.review_weekday:
        return ""
    day = spec.review_weekday.upper()
    if day not in schedule.WEEKDAYS:
        raise ValidationError({"review_weekday": _("Choose a weekday.")})
    interval = ";INTERVAL=2" if spec.preset == schedule.Preset.BIWEEKLY else ""
    return f"FREQ=WEEKLY{interval};BYDAY={day}"


def rhythm_set(*, circle: Circle, actor: Any, spec: RhythmSpec, now: datetime | None = None) -> Rhythm:
    """Set or change a circle's schedule. Closed cycles keep their history; the current cycle keeps
    its deadline, and the new schedule applies from the next cycle on."""
    if not access.can_manage_rhythm(actor, circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can change the schedule."))
    now = now or timezone.now()
    proposed = rhythm_validate(circle=circle, spec=spec, now=now)
    with transaction.atomic():
        Circle.objects.select_for_update().get(pk=circle.pk)
        rhythm = Rhythm.objects.filter(circle=circle).first() or Rhythm(circle=circle)
        for name in (
            "preset",
            "starts_on",
            "deadline_rule",
            "deadline_time",
            "grace_hours",
            "review_rule",
            "review_time",
            "review_duration_minutes",
            "review_location",
            "next_steps",
        ):
            setattr(rhythm, name, getattr(proposed, name))
        rhythm.updated_by = actor
        rhythm.save()
        circle.rhythm = rhythm
        current = Cycle.objects.filter(circle=circle).started(now).order_by("-index").first()
        if current is not None:
            _reschedule_after(current, rhythm)
        cycles_ensure(circle=circle, now=now)
        events.emit("rhythm.changed", rhythm, community_id=circle.community_id, at=now)
    return rhythm


def _reschedule_after(current: Cycle, rhythm: Rhythm) -> None:
    """Re-time the cycles after `current` with a new rule; `current` keeps its deadline.

    The next cycle is updated in place rather than recreated: members' commitments for it (made in
    this cycle's check-in) hang on its row. Cycles beyond it hold nothing yet and are dropped.
    """
    deadlines = rhythm.deadlines()
    following = deadlines.next_after(current.deadline_at)
    upcoming = Cycle.objects.filter(circle_id=current.circle_id, index__gt=current.index).order_by("index")
    if following is None:
        upcoming.delete()
        return
    times = schedule.cycle_times(current.opens_at, current.deadline_at, following, rhythm.grace)
    current.grace_until, current.closes_at = times.grace_until, times.closes_at
    current.save(update_fields=["grace_until", "closes_at"])
    nxt = upcoming.first()
    if nxt is None:
        return
    Cycle.objects.filter(circle_id=current.circle_id, index__gt=nxt.index).delete()
    after = deadlines.next_after(following)
    if after is None:
        nxt.delete()
        return
    times = schedule.cycle_times(current.deadline_at, following, after, rhythm.grace)
    nxt.opens_at, nxt.deadline_at, nxt.grace_until, nxt.closes_at = (
        times.opens_at,
        times.deadline_at,
        times.grace_until,
        times.closes_at,
    )
    nxt.save(update_fields=["opens_at", "deadline_at", "grace_until", "closes_at"])


def cycles_ensure(*, circle: Circle, now: datetime) -> list[Cycle]:
    """Create the circle's cycles up to the one after `now` (idempotent; safe under concurrency).

    Returns the cycles it created.
    """
    if not _has_rhythm(circle):
        return []
    rhythm = circle.rhythm
    deadlines = rhythm.deadlines()
    created: list[Cycle] = []
    last = Cycle.objects.filter(circle=circle).order_by("-index").first()
    if last is None:
        first = deadlines.next_after(now)
        if first is not None and first - now < FIRST_CYCLE_MIN:
            first = deadlines.next_after(first)
        if first is None:
            return []
        following = deadlines.next_after(first)
        if following is None:
            return []
        times = schedule.cycle_times(now, first, following, rhythm.grace)
        last = _create_cycle(circle, 1, times)
        if last is None:
            return []
        created.append(last)
    # Keep one cycle ahead of the one containing `now`, so "next commitments" have a home.
    while last.opens_at <= now:
        deadline = deadlines.next_after(last.deadline_at)
        if deadline is None:
            break
        following = deadlines.next_after(deadline)
        if following is None:
            break
        times = schedule.cycle_times(last.deadline_at, deadline, following, rhythm.grace)
        made = _create_cycle(circle, last.index + 1, times)
        if made is None:  # another process made it first
            made = Cycle.objects.get(circle=circle, index=last.index + 1)
        else:
            created.append(made)
        last = made
    return created


def _has_rhythm(circle: Circle) -> bool:
    try:
        return circle.rhythm is not None
    except Rhythm.DoesNotExist:
        return False


def _create_cycle(circle: Circle, index: int, times: schedule.CycleTimes) -> Cycle | None:
    try:
        with transaction.atomic():
            return Cycle.objects.create(
                circle=circle,
                index=index,
                opens_at=times.opens_at,
                deadline_at=times.deadline_at,
                grace_until=times.grace_until,
                closes_at=times.closes_at,
            )
    except IntegrityError:
        return None


def cycles_materialize(*, now: datetime) -> bool:
    """Worker unit: open the next cycle of every circle whose latest cycle has started."""
    due = (
        Circle.objects.filter(rhythm__isnull=False)
        .exclude(status="archived")
        .exclude(cycles__opens_at__gt=now)
        .select_related("rhythm")[:50]
    )
    busy = False
    for circle in due:
        busy = bool(cycles_ensure(circle=circle, now=now)) or busy
    return busy


def blackout_add(*, circle: Circle, actor: Any, starts_on: date, ends_on: date, reason: str = "") -> Blackout:
    """Mark dates when no update is expected (in the circle's time zone)."""
    if not access.can_manage_rhythm(actor, circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can set blackout dates."))
    blackout = Blackout(circle=circle, starts_on=starts_on, ends_on=ends_on, reason=reason.strip())
    blackout.full_clean()
    blackout.save()
    events.emit("blackout.changed", blackout, community_id=circle.community_id)
    return blackout


def blackout_remove(*, blackout: Blackout, actor: Any) -> None:
    """Remove blackout dates."""
    if not access.can_manage_rhythm(actor, blackout.circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can change blackout dates."))
    blackout.delete()
    events.emit("blackout.changed", blackout, community_id=blackout.circle.community_id)


def pause_start(
    *,
    membership: Membership,
    actor: Any,
    starts_on: date,
    ends_on: date | None = None,
    reason: str = "",
    today: date | None = None,
) -> Pause:
    """Pause a member (from a date; until a date or until resumed). The reason stays private."""
    if not access.can_pause(actor, membership):
        raise PermissionDenied(_("Only the member or a facilitator can pause a membership."))
    if not membership.is_seated:
        raise ValidationError(_("Only members of the circle can pause."))
    today = today or timezone.localdate()
    if starts_on < today:
        raise ValidationError({"starts_on": _("A pause cannot start in the past.")})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The pause must end on or after its first day.")})
    with transaction.atomic():
        for other in Pause.objects.select_for_update().filter(membership=membership, resumed_at__isnull=True):
            other_ends = other.ends_on or date.max
            if starts_on <= other_ends and (ends_on or date.max) >= other.starts_on:
                raise ValidationError(
                    {
                        "starts_on": _(
                            "This overlaps a pause that is already planned or running. Resume it first."
                        )
                    }
                )
        pause = Pause(
            membership=membership,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip(),
            created_by=actor,
        )
        pause.full_clean()
        pause.save()
        _sync_membership_pause(membership, today=today, now=timezone.now())
        events.emit("pause.changed", pause, community_id=membership.circle.community_id)
    return pause


def pause_resume(*, membership: Membership, actor: Any) -> Membership:
    """End every running or planned pause now."""
    if not access.can_pause(actor, membership):
        raise PermissionDenied(_("Only the member or a facilitator can resume a membership."))
    now = timezone.now()
    with transaction.atomic():
        Pause.objects.filter(membership=membership, resumed_at__isnull=True).update(resumed_at=now)
        _sync_membership_pause(membership, today=timezone.localdate(now), now=now)
        events.emit("pause.changed", membership, community_id=membership.circle.community_id, at=now)
    return membership


def _active_pause(membership: Membership, today: date, now: datetime) -> Pause | None:
    for pause in Pause.objects.filter(membership=membership, resumed_at__isnull=True):
        if pause.covers(today, now):
            return pause
    return None


def _sync_membership_pause(membership: Membership, *, today: date, now: datetime) -> bool:
    """Make the membership's status say paused exactly while a pause covers today."""
    pause = _active_pause(membership, today, now)
    wanted = MembershipStatus.PAUSED if pause else MembershipStatus.ACTIVE
    if (
        membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.PAUSED)
        or membership.status == wanted
    ):
        return False
    membership.status = wanted
    membership.paused_until = pause.ends_on if pause else None
    membership.status_changed_at = now
    membership.save(update_fields=["status", "paused_until", "status_changed_at"])
    return True


def pauses_sync(*, now: datetime) -> bool:
    """Worker unit: start pauses that begin today and end those that are over."""
    today = timezone.localdate(now)
    covering = Pause.objects.filter(
        membership=OuterRef("pk"), resumed_at__isnull=True, starts_on__lte=today
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    # Only memberships whose status is wrong today: active but covered by a pause, or paused but not.
    due = Membership.objects.filter(
        Q(status=MembershipStatus.ACTIVE, pk__in=Membership.objects.filter(Exists(covering)).values("pk"))
        | Q(status=MembershipStatus.PAUSED, pk__in=Membership.objects.exclude(Exists(covering)).values("pk"))
    )[:500]
    changed = False
    for membership in due:
        changed = _sync_membership_pause(membership, today=today, now=now) or changed
    return changed


# --- Check-ins ----------------------------------------------------------------------------------


@dataclass
class CommitmentReview:
    commitment_id: int
    status: str
    note: str = ""
    carry_forward: bool = False


@dataclass
class NewCommitment:
    text: str
    goal_id: int | None = None
    quantity: Decimal | None = None


@dataclass
class CheckinAnswers:
    wins: str = ""
    blockers: str = ""
    help_request: str = ""
    confidence: int | None = None
    visibility: str = "circle"
    reviews: list[CommitmentReview] = field(default_factory=list)
    progress: dict[int, Decimal] = field(default_factory=dict)  # goal id -> value
    next_commitments: list[NewCommitment] = field(default_factory=list)


def checkin_save_draft(*, membership: Membership, cycle: Cycle, actor: Any, data: dict[str, Any]) -> Checkin:
    """Keep what the member has typed so far; nothing is shared until they submit."""
    _check_can_write(actor, membership, cycle, timezone.now())
    refuse_nul(draft=data)
    checkin, _created = Checkin.objects.get_or_create(membership=membership, cycle=cycle)
    checkin.draft = {k: v for k, v in data.items() if k not in {"csrfmiddlewaretoken", "version"}}
    checkin.draft_saved_at = timezone.now()
    checkin.save(update_fields=["draft", "draft_saved_at"])  # updated_at tracks real edits only
    return checkin


def _check_can_write(actor: Any, membership: Membership, cycle: Cycle, now: datetime) -> None:
    if not access.can_check_in(actor, membership):
        raise PermissionDenied(_("Only the member can check in for themselves."))
    if cycle.circle_id != membership.circle_id:
        raise PermissionDenied(_("That cycle belongs to another circle."))
    if not cycle.is_open(now):
        raise ValidationError(_("This cycle is closed; its check-in can no longer be changed."))


def checkin_submit(
    *,
    membership: Membership,
    cycle: Cycle,
    actor: Any,
    answers: CheckinAnswers,
    expected_version: int | None,
    now: datetime | None = None,
) -> Checkin:
    """Record (or update) a member's check-in for a cycle; refuse a stale edit.

    `now` defaults to the current time; the demo seed passes past times to build history.
    """
    now = now or timezone.now()
    _check_can_write(actor, membership, cycle, now)
    refuse_nul(wins=answers.wins, blockers=answers.blockers, help_request=answers.help_request)
    with transaction.atomic():
        checkin, _created = Checkin.objects.select_for_update().get_or_create(
            membership=membership, cycle=cycle
        )
        if checkin.is_submitted and checkin.version != (expected_version or 0):
            raise StaleEdit(current=checkin)
        checkin.wins = answers.wins.strip()
        checkin.blockers = answers.blockers.strip()
        checkin.help_request = answers.help_request.strip()
        checkin.confidence = answers.confidence
        checkin.visibility = answers.visibility
        if checkin.submitted_at is None:
            checkin.submitted_at = now
        checkin.version += 1
        checkin.draft = {}
        checkin.draft_saved_at = None
        checkin.full_clean()
        checkin.save()
        _apply_commitment_reviews(membership, cycle, answers.reviews, now)
        _apply_progress(membership, cycle, answers.progress, now)
        _add_next_commitments(membership, cycle, answers.next_commitments, now)
        reminders.reminders_withdraw(membership=membership, cycle=cycle)
        events.emit("checkin.submitted", checkin, community_id=cycle.circle.community_id, at=now)
    return checkin


def _apply_commitment_reviews(
    membership: Membership, cycle: Cycle, reviews: list[CommitmentReview], now: datetime
) -> None:
    due = {c.pk: c for c in Commitment.objects.filter(membership=membership, cycle=cycle)}
    next_cycle = None
    for review in reviews:
        commitment = due.get(review.commitment_id)
        if commitment is None:
            continue  # not theirs or not due this cycle: ignored, never an error page
        goal_services.commitment_resolve(
            commitment=commitment, status=review.status, note=review.note, at=now
        )
        if review.carry_forward and commitment.is_unfinished:
            next_cycle = next_cycle or _next_cycle(cycle, now)
            if next_cycle is not None:
                goal_services.commitment_carry_forward(commitment=commitment, to_cycle=next_cycle)


def _apply_progress(
    membership: Membership, cycle: Cycle, progress: dict[int, Decimal], now: datetime
) -> None:
    goals = Goal.objects.filter(membership=membership, pk__in=list(progress), status=GoalStatus.ACTIVE)
    for goal in goals:
        goal_services.goal_progress_record(goal=goal, cycle=cycle, value=progress[goal.pk], at=now)


def _add_next_commitments(
    membership: Membership, cycle: Cycle, items: list[NewCommitment], now: datetime
) -> None:
    items = [item for item in items if item.text.strip()]
    if not items:
        return
    next_cycle = _next_cycle(cycle, now)
    if next_cycle is None:
        raise ValidationError(
            _("The next cycle is not scheduled yet, so new commitments have nowhere to go.")
        )
    goals = {g.pk: g for g in Goal.objects.filter(membership=membership)}
    already = set(
        Commitment.objects.filter(membership=membership, cycle=next_cycle).values_list("text", flat=True)
    )
    for item in items:
        if item.text.strip() in already:
            continue  # a resubmitted form does not duplicate commitments
        goal_services.commitment_add(
            membership=membership,
            cycle=next_cycle,
            text=item.text,
            quantity=item.quantity,
            goal=goals.get(item.goal_id) if item.goal_id else None,
        )


def _next_cycle(cycle: Cycle, now: datetime) -> Cycle | None:
    cycles_ensure(circle=cycle.circle, now=max(now, cycle.deadline_at))
    return Cycle.objects.filter(circle_id=cycle.circle_id, index=cycle.index + 1).first()


def commitments_unresolved_to_missed(*, cycle: Cycle, now: datetime) -> int:
    """Close a cycle's still-open commitments as not done (used once the cycle has closed)."""
    if now <= cycle.closes_at:
        return 0
    return Commitment.objects.filter(cycle=cycle, status=CommitmentStatus.OPEN).update(
        status=CommitmentStatus.MISSED, resolved_at=now
    )


# --- Calendar feeds -----------------------------------------------------------------------------


def calendar_feed_get(*, user: Any, circle: Circle | None = None) -> CalendarFeed:
    """The person's secret feed (all circles, or one circle), created on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user, circle=circle)
    return feed


def calendar_feed_regenerate(*, feed: CalendarFeed, actor: Any) -> CalendarFeed:
    """Replace the secret URL; the old one stops working at once."""
    if feed.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the feed's owner can regenerate it."))
    feed.token = new_feed_token()
    feed.save(update_fields=["token"])
    return feed
