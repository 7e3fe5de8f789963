"""Cohort pages: modules with due dates, submitting an action, the gallery, reviews, feedback, follow-ups."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden
from peerpact.programs import access, selectors, services
from peerpact.programs.forms import (
    EnrollForm,
    FollowUpForm,
    HighlightForm,
    RateForm,
    ReviewForm,
    SubmissionForm,
)
from peerpact.programs.models import (
    Attachment,
    Calibration,
    Cohort,
    Enrollment,
    FollowUp,
    Module,
    Review,
    ReviewAssignment,
    Submission,
)
from peerpact.programs.video import video_csp, video_embed
from peerpact.programs.views.common import cohort_or_404, module_of


def _module_url(cohort: Cohort, module: Module, anchor: str = "") -> str:
    url = reverse(
        "programs:module",
        kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk, "module_id": module.pk},
    )
    return f"{url}#{anchor}" if anchor else url


@login_required
def cohort_detail(request: AuthedRequest, community: str, cohort: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    role = access.cohort_role(request.user, found)
    return render(
        request,
        "programs/cohort_detail.html",
        {
            "community": found.program.community,
            "program": found.program,
            "cohort": found,
            "role": role,
            "enrollment": access.enrollment_of(request.user, found),
            "modules": selectors.cohort_overview(cohort=found, user=request.user, now=timezone.now()),
            "can_lead": access.can_lead_cohort(request.user, found),
            "can_manage": access.can_manage_programs(request.user, found.program.community),
            "learners": list(
                found.enrollments.select_related("user", "circle").order_by("state", "user__display_name")
            )
            if role == access.MANAGER
            else [],
            "enroll_form": EnrollForm(),
        },
    )


@login_required
@require_POST
def enrollment_add(request: AuthedRequest, community: str, cohort: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    if not access.can_manage_programs(request.user, found.program.community):
        return forbidden(request, _("Only the community's organizers enroll people."))
    form = EnrollForm(request.POST)
    if form.is_valid():
        user = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
        try:
            if user is None:
                raise ValidationError(_("Only members of the community can be enrolled."))
            services.enrollment_add(cohort=found, actor=request.user, user=user, now=timezone.now())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(name)s is enrolled.") % {"name": user})
    else:
        messages.error(request, _("Give the email address of a community member."))
    return redirect("programs:cohort", community=community, cohort=found.pk)


@login_required
@require_POST
def enrollment_drop(request: AuthedRequest, community: str, cohort: int, enrollment_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    enrollment = get_object_or_404(Enrollment, pk=enrollment_id, cohort=found)
    try:
        services.enrollment_drop(enrollment=enrollment, actor=request.user, now=timezone.now())
    except PermissionDenied as exc:
        return forbidden(request, exc)
    if enrollment.user_id == request.user.pk:
        messages.success(request, _("You have left the cohort."))
        return redirect("programs:list", community=community)
    messages.success(request, _("%(name)s is no longer enrolled.") % {"name": enrollment.user})
    return redirect("programs:cohort", community=community, cohort=found.pk)


def _module_page(
    request: AuthedRequest,
    found: Cohort,
    module: Module,
    form: SubmissionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    enrollment = access.enrollment_of(request.user, found)
    if enrollment is not None and enrollment.is_active and status == 200:
        services.module_view_record(enrollment=enrollment, module=module, now=now)
    mine = Submission.objects.filter(enrollment=enrollment, module=module).first() if enrollment else None
    attachments = list(mine.attachments.all()) if mine else []
    frozen = mine is not None and services.reviews_started(mine)
    can_submit = access.can_submit(request.user, found) and not frozen
    if form is None and can_submit:
        initial = {"text": mine.text, "links": mine.links} if mine else {}
        form = SubmissionForm(initial=initial, attachments=attachments)
    sees_gallery = access.can_see_gallery(request.user, found, module)
    calibration = Calibration.objects.filter(cohort=found, module=module).first()
    gallery = (
        selectors.gallery(cohort=found, module=module, exclude_user=request.user) if sees_gallery else []
    )
    embed = video_embed(module.video_url) if settings.PROGRAM_VIDEO_EMBEDS else None
    response = render(
        request,
        "programs/module_detail.html",
        {
            "video": embed,
            "community": found.program.community,
            "program": found.program,
            "cohort": found,
            "module": module,
            "due_at": found.due_at(module),
            "is_past_due": found.due_at(module) <= now,
            "enrollment": enrollment,
            "mine": mine,
            "attachments": attachments,
            "frozen": frozen,
            "form": form if can_submit else None,
            "sees_gallery": sees_gallery,
            "gallery": gallery,
            "highlights": [s for s in gallery if selectors.has_highlight(s)],
            "can_lead": access.can_lead_cohort(request.user, found),
            "criteria": list(module.criteria.all()),
            "in_review": ReviewAssignment.objects.filter(
                submission__module=module, submission__enrollment__cohort=found
            ).exists(),
            "calibration_state": selectors.calibration_state(calibration),
            "my_calibration": selectors.calibration_attempt_of(calibration=calibration, user=request.user),
            "must_calibrate": access.must_calibrate(request.user, found, module),
            "takes_calibration": access.can_take_calibration(request.user, found),
        },
        status=status,
    )
    if embed is None:
        return response
    # Django's per-view CSP override (django.views.decorators.csp), applied to this response because
    # the one host to allow depends on the module: frame-src for a player, media-src for a file.
    return csp_override(video_csp(embed, settings.SECURE_CSP))(lambda _request: response)(request)


@login_required
def module_detail(request: AuthedRequest, community: str, cohort: int, module_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    return _module_page(request, found, module_of(found.program, module_id))


@login_required
@require_POST
def submission_save(request: AuthedRequest, community: str, cohort: int, module_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    module = module_of(found.program, module_id)
    if not access.can_submit(request.user, found):
        return forbidden(request, _("Only learners enrolled in this cohort submit actions here."))
    enrollment = access.enrollment_of(request.user, found)
    mine = Submission.objects.filter(enrollment=enrollment, module=module).first()
    form = SubmissionForm(
        request.POST, request.FILES, attachments=list(mine.attachments.all()) if mine else []
    )
    if form.is_valid():
        try:
            services.submission_save(
                cohort=found,
                module=module,
                actor=request.user,
                text=form.cleaned_data["text"],
                links=form.cleaned_data["links"],
                files=form.cleaned_data["uploads"],
                remove_attachments=[int(pk) for pk in form.cleaned_data.get("remove_attachments", [])],
                now=timezone.now(),
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if mine is None:
                messages.success(request, _("Action shared. Your peers' solutions are open to you now."))
            else:
                messages.success(request, _("Submission updated."))
            return redirect(_module_url(found, module, "my-submission"))
    return _module_page(request, found, module, form=form, status=400)


@login_required
@require_POST
def reviews_allocate(request: AuthedRequest, community: str, cohort: int, module_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    module = module_of(found.program, module_id)
    try:
        made = services.reviews_allocate(module=module, cohort=found, actor=request.user, now=timezone.now())
    except PermissionDenied as exc:
        return forbidden(request, exc)
    messages.success(request, _("Peer review is open: %(count)d new review tasks.") % {"count": len(made)})
    return redirect(_module_url(found, module))


@login_required
def attachment_download(
    request: AuthedRequest, community: str, cohort: int, attachment_id: int
) -> FileResponse:
    found = cohort_or_404(request, community, cohort)
    attachment = get_object_or_404(
        Attachment.objects.select_related(
            "submission__enrollment__cohort__program__community", "submission__module"
        ),
        pk=attachment_id,
        submission__enrollment__cohort=found,
    )
    if not access.can_download(request.user, attachment):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def highlight(request: AuthedRequest, community: str, cohort: int, submission_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    submission = get_object_or_404(Submission, pk=submission_id, enrollment__cohort=found)
    form = HighlightForm(request.POST)
    on = form.cleaned_data["on"] if form.is_valid() else True
    try:
        services.highlight_set(
            submission=submission,
            actor=request.user,
            on=on,
            note=request.POST.get("note", ""),
            now=timezone.now(),
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    messages.success(request, _("Highlighted in the gallery.") if on else _("No longer highlighted."))
    return redirect(_module_url(found, submission.module, f"submission-{submission.pk}"))


@login_required
def review_tasks(request: AuthedRequest, community: str, cohort: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    tasks = list(selectors.review_tasks(cohort=found, user=request.user))
    open_tasks = [t for t in tasks if t.completed_at is None]
    modules = {t.submission.module_id: t.submission.module for t in open_tasks}
    locked = [m for m in modules.values() if access.must_calibrate(request.user, found, m)]
    return render(
        request,
        "programs/review_tasks.html",
        {
            "community": found.program.community,
            "program": found.program,
            "cohort": found,
            "open_tasks": open_tasks,
            "done_tasks": [t for t in tasks if t.completed_at is not None],
            "locked_modules": locked,
            "locked_ids": {m.pk for m in locked},
        },
    )


def _own_assignment(request: AuthedRequest, found: Cohort, assignment_id: int) -> ReviewAssignment:
    assignment = (
        ReviewAssignment.objects.live()
        .filter(pk=assignment_id, submission__enrollment__cohort=found, reviewer=request.user)
        .select_related("submission__module", "submission__enrollment__user")
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


@login_required
def review_form(request: AuthedRequest, community: str, cohort: int, assignment_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    assignment = _own_assignment(request, found, assignment_id)
    module = assignment.submission.module
    criteria = list(module.criteria.all())
    now = timezone.now()
    if assignment.completed_at is None and access.must_calibrate(request.user, found, module):
        # Locked, not started: the review stays unstarted until the learner has calibrated.
        messages.info(request, _("First review an example with the rubric: your peer reviews open after it."))
        return redirect("programs:calibration", community=community, cohort=found.pk, module_id=module.pk)
    if assignment.completed_at is None:
        services.review_start(assignment=assignment, actor=request.user, now=now)
    form = ReviewForm(request.POST if request.method == "POST" else None, criteria=criteria)
    if form.is_bound and assignment.completed_at is None and form.is_valid():
        try:
            services.review_submit(
                assignment=assignment,
                actor=request.user,
                scores=form.scores(),
                feedback=form.cleaned_data["feedback"],
                now=now,
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Review handed in. Thank you: your peer has been told."))
            return redirect("programs:reviews", community=community, cohort=found.pk)
    review = Review.objects.filter(assignment=assignment).first()
    return render(
        request,
        "programs/review_form.html",
        {
            "community": found.program.community,
            "program": found.program,
            "cohort": found,
            "assignment": assignment,
            "submission": assignment.submission,
            "attachments": list(assignment.submission.attachments.all()),
            "module": module,
            "criteria": criteria,
            "form": form,
            "review": review,
            "given": selectors.median_scores(criteria, [review]) if review else [],
            "calibrated": selectors.calibration_attempt_of(
                calibration=access.active_calibration(found, module), user=request.user
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
def feedback(request: AuthedRequest, community: str, cohort: int, module_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    module = module_of(found.program, module_id)
    result = selectors.feedback_for(cohort=found, module=module, user=request.user)
    return render(
        request,
        "programs/feedback.html",
        {
            "community": found.program.community,
            "program": found.program,
            "cohort": found,
            "module": module,
            "result": result,
            "rate_form": RateForm(),
        },
    )


@login_required
@require_POST
def review_rate(request: AuthedRequest, community: str, cohort: int, assignment_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    review = (
        Review.objects.filter(
            assignment_id=assignment_id,
            assignment__submission__enrollment__cohort=found,
            assignment__submission__enrollment__user=request.user,
        )
        .select_related("assignment__submission__module", "assignment__submission__enrollment")
        .first()
    )
    if review is None:
        raise Http404
    module = review.assignment.submission.module
    form = RateForm(request.POST)
    if form.is_valid():
        services.review_rate(
            review=review, actor=request.user, helpful=form.cleaned_data["helpful"], now=timezone.now()
        )
        if is_htmx(request):
            return render(
                request,
                "programs/partials/_rating.html",
                {
                    "review": review,
                    "cohort": found,
                    "community": found.program.community,
                    "rate_form": RateForm(),
                    "swapped": True,
                },
            )
        messages.success(request, _("Thanks: your rating helps reviewers improve."))
    else:
        messages.error(request, _("Choose how helpful it was, from 1 to 5."))
    url = reverse(
        "programs:feedback", kwargs={"community": community, "cohort": found.pk, "module_id": module.pk}
    )
    return redirect(f"{url}#review-{review.assignment_id}")


@login_required
def followup(request: AuthedRequest, community: str, cohort: int, followup_id: int) -> HttpResponse:
    found = cohort_or_404(request, community, cohort)
    item = (
        FollowUp.objects.filter(pk=followup_id, enrollment__cohort=found, enrollment__user=request.user)
        .select_related("module", "enrollment__circle")
        .first()
    )
    if item is None:
        raise Http404
    initial = {"applied": item.applied, "how": item.how} if item.is_answered else {}
    form = FollowUpForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.followup_answer(
                followup=item, actor=request.user, now=timezone.now(), **form.cleaned_data
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if item.turned_into_commitment and form.cleaned_data["make_commitment"]:
                messages.success(request, _("Thanks. It is on your list for your circle's next check-in."))
            else:
                messages.success(request, _("Thanks for telling us how it went."))
            return redirect("programs:cohort", community=community, cohort=found.pk)
    return render(
        request,
        "programs/followup.html",
        {
            "community": found.program.community,
            "program": found.program,
            "cohort": found,
            "followup": item,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
