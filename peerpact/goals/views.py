"""Goal pages inside a circle: the list, setting and editing a goal, its detail page and milestones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle
from peerpact.circles.views import circle_for
from peerpact.goals import access, charts, selectors, services
from peerpact.goals.forms import GoalCreateForm, GoalForm, MilestoneAddForm, MilestoneToggleForm
from peerpact.goals.models import Direction, Goal, GoalVisibility, Milestone
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden


def _inner_circle(request: AuthedRequest, community: str, circle: str) -> Circle:
    """The circle if the user may see inside it; 404 for strangers and former members alike."""
    found = circle_for(request, community, circle)
    if not circle_access.can_see_members(request.user, found):
        raise Http404
    return found


def _visible_goal(request: AuthedRequest, circle: Circle, goal_id: int) -> Goal:
    goal = selectors.goal_get_for_user(circle=circle, user=request.user, goal_id=goal_id)
    if goal is None:
        raise Http404
    return goal


def _to_goal(goal: Goal, circle: Circle, anchor: str = "") -> HttpResponse:
    url = reverse(
        "goals:detail", kwargs={"community": circle.community.slug, "circle": circle.slug, "goal_id": goal.pk}
    )
    return redirect(f"{url}#{anchor}" if anchor else url)


def _goal_fields(form: GoalForm) -> dict[str, object]:
    return {name: form.cleaned_data[name] for name in GoalForm.Meta.fields}


@login_required
def goal_list(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = _inner_circle(request, community, circle)
    membership = circle_access.membership_in(request.user, found)
    board = selectors.goal_board_for_user(circle=found, user=request.user, today=timezone.localdate())
    return render(
        request,
        "goals/goal_list.html",
        {
            "community": found.community,
            "circle": found,
            "board": board,
            "can_set_goals": membership is not None and access.can_edit_goals_of(request.user, membership),
        },
    )


@login_required
def goal_create(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = _inner_circle(request, community, circle)
    membership = circle_access.membership_in(request.user, found)
    if membership is None or not access.can_edit_goals_of(request.user, membership):
        return forbidden(request, _("Only members of this circle set goals here, each for themselves."))
    form = GoalCreateForm(
        request.POST if request.method == "POST" else None,
        instance=Goal(membership=membership),
        initial={"starts_on": timezone.localdate()},
    )
    if form.is_bound and form.is_valid():
        try:
            goal = services.goal_create(
                membership=membership,
                actor=request.user,
                milestones=form.cleaned_data["milestones"],
                **_goal_fields(form),
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if goal.visibility == GoalVisibility.PRIVATE:
                messages.success(request, _("Goal set. Only you and the community's organizers can see it."))
            else:
                messages.success(request, _("Goal set. Your circle can see it and cheer you on."))
            return _to_goal(goal, found)
    return render(
        request,
        "goals/goal_create.html",
        {"community": found.community, "circle": found, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def goal_edit(request: AuthedRequest, community: str, circle: str, goal_id: int) -> HttpResponse:
    found = _inner_circle(request, community, circle)
    goal = _visible_goal(request, found, goal_id)
    if not access.can_edit_goals_of(request.user, goal.membership):
        return forbidden(request, _("Only the goal's owner can change it."))
    # The form writes into its instance while validating; give it a copy so the service still sees
    # the stored values and saves exactly the fields that changed.
    form = GoalForm(request.POST if request.method == "POST" else None, instance=Goal.objects.get(pk=goal.pk))
    if form.is_bound and form.is_valid():
        try:
            services.goal_update(goal=goal, actor=request.user, **_goal_fields(form))
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Goal saved."))
            return _to_goal(goal, found)
    return render(
        request,
        "goals/goal_edit.html",
        {"community": found.community, "circle": found, "goal": goal, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def goal_detail(
    request: AuthedRequest,
    community: str,
    circle: str,
    goal_id: int,
    milestone_form: MilestoneAddForm | None = None,
) -> HttpResponse:
    found = _inner_circle(request, community, circle)
    goal = _visible_goal(request, found, goal_id)
    history = selectors.goal_progress_history(goal=goal)
    milestones = list(goal.milestones.all())
    latest = history[-1] if history else None
    measured = goal.direction != Direction.DONE
    return render(
        request,
        "goals/goal_detail.html",
        {
            "community": found.community,
            "circle": found,
            "goal": goal,
            "row": selectors.goal_row(
                goal=goal,
                latest_value=latest.value if latest else None,
                latest_cycle=latest.cycle.index if latest else None,
                milestones_done=sum(1 for m in milestones if m.done_at is not None),
                milestones_total=len(milestones),
                today=timezone.localdate(),
            ),
            "milestones": milestones,
            "history": [
                {
                    "progress": p,
                    "value": charts.plain(p.value),
                    "percent": charts.percent(goal.progress_ratio(p.value)),
                }
                for p in history
            ],
            "chart": charts.line_chart(
                points=[(p.cycle.index, p.value) for p in history], baseline=goal.baseline, target=goal.target
            )
            if measured
            else None,
            "can_edit": access.can_edit_goals_of(request.user, goal.membership),
            "milestone_form": milestone_form or MilestoneAddForm(),
        },
        status=400 if milestone_form is not None else 200,
    )


@login_required
@require_POST
def milestone_add(request: AuthedRequest, community: str, circle: str, goal_id: int) -> HttpResponse:
    found = _inner_circle(request, community, circle)
    goal = _visible_goal(request, found, goal_id)
    if not access.can_edit_goals_of(request.user, goal.membership):
        return forbidden(request, _("Only the goal's owner can change it."))
    form = MilestoneAddForm(request.POST)
    if form.is_valid():
        try:
            milestone = services.milestone_add(goal=goal, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Milestone “%(title)s” added.") % {"title": milestone.title})
            return _to_goal(goal, found, anchor=f"milestone-{milestone.pk}")
    return goal_detail(request, community, circle, goal_id, milestone_form=form)


@login_required
@require_POST
def milestone_toggle(
    request: AuthedRequest, community: str, circle: str, goal_id: int, milestone_id: int
) -> HttpResponse:
    found = _inner_circle(request, community, circle)
    goal = _visible_goal(request, found, goal_id)
    milestone = get_object_or_404(Milestone, pk=milestone_id, goal=goal)
    milestone.goal = goal
    form = MilestoneToggleForm(request.POST)
    done = form.cleaned_data["done"] if form.is_valid() else milestone.done_at is None
    try:
        services.milestone_toggle(milestone=milestone, actor=request.user, done=done)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    if is_htmx(request):
        return render(
            request,
            "goals/goal_detail.html#milestone-row",
            {
                "community": found.community,
                "circle": found,
                "goal": goal,
                "m": milestone,
                "can_edit": True,
                "swapped": True,
            },
        )
    if done:
        messages.success(request, _("Milestone “%(title)s” done.") % {"title": milestone.title})
    else:
        messages.info(request, _("Milestone “%(title)s” is open again.") % {"title": milestone.title})
    return _to_goal(goal, found, anchor=f"milestone-{milestone.pk}")
