"""Comments, feedback, kudos and help: small POST endpoints that answer htmx with the updated fragment
and everyone else with a redirect (or the check-in page again, with the typed text kept, on bad input).
Plus two pages: the circle's open help requests and its wins feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Checkin
from peerpact.checkins.views.common import board_circle
from peerpact.circles.models import Circle
from peerpact.feedback import access, pages, selectors, services
from peerpact.feedback.forms import CommentForm, FeedbackForm, HelpOfferForm, KudosForm, ResolveForm
from peerpact.feedback.models import Comment, Feedback, KudosTarget
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden, local_path

WINS_PER_PAGE = 20
SECTIONS = {
    "comments": "feedback/partials/_comments.html",
    "feedback": "feedback/partials/_feedback.html",
    "help": "feedback/partials/_help.html",
}


def _checkin(request: AuthedRequest, community: str, circle: str, checkin_id: int) -> tuple[Circle, Checkin]:
    """A submitted check-in of this circle that the user may read; 404 otherwise."""
    found = board_circle(request, community, circle)
    checkin = get_object_or_404(
        Checkin.objects.select_related("membership__user", "cycle"),
        pk=checkin_id,
        membership__circle=found,
        submitted_at__isnull=False,
    )
    checkin.membership.circle = found
    if not access.can_view_thread(request.user, checkin):
        raise Http404
    return found, checkin


def _detail_page(
    request: AuthedRequest, circle: Circle, checkin: Checkin, forms: dict[str, Any], status: int
) -> HttpResponse:
    """The check-in page again (bad input without JavaScript): the forms keep what was typed."""
    context = checkin_selectors.checkin_context(membership=checkin.membership, cycle=checkin.cycle)
    return render(
        request,
        "checkins/checkin_detail.html",
        {
            **context,
            "community": circle.community,
            "circle": circle,
            "checkin": checkin,
            "cycle": checkin.cycle,
            "support_forms": forms,
        },
        status=status,
    )


def _section(
    request: AuthedRequest,
    circle: Circle,
    checkin: Checkin,
    section: str,
    *,
    status_text: str = "",
    forms: dict[str, Any] | None = None,
) -> HttpResponse:
    context = pages.support_context(request, circle, checkin, forms)
    context["status_text"] = status_text
    context["swapped"] = True
    return render(request, SECTIONS[section], context)


def _done(
    request: AuthedRequest, circle: Circle, checkin: Checkin, section: str, text: str, anchor: str = ""
) -> HttpResponse:
    if is_htmx(request):
        return _section(request, circle, checkin, section, status_text=text)
    messages.success(request, text)
    return redirect(services.checkin_url(checkin, anchor or section))


def _invalid(
    request: AuthedRequest, circle: Circle, checkin: Checkin, section: str, forms: dict[str, Any]
) -> HttpResponse:
    # htmx does not swap 4xx answers, so the fragment with its errors comes back as a 200.
    if is_htmx(request):
        return _section(request, circle, checkin, section, forms=forms)
    return _detail_page(request, circle, checkin, forms, status=400)


# --- Comments -------------------------------------------------------------------------------------


@login_required
@require_POST
def comment_add(request: AuthedRequest, community: str, circle: str, checkin_id: int) -> HttpResponse:
    found, checkin = _checkin(request, community, circle, checkin_id)
    form = CommentForm(request.POST, prefix="comment")
    if form.is_valid():
        try:
            comment = services.comment_add(
                checkin=checkin, actor=request.user, body=form.cleaned_data["body"]
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, found, checkin, "comments", _("Comment posted."), f"comment-{comment.pk}")
    return _invalid(request, found, checkin, "comments", {"comment_form": form})


def _own_comment(
    request: AuthedRequest, community: str, circle: str, comment_id: int
) -> tuple[Circle, Comment]:
    found = board_circle(request, community, circle)
    comment = get_object_or_404(
        Comment.objects.visible().select_related("checkin__membership__user", "checkin__cycle", "author"),
        pk=comment_id,
        checkin__membership__circle=found,
    )
    comment.checkin.membership.circle = found
    if not access.can_view_thread(request.user, comment.checkin):
        raise Http404
    if comment.author_id != request.user.pk:
        raise PermissionDenied(_("Only the person who wrote a comment can edit it."))
    return found, comment


@login_required
def comment_edit(request: AuthedRequest, community: str, circle: str, comment_id: int) -> HttpResponse:
    try:
        found, comment = _own_comment(request, community, circle, comment_id)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    checkin = comment.checkin
    form = CommentForm(
        request.POST if request.method == "POST" else None, prefix="edit", initial={"body": comment.body}
    )
    if form.is_bound and form.is_valid():
        try:
            services.comment_edit(comment=comment, actor=request.user, body=form.cleaned_data["body"])
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, found, checkin, "comments", _("Comment updated."), f"comment-{comment.pk}")
    context = {
        "community": found.community,
        "circle": found,
        "checkin": checkin,
        "comment": comment,
        "form": form,
    }
    status = 400 if form.errors else 200
    if is_htmx(request):
        return render(request, "feedback/comment_edit.html#edit-form", context)
    return render(request, "feedback/comment_edit.html", context, status=status)


# --- Feedback -------------------------------------------------------------------------------------


@login_required
@require_POST
def feedback_give(request: AuthedRequest, community: str, circle: str, checkin_id: int) -> HttpResponse:
    found, checkin = _checkin(request, community, circle, checkin_id)
    form = FeedbackForm(request.POST, prefix="feedback", circle=found)
    if form.is_valid():
        try:
            feedback = services.feedback_give(
                checkin=checkin,
                actor=request.user,
                worked=form.cleaned_data["worked"],
                suggestion=form.cleaned_data["suggestion"],
                question=form.cleaned_data["question"],
                anonymous=bool(form.cleaned_data.get("anonymous")),
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = (
                _("Feedback sent anonymously. Thank you!")
                if feedback.anonymous
                else _("Feedback sent. Thank you!")
            )
            return _done(request, found, checkin, "feedback", text, f"feedback-{feedback.pk}")
    return _invalid(request, found, checkin, "feedback", {"feedback_form": form})


@login_required
@require_POST
def feedback_helpful(request: AuthedRequest, community: str, circle: str, feedback_id: int) -> HttpResponse:
    found = board_circle(request, community, circle)
    feedback = get_object_or_404(
        Feedback.objects.visible().select_related("checkin__membership__user", "checkin__cycle"),
        pk=feedback_id,
        checkin__membership__circle=found,
    )
    checkin = feedback.checkin
    checkin.membership.circle = found
    if not access.can_view_thread(request.user, checkin):
        raise Http404
    helpful = request.POST.get("helpful", "true") != "false"
    try:
        services.feedback_mark_helpful(feedback=feedback, actor=request.user, helpful=helpful)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    text = (
        _("Marked as helpful. Thank you for telling them!") if helpful else _("No longer marked as helpful.")
    )
    return _done(request, found, checkin, "feedback", text, f"feedback-{feedback.pk}")


# --- Kudos ----------------------------------------------------------------------------------------


def _safe_next(request: AuthedRequest, fallback: str) -> str:
    return local_path(request, request.POST.get("next", ""), fallback)


@login_required
@require_POST
def kudos_toggle(
    request: AuthedRequest, community: str, circle: str, kind: str, target_id: int
) -> HttpResponse:
    found = board_circle(request, community, circle)
    if kind not in KudosTarget.values:
        raise Http404
    subject = selectors.kudos_subject(circle=found, kind=kind, target_id=target_id, viewer=request.user)
    if subject is None:
        raise Http404
    form = KudosForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", {"reason": _("Choose one of the reactions offered.")}, status=400)
    try:
        given = services.kudos_toggle(
            subject=subject,
            actor=request.user,
            reaction=form.cleaned_data["reaction"],
            give=form.cleaned_data["give"],
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    next_url = _safe_next(request, subject.url)
    if is_htmx(request):
        counts = selectors.kudos_counts(targets=[(kind, target_id)], viewer=request.user)[(kind, target_id)]
        context = {
            "community": found.community,
            "circle": found,
            "swapped": True,
            "toggled": form.cleaned_data["reaction"],  # the button that keeps focus after the swap
            "status_text": _("Kudos given.") if given else _("Kudos taken back."),
            **pages.kudos_context(
                kind=kind, target_id=target_id, kudos=counts, can_kudos=True, next_url=next_url
            ),
        }
        return render(request, "feedback/partials/_kudos.html", context)
    messages.success(request, _("Kudos given.") if given else _("Kudos taken back."))
    return redirect(next_url)


# --- Help requests --------------------------------------------------------------------------------


def _help_back(request: AuthedRequest, circle: Circle, checkin: Checkin) -> str:
    where = request.POST.get("from", "")
    kwargs = {"community": circle.community.slug, "circle": circle.slug}
    if where == "board":
        return reverse("checkins:board", kwargs=kwargs) + "#open-help"
    if where == "help":
        return reverse("feedback:help", kwargs=kwargs)
    return services.checkin_url(checkin, "help")


@login_required
@require_POST
def help_offer(request: AuthedRequest, community: str, circle: str, checkin_id: int) -> HttpResponse:
    found, checkin = _checkin(request, community, circle, checkin_id)
    form = HelpOfferForm(request.POST, prefix="offer")
    where = request.POST.get("from", "")
    if form.is_valid():
        try:
            services.help_offer(checkin=checkin, actor=request.user, message=form.cleaned_data["message"])
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = _("Thank you! %(name)s will hear that you can help.") % {
                "name": checkin.membership.user.name
            }
            if where in ("board", "help"):
                if is_htmx(request):
                    context = pages.help_context(request, found, where=where)
                    return render(
                        request,
                        "feedback/partials/_help_requests.html",
                        # offered_id: the row whose "You offered to help" takes focus after the swap.
                        {**context, "status_text": text, "swapped": True, "offered_id": checkin.pk},
                    )
                messages.success(request, text)
                return redirect(_help_back(request, found, checkin))
            return _done(request, found, checkin, "help", text)
    if where in ("board", "help") and not is_htmx(request):
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_help_back(request, found, checkin))
    return _invalid(request, found, checkin, "help", {"offer_form": form})


@login_required
@require_POST
def help_resolve(request: AuthedRequest, community: str, circle: str, checkin_id: int) -> HttpResponse:
    found, checkin = _checkin(request, community, circle, checkin_id)
    form = ResolveForm(request.POST, prefix="resolve")
    try:
        if request.POST.get("action") == "reopen":
            services.help_reopen(checkin=checkin, actor=request.user)
            return _done(request, found, checkin, "help", _("Your help request is open again."))
        if form.is_valid():
            services.help_resolve(checkin=checkin, actor=request.user, note=form.cleaned_data["note"])
            return _done(request, found, checkin, "help", _("Marked as resolved. Glad it worked out!"))
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return _invalid(request, found, checkin, "help", {"resolve_form": form})


@login_required
@require_safe
def help_page(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = board_circle(request, community, circle)
    return render(
        request,
        "feedback/help.html",
        {
            **pages.help_context(request, found, where="help"),
            "sees_all": access.can_see_all_help_requests(request.user, found),
        },
    )


# --- Wins -----------------------------------------------------------------------------------------


@login_required
@require_safe
def wins(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = board_circle(request, community, circle)
    feed = selectors.wins_feed(circle=found, viewer=request.user, now=timezone.now())
    page = Paginator(feed, WINS_PER_PAGE).get_page(request.GET.get("page"))
    items = selectors.wins_with_kudos(wins=list(page.object_list), circle=found, viewer=request.user)
    here = reverse("feedback:wins", kwargs={"community": found.community.slug, "circle": found.slug})
    return render(
        request,
        "feedback/wins.html",
        {
            "community": found.community,
            "circle": found,
            "page": page,
            "wins": [
                {
                    "win": w,
                    **pages.kudos_context(
                        kind=w.kudos_kind,
                        target_id=w.kudos_id,
                        kudos=w.kudos,
                        can_kudos=w.can_kudos,
                        next_url=f"{here}?page={page.number}",
                    ),
                }
                for w in items
            ],
        },
    )
