"""Community pages that need nothing from circles: create, settings, members' roles, invitations.

The community home (which lists circles), leaving and removing members live in
circles.views: a page that joins two apps lives in the lower one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.communities import access, selectors, services
from peerpact.communities.forms import (
    CommunityForm,
    EmailInvitationForm,
    LinkInvitationForm,
    MemberRoleForm,
    TransferOwnershipForm,
)
from peerpact.communities.models import Community, CommunityInvitation, CommunityMembership, InvitationKind
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden, local_path
from peerpact.notifications.services import absolute_url


def community_for(request: HttpRequest, slug: str) -> Community:
    """The community if the user belongs to it; 404 otherwise (never reveal that it exists)."""
    community = selectors.community_get_for_user(user=request.user, slug=slug)
    if community is None:
        raise Http404
    return community


def _managed_community(request: AuthedRequest, slug: str) -> Community:
    community = community_for(request, slug)
    if not access.can_manage_community(request.user, community):
        raise PermissionDenied(_("Only owners and organizers can do this."))
    return community


@login_required
def community_create(request: AuthedRequest) -> HttpResponse:
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(creator=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your community is ready. Next, create its first circle."))
            return redirect("communities:detail", slug=community.slug)
    return render(request, "communities/community_create.html", {"form": form})


@login_required
def community_settings(request: AuthedRequest, slug: str) -> HttpResponse:
    try:
        community = _managed_community(request, slug)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    form = CommunityForm(request.POST or None, instance=community)
    if request.method == "POST" and form.is_valid():
        try:
            services.community_update(community=community, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("communities:settings", slug=community.slug)
    transfer_form = None
    if access.is_community_owner(request.user, community):
        transfer_form = TransferOwnershipForm(
            members=selectors.community_transfer_candidates(community=community, owner=request.user)
        )
    without_mfa, member_count = selectors.community_mfa_counts(community=community)
    return render(
        request,
        "communities/community_settings.html",
        {
            "community": community,
            "form": form,
            "transfer_form": transfer_form,
            "is_owner": access.is_community_owner(request.user, community),
            "owner_has_mfa": access.has_mfa(request.user),
            "without_mfa": without_mfa,
            "member_count": member_count,
        },
    )


@login_required
@require_POST
def community_require_mfa(request: AuthedRequest, slug: str) -> HttpResponse:
    """Settings → Two-factor authentication: the owner's switch."""
    community = community_for(request, slug)
    try:
        services.community_set_require_mfa(
            community=community, actor=request.user, require_mfa=request.POST.get("require_mfa") == "on"
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if community.require_mfa:
            messages.success(request, _("Two-factor authentication is now required of every member."))
        else:
            messages.success(request, _("Two-factor authentication is no longer required."))
    return redirect(f"{reverse('communities:settings', kwargs={'slug': community.slug})}#mfa")


@login_required
def community_mfa_required(request: AuthedRequest, slug: str) -> HttpResponse:
    """Where a member without a second factor lands in a community that requires one (the middleware
    sends them here): why, how to set it up, and the way back to the page they wanted."""
    community = community_for(request, slug)
    home = reverse("communities:detail", args=[community.slug])
    wanted = local_path(request, request.GET.get("next", ""), home)
    return render(
        request,
        "communities/mfa_required.html",
        {
            "community": community,
            "next": wanted,
            "missing": community.require_mfa and not access.has_mfa(request.user),
        },
    )


@login_required
@require_POST
def community_transfer(request: AuthedRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug)
    if not access.is_community_owner(request.user, community):
        return forbidden(request, _("Only the owner can transfer ownership."))
    form = TransferOwnershipForm(
        request.POST, members=selectors.community_transfer_candidates(community=community, owner=request.user)
    )
    if form.is_valid():
        try:
            services.community_transfer_ownership(
                actor=request.user, community=community, new_owner=form.cleaned_data["new_owner"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s now owns the community. You are an organizer.")
                % {"name": form.cleaned_data["new_owner"].name},
            )
            return redirect("communities:detail", slug=community.slug)
    return render(
        request,
        "communities/community_settings.html",
        {"community": community, "form": CommunityForm(instance=community), "transfer_form": form},
        status=400,
    )


@login_required
def community_members(request: AuthedRequest, slug: str) -> HttpResponse:
    community = community_for(request, slug)
    members = selectors.community_member_list(community=community)
    return render(
        request,
        "communities/community_members.html",
        {
            "community": community,
            "members": members,
            "can_manage": access.can_manage_community(request.user, community),
            "is_owner": access.is_community_owner(request.user, community),
        },
    )


@login_required
@require_POST
def community_member_role(request: AuthedRequest, slug: str, member_id: int) -> HttpResponse:
    community = community_for(request, slug)
    membership = get_object_or_404(
        CommunityMembership.objects.select_related("user"), pk=member_id, community=community
    )
    if not access.is_community_manager(request.user, community):
        return forbidden(request, _("Only the owner can appoint or demote organizers."))
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", {"reason": _("Choose a role.")}, status=400)
    try:
        services.community_member_set_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if is_htmx(request):
        return render(
            request,
            "communities/community_members.html#member-row",
            {
                "community": community,
                "m": membership,
                "can_manage": True,
                "is_owner": access.is_community_owner(request.user, community),
            },
        )
    messages.success(request, _("Role updated."))
    return redirect("communities:members", slug=community.slug)


@login_required
def community_invitations(request: AuthedRequest, slug: str) -> HttpResponse:
    try:
        community = _managed_community(request, slug)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    is_owner = access.is_community_owner(request.user, community)
    action = request.POST.get("action") if request.method == "POST" else None
    email_form = EmailInvitationForm(
        request.POST if action == "email" else None, can_invite_organizers=is_owner
    )
    link_form = LinkInvitationForm(request.POST if action == "link" else None)
    status = 200
    if action in ("email", "link"):
        form = email_form if action == "email" else link_form
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                invitation = services.invitation_create(
                    community=community,
                    actor=request.user,
                    kind=InvitationKind.EMAIL if action == "email" else InvitationKind.LINK,
                    **data,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                return forbidden(request, exc)
            else:
                if invitation.kind == InvitationKind.EMAIL:
                    messages.success(
                        request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                    )
                else:
                    messages.success(request, _("Link created. Copy it from the list below and share it."))
                return redirect("communities:invitations", slug=community.slug)
        status = 400
    invitations = [
        (inv, absolute_url(reverse("invitation-accept", kwargs={"token": inv.token})))
        for inv in selectors.invitation_list_open(community=community)
    ]
    return render(
        request,
        "communities/community_invitations.html",
        {
            "community": community,
            "email_form": email_form,
            "link_form": link_form,
            "invitations": invitations,
        },
        status=status,
    )


@login_required
@require_POST
def invitation_revoke(request: AuthedRequest, slug: str, invitation_id: int) -> HttpResponse:
    community = community_for(request, slug)
    invitation = get_object_or_404(CommunityInvitation, pk=invitation_id, community=community)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    if is_htmx(request):
        return HttpResponse("")
    messages.success(request, _("Invitation revoked."))
    return redirect("communities:invitations", slug=community.slug)
