"""Follow-ups: weeks after a module, learners say whether and how they applied it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.circles.models import Membership
from peerpact.goals import services as goal_services
from peerpact.notifications.notify import notify
from peerpact.programs.access import SEES_COHORT
from peerpact.programs.models import (
    Applied,
    Cohort,
    CohortStatus,
    Enrollment,
    EnrollmentState,
    FollowUp,
    ProgramStatus,
)

log = logging.getLogger(__name__)
BATCH = 50


def followup_create(*, enrollment: Enrollment, module: Any, now: datetime) -> FollowUp | None:
    """Ask one learner about one module (once); None if it was already asked."""
    cohort = enrollment.cohort
    try:
        with transaction.atomic():
            followup = FollowUp.objects.create(
                enrollment=enrollment, module=module, due_at=cohort.followup_at(module)
            )
    except IntegrityError:
        return None
    url = reverse(
        "programs:followup",
        kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk, "followup_id": followup.pk},
    )
    notify(
        recipient=enrollment.user,
        kind="program.followup",
        template="emails/program_followup",
        context={"module": module.title, "program": cohort.program.title},
        due_at=max(now, followup.due_at),
        dedupe_key=f"program.followup:{followup.pk}",
        url=url,
    )
    return followup


def followups_send(*, now: datetime) -> bool:
    """Worker unit: create and send the follow-ups whose time has come (for learners who submitted)."""
    cohorts = Cohort.objects.filter(
        status__in=[CohortStatus.RUNNING, CohortStatus.FINISHED],
        program__status__in=[ProgramStatus.PUBLISHED, ProgramStatus.ARCHIVED],
        starts_on__lte=now.date(),
    ).select_related("program__community")
    made = 0
    for cohort in cohorts:
        for module in cohort.program.modules.filter(followup_weeks__gt=0):
            if cohort.followup_at(module) > now:
                continue
            waiting = (
                Enrollment.objects.filter(cohort=cohort, state__in=SEES_COHORT, submissions__module=module)
                .exclude(followups__module=module)
                .select_related("user", "cohort__program__community")
            )
            for enrollment in waiting[: BATCH - made]:
                try:
                    made += followup_create(enrollment=enrollment, module=module, now=now) is not None
                except Exception:  # one bad row must not stop the worker
                    log.exception("programs: follow-up failed for enrollment %s", enrollment.pk)
            if made >= BATCH:
                return True
    return made > 0


def followup_answer(
    *,
    followup: FollowUp,
    actor: Any,
    applied: str,
    how: str,
    now: datetime,
    make_commitment: bool = False,
    commitment_text: str = "",
) -> FollowUp:
    """Say whether you applied the module; optionally promise a next step in your circle's next check-in."""
    enrollment = followup.enrollment
    if enrollment.user_id != getattr(actor, "pk", None) or enrollment.state == EnrollmentState.DROPPED:
        raise PermissionDenied(_("Only the learner answers their follow-up."))
    if applied not in Applied.values:
        raise ValidationError({"applied": _("Choose yes, partly or not yet.")})
    with transaction.atomic():
        followup.applied, followup.how, followup.answered_at = applied, how.strip()[:4000], now
        fields = ["applied", "how", "answered_at"]
        if make_commitment and followup.commitment_id is None:
            followup.commitment = _commit(enrollment, commitment_text.strip() or followup.how, now)
            followup.turned_into_commitment = True
            fields += ["commitment", "turned_into_commitment"]
        followup.save(update_fields=fields)
    return followup


def _commit(enrollment: Enrollment, text: str, now: datetime) -> Any:
    if not text:
        raise ValidationError({"commitment_text": _("Say what you will do next.")})
    membership = (
        Membership.objects.filter(circle_id=enrollment.circle_id, user_id=enrollment.user_id).first()
        if enrollment.circle_id
        else None
    )
    if membership is None or not membership.is_seated:
        raise ValidationError(
            _("You are not in a circle for this cohort, so there is no check-in to add it to.")
        )
    checkin_services.cycles_ensure(circle=membership.circle, now=now)  # the worker may lag behind
    # The next deadline still ahead: a commitment for a cycle already past its deadline would be missed.
    cycle = (
        Cycle.objects.filter(circle_id=membership.circle_id, deadline_at__gt=now).order_by("index").first()
    )
    if cycle is None:
        raise ValidationError(_("Your circle has no check-in schedule yet, so there is no next check-in."))
    return goal_services.commitment_add(membership=membership, cycle=cycle, text=text[:280])
