"""The schedule page (rhythm, live preview, blackout dates) and pausing a membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins import access, selectors, services
from peerpact.checkins.forms.rhythm import (
    BlackoutForm,
    PauseForm,
    RhythmForm,
    describe_deadlines,
    describe_reviews,
    rhythm_initial,
)
from peerpact.checkins.models import Blackout, Pause, Rhythm
from peerpact.checkins.views.common import board_circle
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle, Membership
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden

UPCOMING = 5


@dataclass(frozen=True)
class Deadline:
    at: datetime
    blackout: Blackout | None = None


@dataclass(frozen=True)
class Preview:
    """The next deadlines of a rule being edited (not saved), or why it cannot work."""

    deadlines: list[datetime]
    error: str = ""


def _to_schedule(circle: Circle) -> HttpResponse:
    return redirect("checkins:rhythm", community=circle.community.slug, circle=circle.slug)


def _zones(circle: Circle) -> dict[str, Any]:
    """Times are shown in the viewer's zone (activated per request) beside the circle's own."""
    viewer = timezone.get_current_timezone_name()
    return {"viewer_zone": viewer, "circle_zone": circle.timezone, "same_zone": viewer == circle.timezone}


def _preview(circle: Circle, form: RhythmForm, now: datetime) -> Preview:
    if not form.is_valid():
        return Preview(
            deadlines=[], error=" ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    try:
        rhythm = services.rhythm_validate(circle=circle, spec=form.spec(), now=now)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return Preview(deadlines=[], error=" ".join(exc.messages))
    return Preview(deadlines=rhythm.deadlines().upcoming(now, UPCOMING))


def _schedule_context(
    request: AuthedRequest,
    circle: Circle,
    rhythm: Rhythm | None,
    now: datetime,
    *,
    form: RhythmForm | None = None,
    blackout_form: BlackoutForm | None = None,
    preview: Preview | None = None,
) -> dict[str, Any]:
    can_manage = access.can_manage_rhythm(request.user, circle)
    zone = ZoneInfo(circle.timezone)
    today = now.astimezone(zone).date()
    blackouts = list(Blackout.objects.filter(circle=circle))
    deadlines: list[Deadline] = []
    reviews: list[datetime] = []
    if rhythm is not None:
        for at in rhythm.deadlines().upcoming(now, UPCOMING):
            day = at.astimezone(zone).date()
            deadlines.append(Deadline(at=at, blackout=next((b for b in blackouts if b.covers(day)), None)))
        review_rule = rhythm.reviews()
        reviews = review_rule.upcoming(now, UPCOMING) if review_rule else []
    if can_manage and form is None:
        form = RhythmForm(initial=rhythm_initial(rhythm))
    membership = circle_access.membership_in(request.user, circle)
    return {
        "community": circle.community,
        "circle": circle,
        "rhythm": rhythm,
        "can_manage": can_manage,
        "deadline_words": describe_deadlines(rhythm) if rhythm else "",
        "review_words": describe_reviews(rhythm) if rhythm else "",
        "deadlines": deadlines,
        "reviews": reviews,
        "blackouts": [b for b in blackouts if b.ends_on >= today],
        "past_blackouts": [b for b in blackouts if b.ends_on < today],
        "form": form if can_manage else None,
        "blackout_form": (blackout_form or BlackoutForm()) if can_manage else None,
        "preview": preview,
        "membership": membership,
        "can_pause": membership is not None and membership.is_seated,
        "members": selectors.seated_members(circle=circle) if can_manage else [],
        **_zones(circle),
    }


@login_required
def rhythm_edit(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    """Everyone inside the circle reads the schedule; facilitators and organizers change it."""
    found = board_circle(request, community, circle)
    rhythm = selectors.rhythm_for(found)
    now = timezone.now()
    if request.method != "POST":
        return render(request, "checkins/rhythm_edit.html", _schedule_context(request, found, rhythm, now))
    if not access.can_manage_rhythm(request.user, found):
        return forbidden(request, _("Only the facilitator or an organizer can change the schedule."))
    form = RhythmForm(request.POST)
    if "preview" in request.POST:
        # The no-JavaScript preview: the same page, with everything typed and the next deadlines.
        preview = _preview(found, form, now)
        context = _schedule_context(request, found, rhythm, now, form=form, preview=preview)
        return render(request, "checkins/rhythm_edit.html", context, status=400 if preview.error else 200)
    if form.is_valid():
        try:
            services.rhythm_set(circle=found, actor=request.user, spec=form.spec(), now=now)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if rhythm is None:
                messages.success(request, _("Schedule set. The first cycle has started."))
            else:
                messages.success(
                    request,
                    _("Schedule saved. The current cycle keeps its deadline; the change applies after it."),
                )
            return _to_schedule(found)
    context = _schedule_context(request, found, rhythm, now, form=form)
    return render(request, "checkins/rhythm_edit.html", context, status=400)


@login_required
def rhythm_preview(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    """htmx: the next deadlines of the rule in the editor, without saving it.

    Always 200, so htmx swaps in the explanation when the rule cannot work.
    """
    found = board_circle(request, community, circle)
    if not access.can_manage_rhythm(request.user, found):
        return forbidden(request, _("Only the facilitator or an organizer can change the schedule."))
    form = RhythmForm(request.POST if request.method == "POST" else request.GET)
    context = {"circle": found, "preview": _preview(found, form, timezone.now()), **_zones(found)}
    return render(request, "checkins/partials/_rhythm_preview.html", context)


@login_required
@require_POST
def blackout_add(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = board_circle(request, community, circle)
    if not access.can_manage_rhythm(request.user, found):
        return forbidden(request, _("Only the facilitator or an organizer can set blackout dates."))
    form = BlackoutForm(request.POST)
    if form.is_valid():
        try:
            blackout = services.blackout_add(circle=found, actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Blackout dates added: %(dates)s.") % {"dates": _span(blackout)})
            return _to_schedule(found)
    context = _schedule_context(
        request, found, selectors.rhythm_for(found), timezone.now(), blackout_form=form
    )
    return render(request, "checkins/rhythm_edit.html", context, status=400)


@login_required
@require_POST
def blackout_delete(request: AuthedRequest, community: str, circle: str, blackout_id: int) -> HttpResponse:
    found = board_circle(request, community, circle)
    blackout = get_object_or_404(Blackout, pk=blackout_id, circle=found)
    blackout.circle = found  # reuse the access checks cached on it
    try:
        services.blackout_remove(blackout=blackout, actor=request.user)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    if is_htmx(request):
        return HttpResponse("")  # the row swaps itself out
    messages.success(request, _("Blackout dates removed: %(dates)s.") % {"dates": _span(blackout)})
    return _to_schedule(found)


def _day(value: date) -> str:
    return date_format(value, "j F Y")


def _span(blackout: Blackout) -> str:
    if blackout.ends_on == blackout.starts_on:
        return _day(blackout.starts_on)
    return _("%(start)s to %(end)s") % {"start": _day(blackout.starts_on), "end": _day(blackout.ends_on)}


def _pause_message(pause: Pause, *, name: str | None) -> str:
    """What was just set, said to the member themselves (name None) or to a facilitator."""
    values = {"name": name, "start": _day(pause.starts_on)}
    if pause.ends_on is None:
        if name is None:
            return _("You are paused from %(start)s until you resume.") % values
        return _("%(name)s is paused from %(start)s until resumed.") % values
    values["end"] = _day(pause.ends_on)
    if name is None:
        return _("You are paused from %(start)s to %(end)s.") % values
    return _("%(name)s is paused from %(start)s to %(end)s.") % values


# --- Pauses -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PauseRow:
    pause: Pause
    state: str  # "running", "planned" or "ended"
    show_reason: bool


def _pause_rows(request: AuthedRequest, membership: Membership, today: date) -> list[PauseRow]:
    # Managers read every reason; members read only reasons they wrote themselves.
    sees_all = access.can_see_pause_reasons(request.user, membership.circle)
    rows = []
    for pause in Pause.objects.filter(membership=membership):
        if pause.resumed_at is not None or (pause.ends_on is not None and pause.ends_on < today):
            state = "ended"
        elif pause.starts_on > today:
            state = "planned"
        else:
            state = "running"
        rows.append(PauseRow(pause, state, sees_all or pause.created_by_id == request.user.pk))
    return rows


def _pause_page(
    request: AuthedRequest, circle: Circle, membership: Membership, *, template: str
) -> HttpResponse:
    is_self = membership.user_id == request.user.pk
    name = membership.user.name
    back = request.path
    today = timezone.localdate()  # the day pause_start measures "the past" from
    form = PauseForm(initial={"starts_on": today})
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "resume":
            try:
                services.pause_resume(membership=membership, actor=request.user)
            except PermissionDenied as exc:
                return forbidden(request, exc)
            messages.success(
                request,
                _("Welcome back! Updates are expected from you again from the next deadline.")
                if is_self
                else _("%(name)s is active again.") % {"name": name},
            )
            return redirect(back)
        form = PauseForm(request.POST)
        if form.is_valid():
            try:
                pause = services.pause_start(membership=membership, actor=request.user, **form.cleaned_data)
            except PermissionDenied as exc:
                return forbidden(request, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _pause_message(pause, name=None if is_self else name))
                return redirect(back)
        status = 400
    rows = _pause_rows(request, membership, today)
    return render(
        request,
        template,
        {
            "community": circle.community,
            "circle": circle,
            "subject": membership,
            "is_self": is_self,
            "form": form,
            "current": [row for row in rows if row.state != "ended"],
            "earlier": [row for row in rows if row.state == "ended"],
        },
        status=status,
    )


@login_required
def pause_edit(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    """A member pauses (or resumes) their own membership."""
    found = board_circle(request, community, circle)
    membership = circle_access.membership_in(request.user, found)
    if membership is None or not membership.is_seated:
        return forbidden(request, _("Only members of this circle can pause their membership."))
    membership.circle = found
    return _pause_page(request, found, membership, template="checkins/pause_edit.html")


@login_required
def pause_member(request: AuthedRequest, community: str, circle: str, membership_id: int) -> HttpResponse:
    """A facilitator or organizer pauses (or resumes) someone in the circle."""
    found = board_circle(request, community, circle)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, circle=found)
    membership.circle = found
    if not access.can_see_pause_reasons(request.user, found):
        if membership.user_id == request.user.pk:
            return redirect("checkins:pause", community=found.community.slug, circle=found.slug)
        return forbidden(request, _("Only the facilitator or an organizer can pause other members."))
    return _pause_page(request, found, membership, template="checkins/pause_member.html")
