"""Safety pages: reporting content, the moderation queue and audit trail, concerns, blocks, and
re-accepting a changed charter."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from peerpact.accounts.http import AuthedRequest
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle
from peerpact.circles.views import circle_for
from peerpact.communities.models import Community
from peerpact.communities.views import community_for
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.markdown import render_markdown
from peerpact.lib.views import forbidden, local_path
from peerpact.safety import access, selectors, services
from peerpact.safety.forms import (
    BlockForm,
    CharterAcceptForm,
    ConcernActionForm,
    ConcernForm,
    DismissForm,
    ModerateForm,
    ReportForm,
)
from peerpact.safety.models import Block, Report


def _next_or(request: AuthedRequest, fallback: str) -> str:
    return local_path(request, request.POST.get("next", ""), fallback)


# --- Reporting ----------------------------------------------------------------------------------


@login_required
def report_content(request: AuthedRequest, community: str, kind: str, object_id: int) -> HttpResponse:
    """Report a piece of content to the organizers (a small form; the button lives next to the content)."""
    found = community_for(request, community)
    hit = selectors.content_get(kind=kind, object_id=object_id, community=found)
    if hit is None:
        raise Http404
    content, obj = hit
    if not access.can_view_content(request.user, content, obj):
        raise Http404
    if not access.can_report(request.user, content, obj):
        return forbidden(request, _("You cannot report what you wrote yourself."))
    form = ReportForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.report_create(kind=kind, obj=obj, reporter=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if is_htmx(request):
                return render(request, "safety/partials/_report_done.html")
            messages.success(
                request, _("Thank you. The organizers will look at it; nobody else sees your report.")
            )
            return redirect(content.url_of(obj))
    context = {
        "community": found,
        "form": form,
        "kind": content,
        "content": content,
        "obj": obj,
        "excerpt": content.excerpt_of(obj),
        "url": content.url_of(obj),
        "already": selectors.report_of(reporter=request.user, kind=kind, object_id=obj.pk),
    }
    status = 400 if form.errors else 200
    if is_htmx(request):
        return render(request, "safety/partials/_report_form.html", context, status=status)
    return render(request, "safety/report.html", context, status=status)


# --- Moderation ---------------------------------------------------------------------------------


def _moderated(request: AuthedRequest, slug: str) -> Community:
    found = community_for(request, slug)
    if not access.can_moderate(request.user, found):
        raise PermissionDenied(_("Only the community's owners and organizers moderate content."))
    return found


@login_required
@require_safe
def moderation_queue(request: AuthedRequest, community: str) -> HttpResponse:
    try:
        found = _moderated(request, community)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    return render(
        request,
        "safety/moderation_queue.html",
        {"community": found, "queue": selectors.moderation_queue(community=found)},
    )


@login_required
def moderation_content(request: AuthedRequest, community: str, kind: str, object_id: int) -> HttpResponse:
    """One piece of content: its reports, what was done so far, and hide / restore / remove."""
    try:
        found = _moderated(request, community)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    hit = selectors.content_get(kind=kind, object_id=object_id, community=found)
    if hit is None:
        raise Http404
    content, obj = hit
    form = ModerateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            record = services.content_moderate(kind=kind, obj=obj, actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Done: %(what)s. It is in the audit trail.")
                % {"what": record.get_action_display().lower()},
            )
            return redirect(request.path)
    return render(
        request,
        "safety/moderation_content.html",
        {
            "community": found,
            "content": content,
            "obj": obj,
            "kind": kind,
            "excerpt": content.excerpt_of(obj),
            "url": content.url_of(obj),
            "author": content.author_of(obj),
            "circle": content.circle_of(obj),
            "reports": selectors.reports_for_content(kind=kind, object_id=obj.pk),
            "trail": list(selectors.audit_trail(community=found, kind=kind, object_id=obj.pk)),
            "form": form,
            "dismiss_form": DismissForm(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def report_dismiss(request: AuthedRequest, community: str, report_id: int) -> HttpResponse:
    try:
        found = _moderated(request, community)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    report = get_object_or_404(Report, pk=report_id, community=found)
    form = DismissForm(request.POST)
    fallback = services.content_moderation_url(community=found, kind=report.kind, object_id=report.object_id)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(fallback)
    try:
        services.report_dismiss(report=report, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Report dismissed. It is in the audit trail."))
    if selectors.content_get(kind=report.kind, object_id=report.object_id, community=found) is None:
        fallback = reverse("safety:moderation", kwargs={"community": found.slug})
    return redirect(_next_or(request, fallback))


@login_required
@require_safe
def audit_trail(request: AuthedRequest, community: str) -> HttpResponse:
    try:
        found = _moderated(request, community)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    page = Paginator(selectors.audit_trail(community=found), 100).get_page(request.GET.get("page"))
    return render(request, "safety/audit_trail.html", {"community": found, "page": page})


# --- Concerns -----------------------------------------------------------------------------------


@login_required
def concern_raise(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = circle_for(request, community, circle)
    if not circle_access.can_see_members(request.user, found):
        raise Http404
    if not access.can_raise_concern(request.user, found):
        return forbidden(request, _("Only members of this circle raise concerns about it here."))
    form = ConcernForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            concern = services.concern_raise(circle=found, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your concern was sent. You will hear back here."))
            return redirect(services.concern_url(concern))
    return render(
        request,
        "safety/concern_raise.html",
        {"community": found.community, "circle": found, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def concern_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "safety/concern_list.html", {"concerns": selectors.concerns_raised_by(user=request.user)}
    )


@login_required
@require_safe
def concern_inbox(request: AuthedRequest) -> HttpResponse:
    return render(request, "safety/concern_inbox.html", {"rows": selectors.concerns_inbox(user=request.user)})


@login_required
def concern_detail(request: AuthedRequest, community: str, concern_id: int) -> HttpResponse:
    found = community_for(request, community)
    concern = selectors.concern_get(community=found, concern_id=concern_id)
    if concern is None or not access.can_view_concern(request.user, concern):
        raise Http404
    form = ConcernActionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        action, text = form.cleaned_data["action"], form.cleaned_data["text"]
        try:
            if action == "acknowledge":
                services.concern_acknowledge(concern=concern, actor=request.user, text=text)
            elif action == "resolve":
                services.concern_resolve(concern=concern, actor=request.user, text=text)
            else:
                services.concern_reply(concern=concern, actor=request.user, text=text)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved. The other side is told."))
            return redirect(request.path)
    is_raiser = concern.raised_by_id == request.user.pk
    return render(
        request,
        "safety/concern_detail.html",
        {
            "community": found,
            "circle": concern.circle,
            "concern": concern,
            "timeline": selectors.concern_timeline(concern=concern),
            "form": form,
            "is_raiser": is_raiser,
            "can_handle": access.can_handle_concern(request.user, concern),
            "as_escalation": access.sees_as_escalation(request.user, concern),
            "can_reply": access.can_reply_to_concern(request.user, concern),
        },
        status=400 if form.errors else 200,
    )


# --- Blocks -------------------------------------------------------------------------------------


@login_required
def block_list(request: AuthedRequest) -> HttpResponse:
    """The people I blocked (with unblock), and a form to block someone from my circles."""
    blocks = list(selectors.blocks_made_by(user=request.user))
    already = {b.blocked_id for b in blocks}
    people = [p for p in selectors.people_in_my_circles(user=request.user) if p.pk not in already]
    form = BlockForm(request.POST if request.method == "POST" else None, people=people)
    if form.is_bound:
        if form.is_valid():
            blocked = form.blocked()
            try:
                services.block(blocker=request.user, blocked=blocked)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("You blocked %(name)s. They can no longer reach you; they are not told.")
                    % {"name": blocked.name},
                )
                return redirect(_next_or(request, reverse("safety:blocks")))
        elif (
            "user" in request.POST and request.POST["user"].isdigit() and int(request.POST["user"]) in already
        ):
            messages.info(request, _("You have already blocked them."))
            return redirect(_next_or(request, reverse("safety:blocks")))
    return render(
        request,
        "safety/block_list.html",
        {"blocks": blocks, "form": form, "people": people},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def unblock(request: AuthedRequest, user_id: int) -> HttpResponse:
    found = get_object_or_404(
        Block.objects.select_related("blocked"), blocker=request.user, blocked_id=user_id
    )
    services.unblock(blocker=request.user, blocked=found.blocked)
    messages.success(request, _("You unblocked %(name)s.") % {"name": found.blocked.name})
    return redirect(_next_or(request, reverse("safety:blocks")))


# --- Charter ------------------------------------------------------------------------------------


@login_required
def charter(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    """Read the circle's charter and (re-)accept it after it changed."""
    found: Circle = circle_for(request, community, circle)
    if not circle_access.can_see_members(request.user, found):
        raise Http404
    membership = circle_access.membership_in(request.user, found)
    form = CharterAcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if membership is None or not membership.is_seated:
            return forbidden(request, _("Only members of the circle accept its charter."))
        if form.is_valid():
            services.charter_accept(circle=found, user=request.user)
            messages.success(request, _("Thank you for accepting the charter."))
            return redirect("circles:detail", community=found.community.slug, circle=found.slug)
    return render(
        request,
        "safety/charter.html",
        {
            "community": found.community,
            "circle": found,
            "membership": membership,
            "charter_html": render_markdown(found.charter),
            "needs_reaccept": membership is not None and membership.needs_charter_reaccept(),
            "form": form,
        },
        status=400 if form.errors else 200,
    )
