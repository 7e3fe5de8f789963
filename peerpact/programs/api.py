"""Programs, cohorts, enrollments, submissions and peer reviews in the JSON API (read).

Every lookup asks programs.access, as the pages do: a draft program is for organizers, a cohort for its
leads and learners, peers' solutions open to a learner once their own is in (the gallery rule), and
reviews received never say who wrote them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import Case, Q, Value, When
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from peerpact.communities.api import visible_community
from peerpact.lib.apikit import MAX_DB_INT, PageParams, caller, check_community, page_body, token_community_id
from peerpact.programs import access, selectors
from peerpact.programs.models import (
    Cohort,
    Enrollment,
    Module,
    Program,
    Review,
    ReviewAssignment,
    Submission,
)

router = Router(tags=["programs"])


# --- Schemas ------------------------------------------------------------------------------------


class ProgramOut(Schema):
    id: int
    community_id: int
    slug: str
    title: str
    description: str
    status: str
    published_at: datetime | None
    url: str


class ProgramPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[ProgramOut]


class LevelOut(Schema):
    score: int
    label: str
    description: str = ""


class CriterionOut(Schema):
    id: int
    name: str
    levels: list[LevelOut]


class ModuleOut(Schema):
    id: int
    position: int
    title: str
    content: str  # Markdown
    video_url: str
    video_title: str
    action_challenge: str
    due_days: int
    reviews_k: int
    review_days: int
    followup_weeks: int
    criteria: list[CriterionOut]


class ProgramDetailOut(ProgramOut):
    modules: list[ModuleOut]


class EnrollmentBrief(Schema):
    id: int
    state: str
    circle_id: int | None


class CohortOut(Schema):
    id: int
    program_id: int
    name: str
    starts_on: date
    timezone: str
    status: str
    my_role: str  # manager, facilitator or learner
    my_enrollment: EnrollmentBrief | None


class CohortPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[CohortOut]


class ModuleStatusOut(Schema):
    module_id: int
    title: str
    due_at: datetime
    is_past_due: bool
    state: str  # for a learner: open, submitted or missed
    submission_id: int | None
    reviews_to_do: int
    reviews_received: int


class CohortDetailOut(CohortOut):
    modules: list[ModuleStatusOut]


class EnrollmentOut(Schema):
    id: int
    cohort_id: int
    cohort: str
    program_id: int
    program: str
    community_id: int
    circle_id: int | None
    state: str
    enrolled_at: datetime


class EnrollmentPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[EnrollmentOut]


class EnrollmentFilters(PageParams):
    state: Literal["active", "dropped", "completed"] | None = None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str


class SubmissionOut(Schema):
    id: int
    module_id: int
    user_id: int
    name: str
    text: str
    links: list[str]
    submitted_at: datetime
    updated_at: datetime
    version: int
    is_mine: bool
    is_highlighted: bool
    attachments: list[AttachmentOut]


class SubmissionPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[SubmissionOut]


class SubmissionFilters(PageParams):
    module: int | None = Field(None, ge=1, le=MAX_DB_INT, description="Only this module (id).")
    mine: bool = Field(False, description="Only my own submissions.")


class ScoreOut(Schema):
    criterion_id: int
    score: int


class ReviewOut(Schema):
    id: int  # never names the reviewer
    scores: list[ScoreOut]
    feedback: str
    submitted_at: datetime
    helpful: int | None
    rated_at: datetime | None


class CriterionResultOut(Schema):
    criterion_id: int
    name: str
    median: float | None
    label: str
    scores: list[int]


class ReceivedOut(Schema):
    module_id: int
    module: str
    submission_id: int
    pending: int
    criteria: list[CriterionResultOut]
    reviews: list[ReviewOut]


class ReceivedPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[ReceivedOut]


class AssignmentOut(Schema):
    id: int
    module_id: int
    module: str
    submission_id: int
    assigned_at: datetime
    due_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    is_locked: bool  # the module's calibration comes first
    review: ReviewOut | None


class AssignmentPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[AssignmentOut]


class AssignmentFilters(PageParams):
    status: Literal["open", "done"] | None = None


# --- Helpers ------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def program_out(program: Program) -> dict[str, Any]:
    url = reverse("programs:detail", kwargs={"community": program.community.slug, "program": program.slug})
    return {
        "id": program.pk,
        "community_id": program.community_id,
        "slug": program.slug,
        "title": program.title,
        "description": program.description,
        "status": program.status,
        "published_at": program.published_at,
        "url": _absolute(url),
    }


def module_out(module: Module) -> dict[str, Any]:
    return {
        "id": module.pk,
        "position": module.position,
        "title": module.title,
        "content": module.content,
        "video_url": module.video_url,
        "video_title": module.video_title,
        "action_challenge": module.action_challenge,
        "due_days": module.due_days,
        "reviews_k": module.reviews_k,
        "review_days": module.review_days,
        "followup_weeks": module.followup_weeks,
        "criteria": [{"id": c.pk, "name": c.name, "levels": c.levels} for c in module.criteria.all()],
    }


def cohort_out(cohort: Cohort, user: Any) -> dict[str, Any]:
    enrollment = access.enrollment_of(user, cohort)
    return {
        "id": cohort.pk,
        "program_id": cohort.program_id,
        "name": cohort.name,
        "starts_on": cohort.starts_on,
        "timezone": cohort.timezone,
        "status": cohort.status,
        "my_role": access.cohort_role(user, cohort),
        "my_enrollment": (
            {"id": enrollment.pk, "state": enrollment.state, "circle_id": enrollment.circle_id}
            if enrollment is not None
            else None
        ),
    }


def review_out(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "scores": [{"criterion_id": int(k), "score": int(v)} for k, v in sorted(review.scores.items())],
        "feedback": review.feedback,
        "submitted_at": review.submitted_at,
        "helpful": review.helpful,
        "rated_at": review.rated_at,
    }


def submission_out(submission: Submission, cohort: Cohort, user: Any) -> dict[str, Any]:
    community = cohort.program.community.slug
    return {
        "id": submission.pk,
        "module_id": submission.module_id,
        "user_id": submission.enrollment.user_id,
        "name": submission.enrollment.user.name,
        "text": submission.text,
        "links": [str(link) for link in submission.links or []],
        "submitted_at": submission.submitted_at,
        "updated_at": submission.updated_at,
        "version": submission.version,
        "is_mine": submission.enrollment.user_id == user.pk,
        "is_highlighted": selectors.has_highlight(submission),
        "attachments": [
            {
                "id": a.pk,
                "name": a.original_name,
                "size": a.size,
                "content_type": a.content_type,
                "url": _absolute(
                    reverse(
                        "programs:attachment",
                        kwargs={"community": community, "cohort": cohort.pk, "attachment_id": a.pk},
                    )
                ),
            }
            for a in submission.attachments.all()
        ],
    }


def visible_program(request: HttpRequest, program_id: int) -> Program:
    """The program if the caller may see it (drafts: organizers only); a 404 otherwise."""
    found = Program.objects.select_related("community").filter(pk=program_id).first()
    if found is None:
        raise Http404
    check_community(request, found.community_id)
    if not access.can_view_program(caller(request), found):
        raise Http404
    return found


def visible_cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    """The cohort if the caller leads it, learns in it or organizes the community; a 404 otherwise."""
    found = Cohort.objects.select_related("program__community").filter(pk=cohort_id).first()
    if found is None:
        raise Http404
    check_community(request, found.program.community_id)
    if not access.can_view_cohort(caller(request), found):
        raise Http404
    return found


# --- Programs and cohorts -----------------------------------------------------------------------


@router.get(
    "/communities/{int:community_id}/programs",
    response=ProgramPage,
    url_name="community-programs",
    summary="Programs of a community that I may see",
)
def program_list(request: HttpRequest, community_id: int, params: Query[PageParams]) -> dict[str, Any]:
    community = visible_community(request, community_id)
    programs = access.programs_visible_to(caller(request), community).select_related("community")
    return page_body(programs, params, program_out)


@router.get("/programs/{int:program_id}", response=ProgramDetailOut, url_name="program", summary="A program")
def program_detail(request: HttpRequest, program_id: int) -> dict[str, Any]:
    """The program with its modules (content, action challenge and rubric)."""
    program = visible_program(request, program_id)
    modules = selectors.prefetch_modules(program)
    return {**program_out(program), "modules": [module_out(m) for m in modules]}


@router.get(
    "/programs/{int:program_id}/cohorts",
    response=CohortPage,
    url_name="program-cohorts",
    summary="Cohorts of a program that I may see",
)
def cohort_list(request: HttpRequest, program_id: int, params: Query[PageParams]) -> dict[str, Any]:
    user = caller(request)
    program = visible_program(request, program_id)
    cohorts = selectors.cohorts_for_user(user=user, program=program)
    return page_body(cohorts, params, lambda c: cohort_out(c, user))


@router.get("/cohorts/{int:cohort_id}", response=CohortDetailOut, url_name="cohort", summary="A cohort")
def cohort_detail(request: HttpRequest, cohort_id: int) -> dict[str, Any]:
    """The cohort and its modules with due times; for a learner, where they stand in each."""
    user = caller(request)
    cohort = visible_cohort(request, cohort_id)
    overview = selectors.cohort_overview(cohort=cohort, user=user, now=timezone.now())
    return {
        **cohort_out(cohort, user),
        "modules": [
            {
                "module_id": row.module.pk,
                "title": row.module.title,
                "due_at": row.due_at,
                "is_past_due": row.is_past_due,
                "state": row.state,
                "submission_id": row.submission.pk if row.submission else None,
                "reviews_to_do": row.reviews_to_do,
                "reviews_received": row.reviews_received,
            }
            for row in overview
        ],
    }


@router.get(
    "/me/enrollments", response=EnrollmentPage, url_name="enrollments", summary="My program enrollments"
)
def enrollment_list(request: HttpRequest, filters: Query[EnrollmentFilters]) -> dict[str, Any]:
    enrollments = (
        Enrollment.objects.filter(user=caller(request))
        .select_related("cohort__program")
        .order_by("-enrolled_at", "-pk")
    )
    limit = token_community_id(request)
    if limit is not None:
        enrollments = enrollments.filter(cohort__program__community_id=limit)
    if filters.state:
        enrollments = enrollments.filter(state=filters.state)

    def render(e: Enrollment) -> dict[str, Any]:
        return {
            "id": e.pk,
            "cohort_id": e.cohort_id,
            "cohort": e.cohort.name,
            "program_id": e.cohort.program_id,
            "program": e.cohort.program.title,
            "community_id": e.cohort.program.community_id,
            "circle_id": e.circle_id,
            "state": e.state,
            "enrolled_at": e.enrolled_at,
        }

    return page_body(enrollments, filters, render)


# --- Submissions --------------------------------------------------------------------------------


def _submissions(queryset: Any) -> Any:
    return queryset.select_related("enrollment__user", "highlight").prefetch_related("attachments")


@router.get(
    "/cohorts/{int:cohort_id}/submissions",
    response=SubmissionPage,
    url_name="cohort-submissions",
    summary="Submissions I may see in a cohort",
)
def submission_list(
    request: HttpRequest, cohort_id: int, filters: Query[SubmissionFilters]
) -> dict[str, Any]:
    """My own submissions, and peers' where the module page shows them (the gallery: once my own is in;
    the cohort's leads always). Per module in order, highlights first."""
    user = caller(request)
    cohort = visible_cohort(request, cohort_id)
    modules = list(cohort.program.modules.all())
    if filters.module is not None:
        modules = [m for m in modules if m.pk == filters.module]
    enrollment = access.enrollment_of(user, cohort)
    galleries = [m.pk for m in modules if not filters.mine and access.can_see_gallery(user, cohort, m)]
    # One query, paged in SQL: whole galleries where open, elsewhere only my own (a cohort of thousands
    # must not be read into memory to show 50).
    shown = Q(module_id__in=galleries) & ~Q(enrollment__state="dropped")
    if enrollment is not None:
        shown |= Q(enrollment=enrollment, module_id__in=[m.pk for m in modules])
    rows = (
        _submissions(Submission.objects.filter(shown, enrollment__cohort=cohort))
        .annotate(unhighlighted=Case(When(highlight__isnull=True, then=Value(1)), default=Value(0)))
        .order_by("module__position", "module_id", "unhighlighted", "submitted_at", "pk")
    )
    return page_body(rows, filters, lambda s: submission_out(s, cohort, user))


@router.get(
    "/cohorts/{int:cohort_id}/submissions/{int:submission_id}",
    response=SubmissionOut,
    url_name="cohort-submission",
    summary="One submission",
)
def submission_detail(request: HttpRequest, cohort_id: int, submission_id: int) -> dict[str, Any]:
    user = caller(request)
    cohort = visible_cohort(request, cohort_id)
    submission = (
        _submissions(Submission.objects.filter(pk=submission_id, enrollment__cohort=cohort))
        .select_related("enrollment__cohort__program__community", "module")
        .first()
    )
    if submission is None or not access.can_view_submission(user, submission):
        raise Http404
    return submission_out(submission, cohort, user)


# --- Reviews ------------------------------------------------------------------------------------


@router.get(
    "/cohorts/{int:cohort_id}/reviews/received",
    response=ReceivedPage,
    url_name="reviews-received",
    summary="Reviews of my submissions",
)
def reviews_received(request: HttpRequest, cohort_id: int, params: Query[PageParams]) -> dict[str, Any]:
    """Per module I submitted for, as its feedback page: median scores and the reviews, never who wrote
    them, and how many are still on their way."""
    user = caller(request)
    cohort = visible_cohort(request, cohort_id)
    results = []
    for module in cohort.program.modules.all():
        found = selectors.feedback_for(cohort=cohort, module=module, user=user)
        if found.submission is None:
            continue
        results.append(
            {
                "module_id": module.pk,
                "module": module.title,
                "submission_id": found.submission.pk,
                "pending": found.pending,
                "criteria": [
                    {
                        "criterion_id": r.criterion.pk,
                        "name": r.criterion.name,
                        "median": r.median,
                        "label": r.label,
                        "scores": r.scores,
                    }
                    for r in found.criteria
                ],
                "reviews": [review_out(r) for r in found.reviews],
            }
        )
    return page_body(results, params, lambda r: r)


@router.get(
    "/cohorts/{int:cohort_id}/reviews/assigned",
    response=AssignmentPage,
    url_name="reviews-assigned",
    summary="My review tasks",
)
def reviews_assigned(
    request: HttpRequest, cohort_id: int, filters: Query[AssignmentFilters]
) -> dict[str, Any]:
    """Open tasks first (by due time), then done ones with the review I gave. A task is locked while the
    module's calibration waits for me."""
    user = caller(request)
    cohort = visible_cohort(request, cohort_id)
    tasks = selectors.review_tasks(cohort=cohort, user=user)
    if filters.status == "open":
        tasks = tasks.filter(completed_at__isnull=True)
    elif filters.status == "done":
        tasks = tasks.filter(completed_at__isnull=False)
    locked: dict[int, bool] = {}

    def render(task: ReviewAssignment) -> dict[str, Any]:
        module = task.submission.module
        if task.completed_at is None and module.pk not in locked:
            locked[module.pk] = access.must_calibrate(user, cohort, module)
        review = getattr(task, "review", None) if task.completed_at is not None else None
        return {
            "id": task.pk,
            "module_id": module.pk,
            "module": module.title,
            "submission_id": task.submission_id,
            "assigned_at": task.assigned_at,
            "due_at": task.due_at,
            "started_at": task.started_at,
            "completed_at": task.completed_at,
            "is_locked": task.completed_at is None and locked[module.pk],
            "review": review_out(review) if review is not None else None,
        }

    return page_body(tasks, filters, render)
