"""Every write for comments, feedback, kudos, help offers and resolutions.

Each write that reaches another person records a `PeerActivity` for them; `peer_activity_send` (see
peerpact/feedback/batching.py) gathers those into one message per person.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.checkins.models import Checkin
from peerpact.feedback import access
from peerpact.feedback.models import (
    BODY_MAX,
    PROMPT_MAX,
    ActivityKind,
    Comment,
    Feedback,
    HelpOffer,
    HelpResolution,
    Kudos,
    PeerActivity,
    Reaction,
)
from peerpact.feedback.selectors import KudosSubject
from peerpact.lib.text import refuse_nul
from peerpact.notifications import events

# A comment identical to one the same person posted on the same check-in this recently is a double
# submit (a second click, a resent form, a retry) and is not added again.
DUPLICATE_COMMENT_WINDOW = timedelta(seconds=10)


def blocked_message() -> str:
    return _(
        "You can't reach this member here: comments, feedback, kudos and help offers are not possible "
        "between the two of you."
    )


def checkin_url(checkin: Checkin, anchor: str = "") -> str:
    circle = checkin.membership.circle
    url = reverse(
        "checkins:checkin-detail",
        kwargs={"community": circle.community.slug, "circle": circle.slug, "checkin_id": checkin.pk},
    )
    return f"{url}#{anchor}" if anchor else url


def _check_thread(actor: Any, checkin: Checkin, *, refusal: str) -> None:
    """The shared rules: a submitted check-in the actor may read, a seat in the circle, no block."""
    if not access.can_view_thread(actor, checkin):
        raise PermissionDenied(_("You can't see this check-in."))
    if not access.is_peer(actor, checkin.membership.circle):
        raise PermissionDenied(refusal)
    if not access.can_reach(actor, checkin.membership.user):
        raise PermissionDenied(blocked_message())


def _record(
    *,
    recipient: Any,
    actor: Any,
    circle_id: int,
    kind: str,
    object_id: int,
    url: str,
    anonymous: bool = False,
    now: datetime,
) -> PeerActivity | None:
    """Queue an item for the batched notification; never for one's own doings or across a block."""
    if recipient.pk == actor.pk or not access.can_reach(actor, recipient):
        return None
    return PeerActivity.objects.create(
        recipient=recipient,
        actor=actor,
        circle_id=circle_id,
        kind=kind,
        object_id=object_id,
        anonymous=anonymous,
        url=url,
        created_at=now,
    )


def _clean_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    refuse_nul(**{field: text})
    if required and not text:
        raise ValidationError({field: _("Write something first.")})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("Keep it under %(limit)s characters (this has %(n)s).")
                % {"limit": limit, "n": len(text)}
            }
        )
    return text


# --- Comments -------------------------------------------------------------------------------------


def comment_add(*, checkin: Checkin, actor: Any, body: str, now: datetime | None = None) -> Comment:
    """Add a comment to a check-in's thread (the owner may reply in it too). The same text from the same
    person within DUPLICATE_COMMENT_WINDOW returns that comment instead of adding it twice."""
    now = now or timezone.now()
    _check_thread(actor, checkin, refusal=_("Only members of this circle can comment on check-ins."))
    text = _clean_text(body, field="body", limit=BODY_MAX)
    with transaction.atomic():
        # Lock the check-in so two simultaneous submits of one comment see each other.
        list(Checkin.objects.select_for_update().filter(pk=checkin.pk).values_list("pk", flat=True))
        duplicate = (
            Comment.objects.filter(
                checkin=checkin, author=actor, body=text, created_at__gte=now - DUPLICATE_COMMENT_WINDOW
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if duplicate is not None:
            return duplicate
        comment = Comment.objects.create(checkin=checkin, author=actor, body=text, created_at=now)
        _record(
            recipient=checkin.membership.user,
            actor=actor,
            circle_id=checkin.membership.circle_id,
            kind=ActivityKind.COMMENT,
            object_id=comment.pk,
            url=checkin_url(checkin, f"comment-{comment.pk}"),
            now=now,
        )
        events.emit("comment.added", comment, community_id=checkin.membership.circle.community_id, at=now)
    return comment


def comment_edit(*, comment: Comment, actor: Any, body: str, now: datetime | None = None) -> Comment:
    """The author corrects their comment; it is marked as edited."""
    if comment.author_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person who wrote a comment can edit it."))
    if not comment.is_visible:
        raise PermissionDenied(_("A moderator has hidden this comment; it can no longer be edited."))
    text = _clean_text(body, field="body", limit=BODY_MAX)
    if text != comment.body:
        comment.body = text
        comment.edited_at = now or timezone.now()
        comment.save(update_fields=["body", "edited_at"])
    return comment


# --- Feedback -------------------------------------------------------------------------------------


def feedback_give(
    *,
    checkin: Checkin,
    actor: Any,
    worked: str = "",
    suggestion: str = "",
    question: str = "",
    anonymous: bool = False,
    now: datetime | None = None,
) -> Feedback:
    """Give guided feedback on a peer's check-in: what worked, one suggestion, a question."""
    now = now or timezone.now()
    _check_thread(actor, checkin, refusal=_("Only members of this circle can give feedback."))
    if access.is_owner(actor, checkin):
        raise PermissionDenied(_("Feedback is for your peers' check-ins, not your own."))
    circle = checkin.membership.circle
    answers = {
        name: _clean_text(value, field=name, limit=PROMPT_MAX, required=False)
        for name, value in (("worked", worked), ("suggestion", suggestion), ("question", question))
    }
    if not any(answers.values()):
        raise ValidationError(_("Answer at least one of the three prompts."))
    if anonymous and not circle.allow_anonymous_feedback:
        raise ValidationError({"anonymous": _("This circle does not take anonymous feedback.")})
    with transaction.atomic():
        feedback = Feedback.objects.create(
            checkin=checkin, author=actor, anonymous=anonymous, created_at=now, **answers
        )
        _record(
            recipient=checkin.membership.user,
            actor=actor,
            circle_id=circle.pk,
            kind=ActivityKind.FEEDBACK,
            object_id=feedback.pk,
            url=checkin_url(checkin, f"feedback-{feedback.pk}"),
            anonymous=anonymous,
            now=now,
        )
        events.emit("feedback.given", feedback, community_id=circle.community_id, at=now)
    return feedback


def feedback_mark_helpful(
    *, feedback: Feedback, actor: Any, helpful: bool = True, now: datetime | None = None
) -> Feedback:
    """The check-in's owner says this feedback helped (or takes that back)."""
    if not access.is_owner(actor, feedback.checkin):
        raise PermissionDenied(_("Only the person who received this feedback can mark it helpful."))
    if not feedback.is_visible:
        raise PermissionDenied(_("A moderator has hidden this feedback."))
    value = (now or timezone.now()) if helpful else None
    if (feedback.helpful_at is None) != (value is None):
        feedback.helpful_at = value
        feedback.save(update_fields=["helpful_at"])
    return feedback


# --- Kudos ----------------------------------------------------------------------------------------


def kudos_toggle(
    *, subject: KudosSubject, actor: Any, reaction: str, give: bool | None = None, now: datetime | None = None
) -> bool:
    """Give a reaction, or take it back if already given. Returns True if it is now given.

    `give` names the state wanted (True: given, False: taken back), so a form sent twice or from two tabs
    settles on what the person saw and meant instead of flipping twice; None flips the current state."""
    now = now or timezone.now()
    if reaction not in Reaction.values:
        raise ValidationError({"reaction": _("Choose one of the reactions offered.")})
    if not access.is_peer(actor, subject.circle):
        raise PermissionDenied(_("Only members of this circle can give kudos."))
    if subject.owner.pk == actor.pk:
        raise PermissionDenied(_("Kudos are for your peers; cheering yourself on happens elsewhere."))
    if not access.can_reach(actor, subject.owner):
        raise PermissionDenied(blocked_message())
    key = {"author": actor, "target_kind": subject.kind, "target_id": subject.id, "reaction": reaction}
    with transaction.atomic():
        existing = Kudos.objects.select_for_update().filter(**key).first()
        if give is not None and give == (existing is not None):
            return give  # already as wanted: nothing to do
        if existing is not None:
            # Taken back before the batch went out: the person is not told about it.
            PeerActivity.objects.unsent().filter(kind=ActivityKind.KUDOS, object_id=existing.pk).delete()
            existing.delete()
            return False
        try:
            with transaction.atomic():
                kudos = Kudos.objects.create(circle=subject.circle, created_at=now, **key)
        except IntegrityError:  # a double click raced us: it is given either way
            return True
        _record(
            recipient=subject.owner,
            actor=actor,
            circle_id=subject.circle.pk,
            kind=ActivityKind.KUDOS,
            object_id=kudos.pk,
            url=subject.url,
            now=now,
        )
    return True


# --- Help requests --------------------------------------------------------------------------------


def help_offer(*, checkin: Checkin, actor: Any, message: str = "", now: datetime | None = None) -> HelpOffer:
    """ "I can help": answer a peer's open help request."""
    now = now or timezone.now()
    _check_thread(actor, checkin, refusal=_("Only members of this circle can offer help."))
    if access.is_owner(actor, checkin):
        raise PermissionDenied(_("This is your own help request."))
    if not checkin.help_request:
        raise ValidationError(_("This check-in does not ask for help."))
    if HelpResolution.objects.filter(checkin=checkin).exists():
        raise ValidationError(_("This help request is already resolved. Thank you all the same!"))
    text = _clean_text(message, field="message", limit=PROMPT_MAX, required=False)
    with transaction.atomic():
        offer, created = HelpOffer.objects.get_or_create(
            checkin=checkin, helper=actor, defaults={"message": text, "created_at": now}
        )
        if not created:
            raise ValidationError(_("You have already offered to help with this. Thank you!"))
        _record(
            recipient=checkin.membership.user,
            actor=actor,
            circle_id=checkin.membership.circle_id,
            kind=ActivityKind.HELP_OFFER,
            object_id=offer.pk,
            url=checkin_url(checkin, "help"),
            now=now,
        )
    return offer


def help_resolve(
    *, checkin: Checkin, actor: Any, note: str = "", now: datetime | None = None
) -> HelpResolution:
    """The member who asked marks their help request resolved."""
    if not access.is_owner(actor, checkin):
        raise PermissionDenied(_("Only the member who asked for help can mark it resolved."))
    if not checkin.help_request:
        raise ValidationError(_("This check-in does not ask for help."))
    text = _clean_text(note, field="note", limit=500, required=False)
    defaults = {"resolved_by": actor, "resolved_at": now or timezone.now(), "note": text}
    resolution, created = HelpResolution.objects.get_or_create(checkin=checkin, defaults=defaults)
    if created:
        events.emit("help.resolved", resolution, community_id=checkin.membership.circle.community_id)
    return resolution


def help_reopen(*, checkin: Checkin, actor: Any) -> None:
    """Undo a resolution (the member clicked too soon)."""
    if not access.is_owner(actor, checkin):
        raise PermissionDenied(_("Only the member who asked for help can reopen it."))
    deleted, _counts = HelpResolution.objects.filter(checkin=checkin).delete()
    if deleted:
        events.emit("help.reopened", checkin, community_id=checkin.membership.circle.community_id)
