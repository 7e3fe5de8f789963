"""Every write to goals, milestones, progress and commitments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.circles.models import Membership
from peerpact.goals import access
from peerpact.goals.models import Commitment, CommitmentStatus, Goal, GoalProgress, GoalStatus, Milestone
from peerpact.lib.text import refuse_nul
from peerpact.notifications import events

GOAL_FIELDS = (
    "title",
    "why",
    "direction",
    "unit",
    "baseline",
    "target",
    "starts_on",
    "due_on",
    "visibility",
    "status",
)


def goal_create(
    *, membership: Membership, actor: Any, milestones: list[str] | None = None, **fields: Any
) -> Goal:
    """Set a new goal for oneself in a circle."""
    if not access.can_edit_goals_of(actor, membership):
        raise PermissionDenied(_("You can only set goals for yourself, in a circle you belong to."))
    unknown = set(fields) - set(GOAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown goal fields: {sorted(unknown)}")
    with transaction.atomic():
        goal = Goal(membership=membership, **fields)
        goal.full_clean()
        goal.save()
        for position, title in enumerate(t.strip() for t in (milestones or []) if t.strip()):
            Milestone.objects.create(goal=goal, title=title[:160], position=position)
    return goal


def goal_update(*, goal: Goal, actor: Any, **fields: Any) -> Goal:
    """Change a goal; marking it achieved records when."""
    if not access.can_edit_goals_of(actor, goal.membership):
        raise PermissionDenied(_("Only the goal's owner can change it."))
    unknown = set(fields) - set(GOAL_FIELDS)
    if unknown:
        raise TypeError(f"unknown goal fields: {sorted(unknown)}")
    changed = [name for name, value in fields.items() if getattr(goal, name) != value]
    for name in changed:
        setattr(goal, name, fields[name])
    if "status" in changed:
        goal.achieved_at = timezone.now() if goal.status == GoalStatus.ACHIEVED else None
        changed.append("achieved_at")
    goal.full_clean()
    if changed:
        goal.save(update_fields=changed)
    if "status" in changed and goal.status == GoalStatus.ACHIEVED:
        events.emit("goal.achieved", goal, community_id=goal.membership.circle.community_id)
    return goal


def milestone_toggle(*, milestone: Milestone, actor: Any, done: bool) -> Milestone:
    """Tick a milestone off (or back on)."""
    if not access.can_edit_goals_of(actor, milestone.goal.membership):
        raise PermissionDenied(_("Only the goal's owner can change it."))
    milestone.done_at = timezone.now() if done else None
    milestone.save(update_fields=["done_at"])
    return milestone


def milestone_add(*, goal: Goal, actor: Any, title: str, due_on: Any = None) -> Milestone:
    """Add a milestone at the end of a goal's list."""
    if not access.can_edit_goals_of(actor, goal.membership):
        raise PermissionDenied(_("Only the goal's owner can change it."))
    last = goal.milestones.order_by("-position").values_list("position", flat=True).first()
    milestone = Milestone(goal=goal, title=title.strip(), due_on=due_on, position=(last or 0) + 1)
    milestone.full_clean()
    milestone.save()
    return milestone


def goal_progress_record(*, goal: Goal, cycle: Any, value: Decimal, at: datetime) -> GoalProgress:
    """Record (or correct) a goal's value for a cycle. Called by the check-in service."""
    progress, _created = GoalProgress.objects.update_or_create(
        goal=goal, cycle=cycle, defaults={"value": value, "recorded_at": at}
    )
    return progress


def commitment_add(
    *,
    membership: Membership,
    cycle: Any,
    text: str,
    goal: Goal | None = None,
    quantity: Decimal | None = None,
    carried_from: Commitment | None = None,
) -> Commitment:
    """Promise something for the deadline of `cycle`."""
    if goal is not None and goal.membership_id != membership.pk:
        raise ValidationError(_("A commitment can only be tied to one of your own goals."))
    refuse_nul(text=text)
    commitment = Commitment(
        membership=membership,
        cycle=cycle,
        text=text.strip(),
        goal=goal,
        quantity=quantity,
        carried_from=carried_from,
    )
    commitment.full_clean()
    commitment.save()
    return commitment


def commitment_resolve(*, commitment: Commitment, status: str, note: str, at: datetime) -> Commitment:
    """Mark a commitment done, partly done or not done, with an optional note."""
    if status not in (
        CommitmentStatus.DONE,
        CommitmentStatus.PARTIAL,
        CommitmentStatus.MISSED,
        CommitmentStatus.OPEN,
    ):
        raise ValidationError(_("Unknown commitment status."))
    refuse_nul(note=note)
    commitment.status = status
    commitment.note = note.strip()[:500]
    commitment.resolved_at = None if status == CommitmentStatus.OPEN else at
    commitment.save(update_fields=["status", "note", "resolved_at"])
    return commitment


def commitment_carry_forward(*, commitment: Commitment, to_cycle: Any) -> Commitment:
    """Copy an unfinished commitment into the next cycle (once)."""
    existing = Commitment.objects.filter(carried_from=commitment, cycle=to_cycle).first()
    if existing is not None:
        return existing
    return commitment_add(
        membership=commitment.membership,
        cycle=to_cycle,
        text=commitment.text,
        goal=commitment.goal,
        quantity=commitment.quantity,
        carried_from=commitment,
    )
