"""Every write to circles and circle memberships (and the community exits that end them)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.circles import access
from peerpact.circles.models import (
    SEATED,
    Circle,
    CircleStatus,
    JoinPolicy,
    MemberRole,
    Membership,
    MembershipStatus,
)
from peerpact.communities import access as community_access
from peerpact.communities import services as community_services
from peerpact.communities.models import (
    Community,
    CommunityInvitation,
    CommunityMembership,
    CommunityRole,
    InvitationKind,
)
from peerpact.notifications import events
from peerpact.notifications.models import Channel
from peerpact.notifications.notify import notify

User = get_user_model()

CIRCLE_FIELDS = (
    "name",
    "purpose",
    "description",
    "charter",
    "size_cap",
    "timezone",
    "visibility",
    "join_policy",
    "application_questions",
    "status",
    "pilot_tag",
    "allow_anonymous_feedback",
    "pulse_every_cycles",
)


class CircleFull(ValidationError):
    pass


def _clean_questions(questions: list[str]) -> list[str]:
    cleaned = [q.strip() for q in questions if q and q.strip()]
    if len(cleaned) > 10:
        raise ValidationError(_("Ask at most 10 application questions."))
    return cleaned


def circle_create(
    *, community: Community, creator: Any, name: str, facilitate: bool = True, **fields: Any
) -> Circle:
    """Create a circle in a community; the creator facilitates it unless they are only organizing."""
    if not community_access.can_create_circle(creator, community):
        raise PermissionDenied(_("Only organizers can create circles in this community."))
    unknown = set(fields) - set(CIRCLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown circle fields: {sorted(unknown)}")
    fields["application_questions"] = _clean_questions(fields.get("application_questions", []))
    with transaction.atomic():
        circle = Circle(
            community=community,
            name=name.strip(),
            created_by=creator,
            slug=community_services.unique_slug(name, community.circles.all(), fallback="circle"),
            **fields,
        )
        circle.full_clean()
        circle.save()
        if facilitate:
            now = timezone.now()
            Membership.objects.create(
                circle=circle,
                user=creator,
                role=MemberRole.FACILITATOR,
                status=MembershipStatus.ACTIVE,
                charter_accepted_at=now,
                joined_at=now,
                status_changed_at=now,
            )
        events.emit("circle.created", circle, community_id=community.pk)
    return circle


def circle_update(*, circle: Circle, actor: Any, **fields: Any) -> Circle:
    """Change a circle's settings. A changed charter is dated so members can re-accept it."""
    if not access.can_manage_circle(actor, circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can change this circle."))
    unknown = set(fields) - set(CIRCLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown circle fields: {sorted(unknown)}")
    if "application_questions" in fields:
        fields["application_questions"] = _clean_questions(fields["application_questions"])
    changed = [name for name, value in fields.items() if getattr(circle, name) != value]
    if "size_cap" in changed and fields["size_cap"] < circle.memberships.seated().count():
        raise ValidationError(
            {
                "size_cap": _(
                    "The circle already has more members than that. Lower the cap after people leave."
                )
            }
        )
    for name in changed:
        setattr(circle, name, fields[name])
    if "charter" in changed:
        circle.charter_updated_at = timezone.now()
        changed.append("charter_updated_at")
    circle.full_clean()
    if changed:
        circle.save(update_fields=changed)
        events.emit("circle.updated", circle, community_id=circle.community_id)
    if "charter" in changed:
        # Whoever wrote the new charter has accepted it; everyone else is asked again (safety app).
        Membership.objects.filter(circle=circle, user=actor, status__in=SEATED).update(
            charter_accepted_at=circle.charter_updated_at
        )
        circle.__dict__.pop("_membership_cache", None)
    return circle


def _seats_taken(circle: Circle) -> int:
    return Membership.objects.filter(circle=circle, status__in=SEATED).count()


def _lock(circle: Circle) -> Circle:
    """Lock the circle row so two joins cannot both take the last seat."""
    return Circle.objects.select_for_update().get(pk=circle.pk)


def _set_status(membership: Membership, status: str, **extra: Any) -> Membership:
    now = timezone.now()
    was_seated = membership.is_seated
    membership.status = status
    membership.status_changed_at = now
    fields = ["status", "status_changed_at"]
    first_seat = status == MembershipStatus.ACTIVE and membership.joined_at is None
    if first_seat:
        membership.joined_at = now
        fields.append("joined_at")
    for name, value in extra.items():
        setattr(membership, name, value)
        fields.append(name)
    membership.save(update_fields=fields)
    membership.circle.__dict__.pop("_membership_cache", None)
    if first_seat:
        _notify_charter_welcome(membership)
        events.emit("member.joined", membership, community_id=membership.circle.community_id)
    elif was_seated and not membership.is_seated:
        events.emit("member.left", membership, community_id=membership.circle.community_id)
    return membership


def _notify_charter_welcome(membership: Membership) -> None:
    """A new member gets the charter they accepted, to keep (kind circle.charter). In-app only: the
    invitation or decision email has just welcomed them."""
    circle = membership.circle
    notify(
        channels=(Channel.INAPP,),
        recipient=membership.user,
        kind="circle.charter",
        template="emails/circle_charter",
        due_at=timezone.now(),
        url=_circle_url(circle),
        dedupe_key=f"circle.charter:welcome:{membership.pk}",
        context={"title": circle.name, "circle": circle.name, "changed": False, "charter": circle.charter},
    )


def _seat_or_waitlist(circle: Circle, membership: Membership, **extra: Any) -> Membership:
    """Seat the member if there is room, otherwise put them on the waitlist (call inside atomic)."""
    _lock(circle)
    status = (
        MembershipStatus.ACTIVE if _seats_taken(circle) < circle.size_cap else MembershipStatus.WAITLISTED
    )
    return _set_status(membership, status, **extra)


def _circle_url(circle: Circle) -> str:
    return reverse("circles:detail", kwargs={"community": circle.community.slug, "circle": circle.slug})


def circle_invite(
    *, circle: Circle, actor: Any, email: str, message: str = ""
) -> Membership | CommunityInvitation:
    """Invite someone by email. Community members get a circle invitation; others a community one too."""
    if not access.can_manage_circle(actor, circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can invite people to this circle."))
    if circle.is_archived:
        raise ValidationError(_("An archived circle cannot take new members."))
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    in_community = user is not None and community_access.can_view_community(user, circle.community)
    if not in_community:
        return community_services.invitation_create(
            community=circle.community,
            actor=actor,
            kind=InvitationKind.EMAIL,
            email=email,
            circle=circle,
            message=message,
        )
    assert user is not None
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(circle=circle, user=user).first()
        if membership is not None and (membership.is_seated or membership.status == MembershipStatus.INVITED):
            raise ValidationError(_("%(name)s is already in this circle or invited.") % {"name": user.name})
        if membership is None:
            membership = Membership(circle=circle, user=user)
        membership.invited_by = actor
        membership.decision_message = message.strip()
        membership.status = MembershipStatus.INVITED
        membership.status_changed_at = timezone.now()
        membership.full_clean(exclude=["circle", "user"])
        membership.save()
        _notify_invited(membership)
    return membership


def _notify_invited(membership: Membership) -> None:
    """Tell an existing community member about a circle invitation (in the same transaction)."""
    circle = membership.circle
    notify(
        recipient=membership.user,
        kind="circle.invitation",
        template="emails/circle_invitation",
        due_at=timezone.now(),
        url=_circle_url(circle),
        dedupe_key=f"circle.invitation:{membership.pk}:{_stamp(membership)}",
        context={
            "title": circle.name,
            "circle": circle.name,
            "note": membership.decision_message,
            "inviter": membership.invited_by.name if membership.invited_by else "",
        },
    )


def _stamp(membership: Membership) -> str:
    return f"{(membership.status_changed_at or membership.created_at).timestamp():.6f}"


def invitation_accept(*, invitation: CommunityInvitation, user: Any) -> CommunityMembership:
    """Accept a community invitation; one that names a circle also invites into that circle."""
    with transaction.atomic():
        membership = community_services.invitation_redeem(invitation=invitation, user=user)
        circle = invitation.circle
        if circle is not None and not circle.is_archived:
            existing = Membership.objects.filter(circle=circle, user=user).first()
            if existing is None:
                Membership.objects.create(
                    circle=circle,
                    user=user,
                    status=MembershipStatus.INVITED,
                    invited_by=invitation.created_by,
                    decision_message=invitation.message,
                    status_changed_at=timezone.now(),
                )
            elif not existing.is_seated and existing.status != MembershipStatus.INVITED:
                _set_status(existing, MembershipStatus.INVITED, invited_by=invitation.created_by)
    return membership


def membership_accept_invitation(*, circle: Circle, user: Any, charter_accepted: bool) -> Membership:
    """Accept a circle invitation (and its charter): join now, or wait for a seat when full."""
    if not charter_accepted:
        raise ValidationError({"accept_charter": _("Please read and accept the charter to join.")})
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(circle=circle, user=user, status=MembershipStatus.INVITED)
            .first()
        )
        if membership is None:
            raise PermissionDenied(_("There is no open invitation to this circle for you."))
        return _seat_or_waitlist(circle, membership, charter_accepted_at=timezone.now())


def membership_decline_invitation(*, circle: Circle, user: Any) -> Membership:
    """Say no to a circle invitation."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(circle=circle, user=user, status=MembershipStatus.INVITED)
            .first()
        )
        if membership is None:
            raise PermissionDenied(_("There is no open invitation to this circle for you."))
        return _set_status(membership, MembershipStatus.DECLINED)


def membership_request_join(
    *, circle: Circle, user: Any, answers: list[str], charter_accepted: bool
) -> Membership:
    """Join an open circle, or ask to join one that reviews requests. Full circles waitlist."""
    if not access.can_join(user, circle):
        raise PermissionDenied(_("This circle is not taking requests from you."))
    if not charter_accepted:
        raise ValidationError({"accept_charter": _("Please read and accept the charter to join.")})
    questions = circle.application_questions or []
    answers = [a.strip() for a in answers][: len(questions)]
    if circle.join_policy == JoinPolicy.REQUEST and any(
        not a for a in answers + [""] * (len(questions) - len(answers))
    ):
        raise ValidationError({"answers": _("Please answer every question; a sentence is plenty.")})
    with transaction.atomic():
        membership, _created = Membership.objects.select_for_update().get_or_create(
            circle=circle, user=user, defaults={"status": MembershipStatus.REQUESTED}
        )
        was_removed = membership.status == MembershipStatus.REMOVED
        extra = {
            "charter_accepted_at": timezone.now(),
            "application_answers": [
                {"question": q, "answer": a} for q, a in zip(questions, answers, strict=False)
            ],
            "role": MemberRole.MEMBER,
            "decision_message": "",
        }
        # Someone removed from an open circle has to ask again rather than walk back in.
        if circle.join_policy == JoinPolicy.OPEN and not was_removed:
            membership = _seat_or_waitlist(circle, membership, **extra)
        else:
            membership = _set_status(membership, MembershipStatus.REQUESTED, **extra)
        if membership.status == MembershipStatus.REQUESTED:
            _notify_facilitators_of_request(membership)
    return membership


def _notify_facilitators_of_request(membership: Membership) -> None:
    facilitators = Membership.objects.filter(
        circle=membership.circle, role=MemberRole.FACILITATOR, status__in=SEATED
    ).select_related("user")
    circle = membership.circle
    for facilitator in facilitators:
        notify(
            recipient=facilitator.user,
            kind="circle.request",
            template="emails/join_request",
            due_at=timezone.now(),
            url=_circle_url(circle) + "members/",
            dedupe_key=f"circle.request:{membership.pk}:{_stamp(membership)}:{facilitator.pk}",
            context={
                "title": circle.name,
                "circle": circle.name,
                "requester": membership.user.name,
                "answers": membership.application_answers,
            },
        )


def membership_decide(*, actor: Any, membership: Membership, approve: bool, message: str = "") -> Membership:
    """Approve or decline a join request (or admit someone from the waitlist)."""
    circle = membership.circle
    if not access.can_manage_circle(actor, circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can decide on requests."))
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().select_related("circle", "user").get(pk=membership.pk)
        )
        if membership.status not in (MembershipStatus.REQUESTED, MembershipStatus.WAITLISTED):
            raise ValidationError(_("This request has already been decided."))
        if not approve:
            result = _set_status(membership, MembershipStatus.DECLINED, decision_message=message.strip())
        else:
            _lock(circle)
            if _seats_taken(circle) >= circle.size_cap:
                if membership.status == MembershipStatus.WAITLISTED:
                    raise CircleFull(
                        _("The circle is full. Raise the size cap or wait until someone leaves.")
                    )
                result = _set_status(
                    membership, MembershipStatus.WAITLISTED, decision_message=message.strip()
                )
            else:
                result = _set_status(membership, MembershipStatus.ACTIVE, decision_message=message.strip())
        _notify_decision(result)
    return result


def _notify_decision(membership: Membership) -> None:
    circle = membership.circle
    notify(
        recipient=membership.user,
        kind="circle.decision",
        template="emails/join_decision",
        due_at=timezone.now(),
        url=_circle_url(circle),
        dedupe_key=f"circle.decision:{membership.pk}:{_stamp(membership)}",
        context={
            "title": circle.name,
            "circle": circle.name,
            "status": membership.status,
            "note": membership.decision_message,
        },
    )


def _fill_from_waitlist(circle: Circle) -> None:
    """In open circles a freed seat goes to whoever has waited longest (call inside atomic)."""
    if circle.join_policy != JoinPolicy.OPEN:
        return
    _lock(circle)
    free = circle.size_cap - _seats_taken(circle)
    waiting = list(
        Membership.objects.filter(circle=circle, status=MembershipStatus.WAITLISTED).order_by(
            "status_changed_at", "pk"
        )[: max(free, 0)]
    )
    for membership in waiting:
        _set_status(membership, MembershipStatus.ACTIVE)


def membership_leave(*, circle: Circle, user: Any) -> Membership:
    """Leave a circle (or withdraw a request or waitlist place)."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(circle=circle, user=user).first()
        if membership is None or not (
            membership.is_seated
            or membership.status in (MembershipStatus.REQUESTED, MembershipStatus.WAITLISTED)
        ):
            raise ValidationError(_("You are not in this circle."))
        if (
            membership.is_facilitator
            and not Membership.objects.filter(circle=circle, role=MemberRole.FACILITATOR, status__in=SEATED)
            .exclude(pk=membership.pk)
            .exists()
            and Membership.objects.filter(circle=circle, status__in=SEATED).exclude(pk=membership.pk).exists()
        ):
            raise ValidationError(
                _("You are the only facilitator. Make someone else facilitator before you leave.")
            )
        was_seated = membership.is_seated
        result = _set_status(membership, MembershipStatus.LEFT, role=MemberRole.MEMBER)
        if was_seated:
            _fill_from_waitlist(circle)
    return result


def membership_remove(*, actor: Any, membership: Membership, message: str = "") -> Membership:
    """Remove someone from a circle (facilitator or organizer)."""
    circle = membership.circle
    if not access.can_manage_circle(actor, circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can remove members."))
    if membership.user_id == actor.pk:
        raise ValidationError(_("To leave the circle yourself, use Leave."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("circle").get(pk=membership.pk)
        if membership.status in (MembershipStatus.REMOVED, MembershipStatus.LEFT, MembershipStatus.DECLINED):
            raise ValidationError(_("This person is no longer in the circle."))
        was_seated = membership.is_seated
        result = _set_status(
            membership, MembershipStatus.REMOVED, role=MemberRole.MEMBER, decision_message=message.strip()
        )
        if was_seated:
            _fill_from_waitlist(circle)
    return result


def membership_set_role(*, actor: Any, membership: Membership, role: str) -> Membership:
    """Make a seated member facilitator, or hand the role back."""
    circle = membership.circle
    if not access.can_manage_circle(actor, circle):
        raise PermissionDenied(_("Only the facilitator or an organizer can change roles."))
    if role not in MemberRole.values:
        raise ValidationError(_("Unknown role."))
    if not membership.is_seated:
        raise ValidationError(_("Only members of the circle can hold a role."))
    if role == MemberRole.MEMBER and membership.role == MemberRole.FACILITATOR:
        others = Membership.objects.filter(
            circle=circle, role=MemberRole.FACILITATOR, status__in=SEATED
        ).exclude(pk=membership.pk)
        if not others.exists() and not community_access.is_community_manager(actor, circle.community):
            raise ValidationError(_("A circle needs at least one facilitator."))
    membership.role = role
    membership.save(update_fields=["role"])
    circle.__dict__.pop("_membership_cache", None)
    return membership


def _end_circle_memberships(community: Community, user: Any) -> None:
    memberships = Membership.objects.filter(circle__community=community, user=user).exclude(
        status__in=[MembershipStatus.LEFT, MembershipStatus.REMOVED, MembershipStatus.DECLINED]
    )
    for membership in memberships.select_related("circle"):
        was_seated = membership.is_seated
        _set_status(membership, MembershipStatus.LEFT, role=MemberRole.MEMBER)
        if was_seated:
            _fill_from_waitlist(membership.circle)


def community_leave(*, community: Community, user: Any) -> None:
    """Leave a community and all its circles. The owner must transfer ownership first."""
    membership = CommunityMembership.objects.filter(community=community, user=user).first()
    if membership is None:
        raise ValidationError(_("You are not a member of this community."))
    if membership.role == CommunityRole.OWNER:
        raise ValidationError(_("You own this community. Transfer ownership before you leave."))
    with transaction.atomic():
        _end_circle_memberships(community, user)
        membership.delete()
    community.__dict__.pop("_membership_cache", None)


def community_member_remove(*, actor: Any, membership: CommunityMembership) -> None:
    """Remove someone from a community and all its circles."""
    if not community_access.can_change_member(actor, membership):
        raise PermissionDenied(_("You cannot remove this member."))
    with transaction.atomic():
        _end_circle_memberships(membership.community, membership.user)
        membership.delete()
    membership.community.__dict__.pop("_membership_cache", None)


def circle_set_status(*, circle: Circle, actor: Any, status: str) -> Circle:
    """Move a circle between forming, active, paused and archived."""
    if status not in CircleStatus.values:
        raise ValidationError(_("Unknown status."))
    return circle_update(circle=circle, actor=actor, status=status)
