"""Circle pages, plus the community pages that list or end circle memberships."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.circles import access, selectors, services
from peerpact.circles.forms import (
    AcceptInvitationForm,
    CircleForm,
    CircleInviteForm,
    DecisionForm,
    JoinForm,
    RemoveForm,
)
from peerpact.circles.models import Circle, JoinPolicy, Membership, MembershipStatus
from peerpact.communities import access as community_access
from peerpact.communities import selectors as community_selectors
from peerpact.communities.models import CommunityMembership, InvitationKind
from peerpact.communities.services import InvitationUnusable
from peerpact.communities.views import community_for
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.markdown import render_markdown
from peerpact.lib.views import forbidden
from peerpact.notifications import services as notification_services
from peerpact.notifications.forms import ChatTargetForm
from peerpact.notifications.models import ChatTarget
from peerpact.notifications.views import chat_test_send, with_action_urls


def circle_for(request: HttpRequest, community: str, circle: str) -> Circle:
    found = selectors.circle_get_for_user(user=request.user, community_slug=community, circle_slug=circle)
    if found is None:
        raise Http404
    return found


def _to_circle(circle: Circle) -> HttpResponse:
    return redirect("circles:detail", community=circle.community.slug, circle=circle.slug)


# --- Community pages that involve circles -------------------------------------------------------


@login_required
def community_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug)
    circles = list(selectors.circle_list_for_community(user=request.user, community=community))
    mine = {m.circle_id: m for m in Membership.objects.filter(user=request.user, circle__community=community)}
    for circle in circles:
        circle.my_membership = mine.get(circle.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "communities/community_detail.html",
        {
            "community": community,
            "circles": circles,
            "membership": community_access.membership_of(request.user, community),
            "can_manage": community_access.can_manage_community(request.user, community),
            "can_create_circle": community_access.can_create_circle(request.user, community),
            "member_count": community.memberships.count(),
        },
    )


@login_required
def community_leave(request: AuthedRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug)
    if request.method == "POST":
        try:
            services.community_leave(community=community, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(
                "communities:settings"
                if community_access.can_manage_community(request.user, community)
                else "communities:detail",
                slug=community.slug,
            )
        messages.success(request, _("You left %(name)s.") % {"name": community.name})
        return redirect("home")
    return render(request, "communities/community_leave.html", {"community": community})


@login_required
@require_POST
def community_member_remove(request: AuthedRequest, slug: str, member_id: int) -> HttpResponse:
    community = community_for(request, slug)
    membership = get_object_or_404(
        CommunityMembership.objects.select_related("user"), pk=member_id, community=community
    )
    try:
        services.community_member_remove(actor=request.user, membership=membership)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    if is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("%(name)s was removed from the community.") % {"name": membership.user.name})
    return redirect("communities:members", slug=community.slug)


# --- Circles ------------------------------------------------------------------------------------


@login_required
def circle_create(request: AuthedRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug)
    if not community_access.can_create_circle(request.user, community):
        return forbidden(request, _("Only organizers can create circles in this community."))
    initial = {"timezone": getattr(request.user, "timezone", "UTC")}
    form = CircleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            circle = services.circle_create(community=community, creator=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Circle created. Invite your peers next."))
            return redirect("circles:members", community=community.slug, circle=circle.slug)
    return render(
        request,
        "circles/circle_create.html",
        {"community": community, "form": form},
        status=400 if form.errors else 200,
    )


def _circle_context(request: AuthedRequest, circle: Circle) -> dict[str, object]:
    membership = access.membership_in(request.user, circle)
    can_see_members = access.can_see_members(request.user, circle)
    return {
        "community": circle.community,
        "circle": circle,
        "membership": membership,
        "charter_html": render_markdown(circle.charter),
        "can_manage": access.can_manage_circle(request.user, circle),
        "can_see_members": can_see_members,
        "can_join": access.can_join(request.user, circle),
        "members": selectors.circle_members(circle=circle) if can_see_members else None,
        "is_full": circle.memberships.seated().count() >= circle.size_cap,
    }


@login_required
def circle_detail(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = circle_for(request, community, circle)
    context = _circle_context(request, found)
    context["accept_form"] = AcceptInvitationForm()
    return render(request, "circles/circle_detail.html", context)


@login_required
def circle_edit(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = circle_for(request, community, circle)
    if not access.can_manage_circle(request.user, found):
        return forbidden(request, _("Only the facilitator or an organizer can change this circle."))
    form = CircleForm(request.POST or None, instance=Circle.objects.get(pk=found.pk))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("name", None)
        try:
            services.circle_update(circle=found, actor=request.user, name=form.cleaned_data["name"], **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Circle saved."))
            return _to_circle(found)
    return render(
        request,
        "circles/circle_edit.html",
        {"community": found.community, "circle": found, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def circle_members(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = circle_for(request, community, circle)
    if not access.can_see_members(request.user, found):
        return forbidden(request, _("Only members of this circle can see who is in it."))
    invite_form = CircleInviteForm()
    status = 200
    if request.method == "POST":
        if not access.can_manage_circle(request.user, found):
            return forbidden(
                request, _("Only the facilitator or an organizer can invite people to this circle.")
            )
        invite_form = CircleInviteForm(request.POST)
        if invite_form.is_valid():
            try:
                services.circle_invite(circle=found, actor=request.user, **invite_form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(invite_form, exc)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invite_form.cleaned_data["email"]}
                )
                return redirect("circles:members", community=found.community.slug, circle=found.slug)
        status = 400
    context = _circle_context(request, found)
    context.update({"invite_form": invite_form, "decision_form": DecisionForm(), "remove_form": RemoveForm()})
    return render(request, "circles/circle_members.html", context, status=status)


@login_required
def circle_join(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = circle_for(request, community, circle)
    if not access.can_join(request.user, found):
        membership = access.membership_in(request.user, found)
        if membership is not None and (
            membership.is_seated
            or membership.status
            in (MembershipStatus.REQUESTED, MembershipStatus.WAITLISTED, MembershipStatus.INVITED)
        ):
            return _to_circle(found)
        return forbidden(request, _("This circle takes new members by invitation only."))
    questions = found.application_questions if found.join_policy == JoinPolicy.REQUEST else []
    form = JoinForm(request.POST or None, questions=questions, answers_required=True)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_request_join(
                circle=found,
                user=request.user,
                answers=form.answers(),
                charter_accepted=form.cleaned_data["accept_charter"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        else:
            joined_messages: dict[str, str] = {
                MembershipStatus.ACTIVE: _("Welcome to %(circle)s!"),
                MembershipStatus.WAITLISTED: _("%(circle)s is full. You are on the waitlist."),
                MembershipStatus.REQUESTED: _("Your request to join %(circle)s was sent to its facilitator."),
            }
            messages.success(request, joined_messages[membership.status] % {"circle": found.name})
            return _to_circle(found)
    context = _circle_context(request, found)
    context["form"] = form
    return render(request, "circles/circle_join.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def circle_accept_invitation(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = circle_for(request, community, circle)
    form = AcceptInvitationForm(request.POST)
    form.is_valid()
    try:
        membership = services.membership_accept_invitation(
            circle=found, user=request.user, charter_accepted=form.cleaned_data.get("accept_charter", False)
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        add_service_errors(form, exc)
        context = _circle_context(request, found)
        context["accept_form"] = form
        return render(request, "circles/circle_detail.html", context, status=400)
    if membership.status == MembershipStatus.ACTIVE:
        messages.success(request, _("Welcome to %(circle)s!") % {"circle": found.name})
    else:
        messages.info(
            request, _("%(circle)s is full right now. You are on the waitlist.") % {"circle": found.name}
        )
    return _to_circle(found)


@login_required
@require_POST
def circle_decline_invitation(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = circle_for(request, community, circle)
    try:
        services.membership_decline_invitation(circle=found, user=request.user)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    messages.info(request, _("You declined the invitation to %(circle)s.") % {"circle": found.name})
    return redirect("home")


@login_required
def circle_leave(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = circle_for(request, community, circle)
    if request.method == "POST":
        try:
            services.membership_leave(circle=found, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _to_circle(found)
        messages.success(request, _("You left %(circle)s.") % {"circle": found.name})
        return redirect("communities:detail", slug=found.community.slug)
    return render(request, "circles/circle_leave.html", {"community": found.community, "circle": found})


def _member_action_response(request: AuthedRequest, circle: Circle, membership: Membership) -> HttpResponse:
    if is_htmx(request):
        membership.refresh_from_db()
        context = _circle_context(request, circle)
        context.update({"m": membership, "decision_form": DecisionForm(), "remove_form": RemoveForm()})
        return render(request, "circles/circle_members.html#member-row", context)
    return redirect("circles:members", community=circle.community.slug, circle=circle.slug)


def _circle_membership(circle: Circle, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "circle"), pk=membership_id, circle=circle
    )


@login_required
@require_POST
def membership_decide(
    request: AuthedRequest, community: str, circle: str, membership_id: int
) -> HttpResponse:
    found = circle_for(request, community, circle)
    membership = _circle_membership(found, membership_id)
    if not access.can_manage_circle(request.user, found):
        return forbidden(request, _("Only the facilitator or an organizer can decide on requests."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", {"reason": _("Choose approve or decline.")}, status=400)
    try:
        result = services.membership_decide(
            actor=request.user,
            membership=membership,
            approve=form.cleaned_data["decision"] == "approve",
            message=form.cleaned_data["message"],
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _member_action_response(request, found, membership)
    if not is_htmx(request):
        decided_messages: dict[str, str] = {
            MembershipStatus.ACTIVE: _("%(name)s joined the circle."),
            MembershipStatus.WAITLISTED: _("The circle is full; %(name)s is on the waitlist."),
            MembershipStatus.DECLINED: _("You declined %(name)s's request."),
        }
        messages.success(request, decided_messages[result.status] % {"name": result.user.name})
    return _member_action_response(request, found, result)


@login_required
@require_POST
def membership_remove(
    request: AuthedRequest, community: str, circle: str, membership_id: int
) -> HttpResponse:
    found = circle_for(request, community, circle)
    membership = _circle_membership(found, membership_id)
    form = RemoveForm(request.POST)
    form.is_valid()
    try:
        services.membership_remove(
            actor=request.user, membership=membership, message=form.cleaned_data.get("message", "")
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s was removed from the circle.") % {"name": membership.user.name})
    return redirect("circles:members", community=found.community.slug, circle=found.slug)


@login_required
@require_POST
def membership_role(request: AuthedRequest, community: str, circle: str, membership_id: int) -> HttpResponse:
    found = circle_for(request, community, circle)
    membership = _circle_membership(found, membership_id)
    try:
        services.membership_set_role(
            actor=request.user, membership=membership, role=request.POST.get("role", "")
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _member_action_response(request, found, membership)


# --- Invitation links ---------------------------------------------------------------------------


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Landing page of an invitation link or email. Anonymous visitors sign up or in first."""
    invitation = community_selectors.invitation_get_by_token(token=token)
    now = timezone.now()
    if invitation is None:
        raise Http404
    usable = invitation.is_usable(now)
    already_member = request.user.is_authenticated and community_access.can_view_community(
        request.user, invitation.community
    )
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except InvitationUnusable as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if invitation.circle is not None:
                messages.success(request, _("Welcome! Read the circle's charter to finish joining."))
                return _to_circle(invitation.circle)
            messages.success(request, _("Welcome to %(name)s!") % {"name": invitation.community.name})
            return redirect("communities:detail", slug=invitation.community.slug)
    if not request.user.is_authenticated:
        request.session["pending_next"] = request.path
        if usable and invitation.kind == InvitationKind.EMAIL:
            # Opening a personal invitation proves the address: signing up with it needs no second email.
            get_account_adapter(request).stash_verified_email(request, invitation.email)
    return render(
        request,
        "circles/invitation_accept.html",
        {
            "invitation": invitation,
            "usable": usable,
            "already_member": already_member,
            "wrong_email": bool(
                request.user.is_authenticated
                and invitation.kind == InvitationKind.EMAIL
                and invitation.email.lower() != request.user.email.lower()
            ),
        },
        status=200 if usable or already_member else 410,
    )


CHAT_SCOPE = "circle"


def _chat_manager(request: AuthedRequest, community: str, circle: str) -> tuple[Circle, HttpResponse | None]:
    found = circle_for(request, community, circle)
    if not access.can_manage_circle(request.user, found):
        return found, forbidden(
            request, _("Only the facilitator or an organizer can manage the circle's chat channel.")
        )
    return found, None


def _circle_target(circle: Circle, target_id: int) -> ChatTarget:
    return get_object_or_404(
        ChatTarget, pk=target_id, owner__isnull=True, scope=CHAT_SCOPE, scope_id=circle.pk
    )


@login_required
def circle_chat(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    """The circle's own chat channels: cycle opened, who is still missing, the digest."""
    found, refused = _chat_manager(request, community, circle)
    if refused:
        return refused
    form = ChatTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notification_services.chat_target_add(
                scope=CHAT_SCOPE,
                scope_id=found.pk,
                actor=request.user,
                url=form.cleaned_data["url"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Channel added. Send a test message to make sure it arrives."))
            return redirect("circles:chat", community=found.community.slug, circle=found.slug)
    targets = ChatTarget.objects.for_scope(CHAT_SCOPE, found.pk)
    return render(
        request,
        "circles/circle_chat.html",
        {
            "community": found.community,
            "circle": found,
            "form": form,
            "targets": with_action_urls(
                targets, "circles", community=found.community.slug, circle=found.slug
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def circle_chat_test(request: AuthedRequest, community: str, circle: str, target_id: int) -> HttpResponse:
    found, refused = _chat_manager(request, community, circle)
    if refused:
        return refused
    chat_test_send(request, _circle_target(found, target_id))
    return redirect("circles:chat", community=found.community.slug, circle=found.slug)


@login_required
@require_POST
def circle_chat_remove(request: AuthedRequest, community: str, circle: str, target_id: int) -> HttpResponse:
    found, refused = _chat_manager(request, community, circle)
    if refused:
        return refused
    target = _circle_target(found, target_id)
    name = str(target)
    notification_services.chat_target_remove(target=target, actor=request.user)
    messages.success(request, _("Channel %(target)s removed.") % {"target": name})
    return redirect("circles:chat", community=found.community.slug, circle=found.slug)
