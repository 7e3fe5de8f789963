"""Solver runs (done by the worker), the organizer's proposal, and applying it.

A run reads the pool, keeps the proposal's locked circles as they are and forms the rest. Its result
replaces the proposal. The organizer then edits the proposal (move, lock, rename), each edit checked
against the version they saw. Applying creates the circles and invites everyone in one transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, Purpose
from peerpact.formation import access
from peerpact.formation.models import FormationRun, Intake, IntakeStatus, RunStatus
from peerpact.formation.pool import build_pool
from peerpact.formation.solver import solve

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)  # a running run without progress this long lost its worker
MAX_ATTEMPTS = 2
PROGRESS_STEP = 0.02
WORKER_LOST = "worker_lost"  # FormationRun.error code, shown translated (FormationRun.error_message)


class StaleProposal(ValidationError):
    """The proposal changed since the organizer loaded it (another tab, another organizer, a run)."""


def _require_manager(actor: Any, intake: Intake) -> None:
    if not access.can_manage_intake(actor, intake):
        raise PermissionDenied(_("Only the community's organizers form circles."))


def _require_editable(intake: Intake) -> None:
    if intake.is_applied:
        raise ValidationError(_("The circles of this intake are created; the proposal is final."))


# -- runs ----------------------------------------------------------------------------------------------


def run_request(*, intake: Intake, actor: Any, now: datetime, seed: int | None = None) -> FormationRun:
    """Queue a solver run over the current pool, keeping the proposal's locked circles.

    One run at a time per intake: asking again while one waits or runs returns that one.
    """
    _require_manager(actor, intake)
    _require_editable(intake)
    with transaction.atomic():
        intake = Intake.objects.select_for_update().get(pk=intake.pk)
        pending = intake.runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
        if pending is not None:
            return pending
        active = set(intake.applications.active().values_list("pk", flat=True))
        if len(active) < intake.size_min:
            raise ValidationError(
                _("At least %(n)d applicants are needed to form a circle; there are %(count)d.")
                % {"n": intake.size_min, "count": len(active)}
            )
        locked = [
            {"name": c["name"], "members": c["members"]}
            for c in intake.proposed_circles
            if c.get("locked") and c["members"] and set(c["members"]) <= active
        ]
        return FormationRun.objects.create(
            intake=intake,
            seed=seed if seed is not None else intake.runs.count(),
            locked=locked,
            requested_by=actor,
            requested_at=now,
        )


def _claim(now: datetime) -> FormationRun | None:
    """Take the oldest waiting run (compare-and-set, so two workers never run the same one)."""
    stale = FormationRun.objects.filter(status=RunStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=RunStatus.FAILED,
        finished_at=now,
        error=WORKER_LOST,
    )
    stale.filter(attempts__lt=MAX_ATTEMPTS).update(status=RunStatus.QUEUED)
    for run_id in (
        FormationRun.objects.filter(status=RunStatus.QUEUED)
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)[:5]
    ):
        taken = FormationRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            progress=0.0,
        )
        if taken:
            return FormationRun.objects.select_related("intake", "intake__cohort").get(pk=run_id)
    return None


def runs_process(*, now: datetime) -> bool:
    """Worker unit: run the oldest waiting formation run to the end (one per call)."""
    run = _claim(now)
    if run is None:
        return False
    try:
        run_execute(run=run, now=now)
    except Exception as exc:  # one bad pool must not stop the worker: record it, move on
        log.exception("formation run %s failed", run.pk)
        FormationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=now, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
    return True


def run_execute(*, run: FormationRun, now: datetime) -> FormationRun:
    """Solve the run's pool and make the result the intake's proposal (unless it was applied meanwhile).

    The circles' default names are written in the language of the organizer who asked for the run.
    """
    requester = run.requested_by
    language = getattr(requester, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        return _run_execute(run=run, now=now)


def _run_execute(*, run: FormationRun, now: datetime) -> FormationRun:
    intake = run.intake
    pool = build_pool(intake, now=now)
    ids = set(pool.applications)
    locked_groups = [
        [str(m) for m in c["members"]] for c in run.locked if {str(m) for m in c["members"]} <= ids
    ]
    last = [0.0]

    def report(fraction: float) -> None:
        if fraction - last[0] >= PROGRESS_STEP:
            last[0] = fraction
            FormationRun.objects.filter(pk=run.pk).update(progress=fraction, heartbeat_at=timezone.now())

    solution = solve(
        pool.people,
        questions=pool.questions,
        settings=pool.settings,
        with_pairs=pool.with_pairs,
        not_with_pairs=pool.not_with_pairs,
        locked=locked_groups,
        seed=run.seed,
        progress=report,
        max_evaluations=getattr(settings, "FORMATION_MAX_EVALUATIONS", None),
        time_limit=getattr(settings, "FORMATION_TIME_LIMIT", 300.0),
    )
    names = [c["name"] for c in run.locked if {str(m) for m in c["members"]} <= ids]
    circles: list[dict[str, Any]] = []
    taken_names = set(names)
    counter = 0
    for result in solution.circles:
        if result.locked:
            name = names[len([c for c in circles if c["locked"]])]
        else:
            counter += 1
            name = _("%(title)s · circle %(n)d") % {"title": intake.title, "n": counter}
            while name in taken_names:
                counter += 1
                name = _("%(title)s · circle %(n)d") % {"title": intake.title, "n": counter}
        taken_names.add(name)
        circles.append(
            {"name": name, "members": [int(m) for m in result.member_ids], "locked": result.locked}
        )
    result_data = {
        "circles": circles,
        "worst": round(solution.worst_score, 6),
        "mean": round(solution.mean_score, 6),
        "violations": solution.violation_count,
        "evaluations": solution.evaluations,
        "applicants": len(pool.people),
        "stopped_by_time": solution.stopped_by_time,
        # Proven by the solver: people no circle can hold without a rule break, and the fewest breaks
        # any proposal must have. Shown to the organizer as the reason rules cannot all hold.
        "unplaceable": [
            {"member": int(u.person_id), "kind": u.kind, "detail": u.detail} for u in solution.unplaceable
        ],
        "unavoidable_violations": solution.unavoidable_violations,
    }
    with transaction.atomic():
        locked_intake = Intake.objects.select_for_update().get(pk=intake.pk)
        FormationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, progress=1.0, result=result_data, finished_at=timezone.now()
        )
        if not locked_intake.is_applied:
            locked_intake.proposal = {
                "circles": circles,
                "run": run.pk,
                "unplaceable": result_data["unplaceable"],
                "unavoidable_violations": solution.unavoidable_violations,
            }
            locked_intake.proposal_version += 1
            locked_intake.save(update_fields=["proposal", "proposal_version"])
    run.refresh_from_db()
    return run


# -- the proposal --------------------------------------------------------------------------------------


def _locked_for_edit(intake: Intake, actor: Any, expected_version: int | None) -> Intake:
    _require_manager(actor, intake)
    fresh = Intake.objects.select_for_update().get(pk=intake.pk)
    _require_editable(fresh)
    if expected_version is not None and fresh.proposal_version != expected_version:
        raise StaleProposal(
            _("The proposal changed since you opened it (another organizer or a new run). Here it is now.")
        )
    return fresh


def _save_proposal(intake: Intake, circles: list[dict[str, Any]]) -> Intake:
    intake.proposal = {**(intake.proposal or {}), "circles": [c for c in circles if c["members"]]}
    intake.proposal_version += 1
    intake.save(update_fields=["proposal", "proposal_version"])
    return intake


def proposal_move(
    *,
    intake: Intake,
    actor: Any,
    application_id: int,
    to_circle: int | None,
    expected_version: int | None = None,
) -> Intake:
    """Move an applicant into proposed circle number `to_circle` (0-based), or into a new circle
    (None). Someone not yet in any circle (applied after the run) can be placed this way too."""
    with transaction.atomic():
        fresh = _locked_for_edit(intake, actor, expected_version)
        if not fresh.applications.active().filter(pk=application_id).exists():
            raise ValidationError(_("That applicant is not in this intake's pool."))
        circles = [dict(c, members=list(c["members"])) for c in fresh.proposed_circles]
        if to_circle is not None and not 0 <= to_circle < len(circles):
            raise ValidationError(_("That circle is not in the proposal any more."))
        target = circles[to_circle] if to_circle is not None else None
        if target is not None and application_id in target["members"]:
            return fresh
        for circle in circles:
            if application_id in circle["members"]:
                circle["members"].remove(application_id)
        if target is None:
            target = {"name": _new_name(fresh, circles), "members": [], "locked": False}
            circles.append(target)
        target["members"].append(application_id)
        return _save_proposal(fresh, circles)


def _new_name(intake: Intake, circles: Sequence[dict[str, Any]]) -> str:
    names = {c["name"] for c in circles}
    n = len(circles) + 1
    while (name := _("%(title)s · circle %(n)d") % {"title": intake.title, "n": n}) in names:
        n += 1
    return name


def proposal_lock(
    *, intake: Intake, actor: Any, circle: int, locked: bool, expected_version: int | None = None
) -> Intake:
    """Lock a proposed circle (a re-run keeps it as it is) or unlock it."""
    with transaction.atomic():
        fresh = _locked_for_edit(intake, actor, expected_version)
        circles = fresh.proposed_circles
        if not 0 <= circle < len(circles):
            raise ValidationError(_("That circle is not in the proposal any more."))
        circles[circle] = {**circles[circle], "locked": locked}
        return _save_proposal(fresh, circles)


def proposal_rename(
    *, intake: Intake, actor: Any, circle: int, name: str, expected_version: int | None = None
) -> Intake:
    """Name a proposed circle (the name it will have once created)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the circle a name.")})
    if len(name) > 120:
        raise ValidationError({"name": _("Keep the name under 120 characters.")})
    with transaction.atomic():
        fresh = _locked_for_edit(intake, actor, expected_version)
        circles = fresh.proposed_circles
        if not 0 <= circle < len(circles):
            raise ValidationError(_("That circle is not in the proposal any more."))
        if any(c["name"] == name for i, c in enumerate(circles) if i != circle):
            raise ValidationError({"name": _("Another proposed circle already has that name.")})
        circles[circle] = {**circles[circle], "name": name}
        return _save_proposal(fresh, circles)


# -- applying ------------------------------------------------------------------------------------------


def _majority_zone(zones: Sequence[str]) -> str:
    counts = Counter(zones)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if counts else "UTC"


def intake_apply(
    *,
    intake: Intake,
    actor: Any,
    now: datetime,
    expected_version: int | None = None,
    accept_violations: bool = False,
    message: str = "",
) -> list[Circle]:
    """Create the proposed circles and invite their members, all in one transaction.

    Everyone in the pool must be in a circle. Circles that break a hard constraint (shown on the
    review page with the reason) are only created when the organizer accepted that explicitly.
    A cohort's intake adds the circles as the cohort's huddles and enrolls their members.
    """
    from peerpact.formation.selectors import proposal_summary

    with transaction.atomic():
        fresh = _locked_for_edit(intake, actor, expected_version)
        circles = fresh.proposed_circles
        if not circles:
            raise ValidationError(_("There is no proposal yet: form circles first."))
        summary = proposal_summary(fresh, now=now)
        if summary.unplaced:
            raise ValidationError(
                _("%(n)d applicants are in no circle yet. Re-run for the rest or move them into a circle.")
                % {"n": len(summary.unplaced)}
            )
        if summary.violation_count and not accept_violations:
            raise ValidationError(
                {
                    "accept_violations": _(
                        "Some circles break a rule (see the reasons on each). "
                        "Confirm that you want them anyway."
                    )
                }
            )
        apps = {a.pk: a for a in fresh.applications.active().select_related("user")}
        cohort = fresh.cohort
        created: list[Circle] = []
        for proposed in circles:
            members = [apps[m] for m in proposed["members"] if m in apps]
            if not members:
                continue
            circle = circle_services.circle_create(
                community=fresh.community,
                creator=actor,
                name=proposed["name"],
                facilitate=False,
                purpose=Purpose.LEARNING_COHORT if cohort is not None else Purpose.WEEKLY_GOALS,
                timezone=_majority_zone([a.timezone for a in members]),
                size_cap=max(fresh.size_max, len(members)),
            )
            for app in members:
                circle_services.circle_invite(
                    circle=circle, actor=actor, email=app.user.email, message=message or fresh.title
                )
            if cohort is not None:
                from peerpact.programs.services.cohorts import enrollment_add

                cohort.huddles.add(circle)
                for app in members:
                    enrollment_add(cohort=cohort, actor=actor, user=app.user, now=now, circle=circle)
            proposed["circle_id"] = circle.pk
            created.append(circle)
        fresh.proposal = {**fresh.proposal, "circles": circles}
        fresh.proposal_version += 1
        fresh.status = IntakeStatus.APPLIED
        fresh.applied_at = now
        fresh.closed_at = fresh.closed_at or now
        fresh.save(update_fields=["proposal", "proposal_version", "status", "applied_at", "closed_at"])
    return created
