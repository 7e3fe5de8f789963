"""The retrospective pulse: opened every N cycles, answered once per member, editable while open."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Mod
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.checkins.models import Cycle
from peerpact.circles.models import Circle, CircleStatus, Membership, MembershipStatus
from peerpact.engagement import access
from peerpact.engagement.models import PULSE_QUESTIONS, SCALE, Pulse, PulseAnswer
from peerpact.notifications import events
from peerpact.notifications.notify import notify

logger = logging.getLogger(__name__)

PULSE_OPEN_FOR = timedelta(days=7)
OPEN_BATCH = 20
QUIET_CIRCLES = (CircleStatus.ARCHIVED, CircleStatus.PAUSED)


def pulses_open(*, now: datetime) -> bool:
    """Worker unit: open the pulse of every circle whose Nth cycle's deadline has just passed.

    A cycle qualifies when `index % circle.pulse_every_cycles == 0` and its deadline passed less than
    PULSE_OPEN_FOR ago (a worker that was down does not open pulses that would already be closed).
    """
    due = (
        Cycle.objects.filter(
            closes_at__gt=now - PULSE_OPEN_FOR,  # indexed; closes_at >= deadline_at
            deadline_at__lte=now,
            deadline_at__gt=now - PULSE_OPEN_FOR,
            circle__pulse_every_cycles__gt=0,
        )
        .exclude(circle__status__in=QUIET_CIRCLES)
        .annotate(position=Mod(F("index"), F("circle__pulse_every_cycles")))
        .filter(position=0)
        .exclude(Exists(Pulse.objects.filter(cycle=OuterRef("pk"))))
        .select_related("circle__community")
        .order_by("deadline_at")[:OPEN_BATCH]
    )
    busy = False
    for cycle in due:
        try:
            busy = pulse_open(circle=cycle.circle, cycle=cycle, now=now) is not None or busy
        except Exception:  # one bad circle must not stop the others, nor the worker
            logger.exception("opening the pulse of cycle %s failed", cycle.pk)
    return busy


def pulse_open(*, circle: Circle, cycle: Cycle, now: datetime) -> Pulse | None:
    """Open the pulse after `cycle` and tell each active member once. None if it is already open."""
    try:
        with transaction.atomic():
            pulse = Pulse.objects.create(
                circle=circle,
                cycle=cycle,
                opens_at=cycle.deadline_at,
                closes_at=cycle.deadline_at + PULSE_OPEN_FOR,
            )
    except IntegrityError:  # another worker opened it first
        return None
    events.emit("pulse.opened", pulse, community_id=circle.community_id, at=now)
    url = reverse("engagement:pulse", kwargs={"community": circle.community.slug, "circle": circle.slug})
    members = Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE).select_related("user")
    for membership in members:
        notify(
            recipient=membership.user,
            kind="engagement.pulse",
            template="emails/engagement_pulse",
            due_at=now,
            dedupe_key=f"pulse:{pulse.pk}:{membership.pk}",
            url=url,
            context={
                "title": circle.name,
                "circle": circle.name,
                "closes_at": pulse.closes_at.isoformat(),
            },
        )
    return pulse


def _score(name: str, value: Any) -> int:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if score not in SCALE:
        raise ValidationError({name: _("Choose a number from 1 to 5.")})
    return score


def pulse_answer(
    *,
    pulse: Pulse,
    membership: Membership,
    actor: Any,
    scores: dict[str, Any],
    open_answer: str = "",
    now: datetime | None = None,
) -> PulseAnswer:
    """Record (or change, while the pulse is open) a member's answers."""
    now = now or timezone.now()
    if not access.can_answer_pulse(actor, membership) or membership.circle_id != pulse.circle_id:
        raise PermissionDenied(_("Only members of this circle answer its pulse, each for themselves."))
    if not pulse.is_open(now):
        raise ValidationError(_("This pulse is closed; answers can no longer change."))
    values = {name: _score(name, scores.get(name)) for name, _label in PULSE_QUESTIONS}
    text = open_answer.strip()
    if len(text) > 2000:
        raise ValidationError({"open_answer": _("Please keep it under 2000 characters.")})
    with transaction.atomic():
        answer = PulseAnswer.objects.select_for_update().filter(pulse=pulse, membership=membership).first()
        if answer is None:
            answer = PulseAnswer(pulse=pulse, membership=membership, submitted_at=now)
        for name, value in values.items():
            setattr(answer, name, value)
        answer.open_answer = text
        answer.updated_at = now
        answer.full_clean()
        answer.save()
        events.emit("pulse.answered", answer, community_id=pulse.circle.community_id, at=now)
    return answer
