"""Writes to cohorts and enrollments, and the record of who opened which module."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpact.circles.models import SEATED, Circle, MemberRole, Membership
from peerpact.communities import access as community_access
from peerpact.lib.timezones import is_valid_timezone
from peerpact.programs import access
from peerpact.programs.models import (
    Cohort,
    CohortStatus,
    Enrollment,
    EnrollmentState,
    Module,
    ModuleView,
    ReviewAssignment,
    Submission,
)


def cohort_create(
    *,
    program: Any,
    actor: Any,
    name: str,
    starts_on: date,
    now: datetime,
    huddles: list[Circle] | tuple[Circle, ...] = (),
    timezone: str = "UTC",
    enroll_members: bool = True,
) -> Cohort:
    """Start a run of a published program with its huddles; their seated members are enrolled.

    Facilitators of the huddles are not enrolled: they lead the cohort (insights, highlights) and
    are the reviewers of last resort.
    """
    if not access.can_manage_programs(actor, program.community):
        raise PermissionDenied(_("Only the community's organizers start cohorts."))
    if not program.is_published:
        raise ValidationError(_("Publish the program before starting a cohort."))
    if any(circle.community_id != program.community_id for circle in huddles):
        raise ValidationError({"huddles": _("Huddles must be circles of this community.")})
    if not is_valid_timezone(timezone):
        raise ValidationError({"timezone": _("Unknown time zone.")})
    with transaction.atomic():
        cohort = Cohort(program=program, name=name.strip(), starts_on=starts_on, timezone=timezone)
        cohort.full_clean()
        cohort.save()
        cohort.huddles.set(huddles)
        if enroll_members:
            seats = Membership.objects.filter(circle__in=huddles, status__in=SEATED, role=MemberRole.MEMBER)
            for seat in seats.order_by("pk"):
                Enrollment.objects.get_or_create(
                    cohort=cohort,
                    user_id=seat.user_id,
                    defaults={"circle_id": seat.circle_id, "enrolled_at": now},
                )
    return cohort


def cohort_set_status(*, cohort: Cohort, actor: Any, status: str) -> Cohort:
    """Mark a cohort planned, running or finished (the worker only works on running cohorts)."""
    if not access.can_manage_programs(actor, cohort.program.community):
        raise PermissionDenied(_("Only the community's organizers change a cohort."))
    if status not in CohortStatus.values:
        raise ValidationError(_("Unknown status."))
    cohort.status = status
    cohort.save(update_fields=["status"])
    return cohort


def enrollment_add(
    *, cohort: Cohort, actor: Any, user: Any, now: datetime, circle: Circle | None = None
) -> Enrollment:
    """Enroll a community member (again, if they had dropped)."""
    if not access.can_manage_programs(actor, cohort.program.community):
        raise PermissionDenied(_("Only the community's organizers enroll people."))
    if not community_access.can_view_community(user, cohort.program.community):
        raise ValidationError(_("Only members of the community can be enrolled."))
    if circle is not None and circle.community_id != cohort.program.community_id:
        raise ValidationError(_("The huddle must be a circle of this community."))
    try:
        with transaction.atomic():
            enrollment, created = Enrollment.objects.get_or_create(
                cohort=cohort, user=user, defaults={"circle": circle, "enrolled_at": now}
            )
    except IntegrityError:
        enrollment, created = Enrollment.objects.get(cohort=cohort, user=user), False
    if not created and enrollment.state != EnrollmentState.ACTIVE:
        enrollment.state = EnrollmentState.ACTIVE
        enrollment.state_changed_at = now
        enrollment.save(update_fields=["state", "state_changed_at"])
    cohort.__dict__.pop("_enrollment_cache", None)
    return enrollment


def enrollment_drop(*, enrollment: Enrollment, actor: Any, now: datetime) -> Enrollment:
    """Leave a cohort (the learner) or take someone out (organizers). Unstarted reviews go to others."""
    cohort = enrollment.cohort
    is_self = enrollment.user_id == getattr(actor, "pk", None)
    if not (is_self or access.can_manage_programs(actor, cohort.program.community)):
        raise PermissionDenied(_("Only the learner or an organizer can end an enrollment."))
    with transaction.atomic():
        enrollment.state = EnrollmentState.DROPPED
        enrollment.state_changed_at = now
        enrollment.save(update_fields=["state", "state_changed_at"])
        open_tasks = ReviewAssignment.objects.live().filter(
            reviewer_id=enrollment.user_id,
            submission__enrollment__cohort=cohort,
            started_at__isnull=True,
            completed_at__isnull=True,
        )
        Submission.objects.filter(assignments__in=open_tasks).update(allocated_at=None)
        open_tasks.update(released_at=now)
    cohort.__dict__.pop("_enrollment_cache", None)
    return enrollment


def module_view_record(*, enrollment: Enrollment, module: Module, now: datetime) -> bool:
    """Note the first time a learner opens a module. True when this was the first time."""
    if module.program_id != enrollment.cohort.program_id:
        raise ValidationError(_("That module is not part of this cohort's program."))
    try:
        with transaction.atomic():
            _view, created = ModuleView.objects.get_or_create(
                enrollment=enrollment, module=module, defaults={"first_viewed_at": now}
            )
    except IntegrityError:  # two tabs at once
        return False
    return created
