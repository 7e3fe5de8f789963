"""Writes for roles: the standard set, custom roles, the rotation, its worker unit and swaps."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.checkins.models import Cycle
from peerpact.circles.models import Circle, Membership, MembershipStatus
from peerpact.notifications.notify import notify
from peerpact.roles import access, rotation
from peerpact.roles.models import CircleRole, RoleAssignment, RoleKind, SwapRequest, SwapState

log = logging.getLogger(__name__)

# How far back the worker looks for cycles without roles: the current cycle and one just closed,
# never the whole history of a circle that started using roles late.
LOOKBACK = timedelta(days=8)
NOTIFY_BATCH = 100


def default_roles() -> list[tuple[str, str, str]]:
    """The three standard roles: kind, name and written duties."""
    return [
        (
            RoleKind.LEAD,
            _("Check-in lead"),
            _(
                "Runs this cycle's review session: opens on time, gives everyone a turn to report on "
                "their commitments, keeps the circle to its charter and closes with each person's next "
                "step. Nudges members who have not checked in before the deadline."
            ),
        ),
        (
            RoleKind.SUMMARIZER,
            _("Summarizer"),
            _(
                "Writes the cycle summary after the deadline: who did what they promised, wins, "
                "blockers, help asked for and the next steps. PeerPact drafts it from the check-ins; "
                "edit it and publish it to the circle."
            ),
        ),
        (
            RoleKind.TRACKER,
            _("Goal tracker"),
            _(
                "Follows up on missed commitments: a friendly private note to anyone who missed theirs, "
                "asking what got in the way and whether the circle can help."
            ),
        ),
    ]


def roles_ensure(*, circle: Circle) -> list[CircleRole]:
    """Give the circle its standard roles if it has never had them (idempotent, race-safe)."""
    present = set(CircleRole.objects.filter(circle=circle).values_list("kind", flat=True))
    for position, (kind, name, duties) in enumerate(default_roles(), start=1):
        if kind in present:
            continue
        try:
            with transaction.atomic():
                CircleRole.objects.create(
                    circle=circle, kind=kind, name=name, duties=duties, position=position
                )
        except IntegrityError:  # another request created it a moment ago
            pass
    return list(CircleRole.objects.filter(circle=circle))


def role_create(*, circle: Circle, actor: Any, name: str, duties: str) -> CircleRole:
    """Add a custom role; it joins the rotation from the next assignment on."""
    if not access.can_manage_roles(actor, circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can add roles."))
    roles_ensure(circle=circle)
    last = CircleRole.objects.filter(circle=circle).aggregate(top=Max("position"))["top"] or 0
    role = CircleRole(
        circle=circle, kind=RoleKind.CUSTOM, name=name.strip(), duties=duties.strip(), position=last + 1
    )
    role.full_clean()
    role.save()
    return role


def role_update(*, role: CircleRole, actor: Any, name: str, duties: str, is_active: bool) -> CircleRole:
    """Edit a role's name and duties, or switch it off (its history stays)."""
    if not access.can_manage_roles(actor, role.circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can change roles."))
    role.name, role.duties, role.is_active = name.strip(), duties.strip(), is_active
    role.full_clean()
    role.save(update_fields=["name", "duties", "is_active"])
    return role


# --- The rotation -------------------------------------------------------------------------------


def roles_assign(*, cycle: Cycle, now: datetime) -> list[RoleAssignment]:
    """Hand every active role without a holder in `cycle` to someone (idempotent). Returns new rows."""
    roles_ensure(circle=cycle.circle)
    made: list[RoleAssignment] = []
    with transaction.atomic():
        # One planner per circle at a time: two workers would otherwise plan against the same history.
        Circle.objects.select_for_update().filter(pk=cycle.circle_id).first()
        chosen = rotation.plan_for_cycle(cycle=cycle, now=now)
        closed = cycle.closes_at <= now  # history being filled in: nobody needs telling
        for role_id, membership_id in chosen.items():
            try:
                with transaction.atomic():
                    made.append(
                        RoleAssignment.objects.create(
                            role_id=role_id,
                            cycle=cycle,
                            membership_id=membership_id,
                            assigned_at=now,
                            notified_at=now if closed else None,
                        )
                    )
            except IntegrityError:
                continue
    return made


def roles_rotate(*, now: datetime) -> bool:
    """Worker unit: assign roles for cycles that opened without any, then tell new holders their duties."""
    # Only cycles someone could serve in: a circle whose people all joined later is not retried.
    present = Membership.objects.filter(
        circle_id=OuterRef("circle_id"), status=MembershipStatus.ACTIVE, joined_at__lte=OuterRef("opens_at")
    )
    cycles = list(
        Cycle.objects.filter(opens_at__lte=now, closes_at__gte=now - LOOKBACK, role_assignments__isnull=True)
        .filter(Exists(present))
        .exclude(circle__status="archived")
        .select_related("circle", "circle__community")
        .order_by("circle_id", "index")[:50]
    )
    busy = False
    for cycle in cycles:
        try:
            busy = bool(roles_assign(cycle=cycle, now=now)) or busy
        except Exception:  # one bad circle must not stop the others
            log.exception("roles: assigning cycle %s failed", cycle.pk)
    return roles_notify(now=now) or busy


def roles_notify(*, now: datetime) -> bool:
    """Tell each holder of a role in an open cycle about their duties, once."""
    due = list(
        RoleAssignment.objects.filter(
            notified_at__isnull=True, cycle__opens_at__lte=now, cycle__closes_at__gt=now
        )
        .select_related("role", "cycle__circle__community", "cycle__circle__rhythm", "membership__user")
        .order_by("pk")[:NOTIFY_BATCH]
    )
    sent = False
    for assignment in due:
        # Compare-and-set: only the worker whose UPDATE matched tells the holder.
        if not RoleAssignment.objects.filter(pk=assignment.pk, notified_at__isnull=True).update(
            notified_at=now
        ):
            continue
        try:
            duty_notify(assignment=assignment, dedupe_key=f"role:{assignment.pk}", now=now)
            sent = True
        except Exception:
            log.exception("roles: notifying assignment %s failed", assignment.pk)
    return sent


def board_url(circle: Circle) -> str:
    return reverse("checkins:board", kwargs={"community": circle.community.slug, "circle": circle.slug})


def review_in(cycle: Cycle) -> datetime | None:
    """The cycle's review session, if the rhythm has one between its opening and closing."""
    rhythm = getattr(cycle.circle, "rhythm", None)
    rule = rhythm.reviews() if rhythm is not None else None
    if rule is None:
        return None
    found = rule.between(cycle.opens_at, cycle.closes_at)
    return found[0] if found else None


def duty_notify(*, assignment: RoleAssignment, dedupe_key: str, now: datetime) -> None:
    """`role.duty`: the role, its duties, the deadline and review time, and a link to the board."""
    cycle, circle = assignment.cycle, assignment.cycle.circle
    review = review_in(cycle)
    notify(
        recipient=assignment.membership.user,
        kind="role.duty",
        template="emails/role_duty",
        due_at=max(now, cycle.opens_at),
        dedupe_key=dedupe_key,
        url=board_url(circle),
        context={
            "title": circle.name,
            "circle": circle.name,
            "cycle": cycle.index,
            "role": assignment.role.name,
            "duties": assignment.role.duties,
            "deadline": cycle.deadline_at.isoformat(),
            "review": review.isoformat() if review else "",
            "swapped": assignment.swapped_from_id is not None,
        },
    )


# --- Swaps --------------------------------------------------------------------------------------


def swap_request(
    *,
    assignment: RoleAssignment,
    actor: Any,
    offered_to: Membership,
    message: str = "",
    now: datetime | None = None,
) -> SwapRequest:
    """Ask another active member to take the role this cycle; they accept or decline."""
    now = now or timezone.now()
    if not access.can_request_swap(actor, assignment):
        raise PermissionDenied(_("Only the person holding this role can ask someone to swap."))
    if assignment.cycle.closes_at <= now:
        raise ValidationError(_("This cycle is over; its roles can no longer change hands."))
    if offered_to.circle_id != assignment.cycle.circle_id or offered_to.status != MembershipStatus.ACTIVE:
        raise ValidationError({"offered_to": _("Choose an active member of this circle.")})
    if offered_to.pk == assignment.membership_id:
        raise ValidationError({"offered_to": _("Choose someone other than the person holding the role.")})
    swap = SwapRequest(
        assignment=assignment,
        requested_by=assignment.membership,
        offered_to=offered_to,
        created_by=actor,
        message=message.strip(),
    )
    swap.full_clean(exclude=["assignment"])
    try:
        with transaction.atomic():
            swap.save()
    except IntegrityError:
        raise ValidationError(_("A swap for this role is already waiting for an answer.")) from None
    _swap_notify(swap, event="asked", recipient=offered_to.user, now=now)
    return swap


def _decide(swap: SwapRequest, state: str, now: datetime) -> bool:
    """Compare-and-set the pending request to its outcome; False if someone decided first."""
    won = SwapRequest.objects.filter(pk=swap.pk, state=SwapState.PENDING).update(state=state, decided_at=now)
    swap.state, swap.decided_at = state, now
    return bool(won)


def swap_accept(*, swap: SwapRequest, actor: Any, now: datetime | None = None) -> RoleAssignment:
    """The offered member takes the role; the assignment moves to them and remembers who had it."""
    now = now or timezone.now()
    if not access.can_answer_swap(actor, swap):
        raise PermissionDenied(_("Only the member this role was offered to can accept it."))
    if not swap.is_pending:
        raise ValidationError(_("This request has already been answered."))
    assignment = swap.assignment
    if assignment.cycle.closes_at <= now:
        raise ValidationError(_("This cycle is over; its roles can no longer change hands."))
    if swap.offered_to.status != MembershipStatus.ACTIVE:
        raise ValidationError(_("Only active members can take a role."))
    with transaction.atomic():
        # The holder must still be the one who asked (a manager may have moved it meanwhile).
        moved = RoleAssignment.objects.filter(pk=assignment.pk, membership_id=swap.requested_by_id).update(
            membership_id=swap.offered_to_id, swapped_from_id=swap.requested_by_id, notified_at=now
        )
        if not moved or not _decide(swap, SwapState.ACCEPTED, now):
            raise ValidationError(_("This role has changed hands since the request was made."))
    assignment.refresh_from_db()
    duty_notify(assignment=assignment, dedupe_key=f"role:{assignment.pk}:swap:{swap.pk}", now=now)
    _swap_notify(swap, event="accepted", recipient=swap.requested_by.user, now=now)
    return assignment


def swap_decline(*, swap: SwapRequest, actor: Any, now: datetime | None = None) -> SwapRequest:
    """The offered member says no; the role stays where it was."""
    now = now or timezone.now()
    if not access.can_answer_swap(actor, swap):
        raise PermissionDenied(_("Only the member this role was offered to can decline it."))
    if not _decide(swap, SwapState.DECLINED, now):
        raise ValidationError(_("This request has already been answered."))
    _swap_notify(swap, event="declined", recipient=swap.requested_by.user, now=now)
    return swap


def swap_cancel(*, swap: SwapRequest, actor: Any, now: datetime | None = None) -> SwapRequest:
    """The person who asked (or a facilitator) withdraws a request still waiting for an answer."""
    now = now or timezone.now()
    if not access.can_cancel_swap(actor, swap):
        raise PermissionDenied(_("Only the person who asked, or a facilitator, can withdraw this request."))
    if not _decide(swap, SwapState.CANCELLED, now):
        raise ValidationError(_("This request has already been answered."))
    return swap


def _swap_notify(swap: SwapRequest, *, event: str, recipient: Any, now: datetime) -> None:
    assignment = swap.assignment
    circle = assignment.cycle.circle
    notify(
        recipient=recipient,
        kind="role.swap",
        template="emails/role_swap",
        due_at=now,
        dedupe_key=f"roleswap:{swap.pk}:{event}",
        url=reverse("roles:index", kwargs={"community": circle.community.slug, "circle": circle.slug}),
        context={
            "title": circle.name,
            "circle": circle.name,
            "cycle": assignment.cycle.index,
            "role": assignment.role.name,
            "event": event,
            "asker": swap.requested_by.user.name,
            "other": swap.offered_to.user.name,
            "message": swap.message,
        },
    )
