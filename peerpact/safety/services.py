"""Every write of the safety app: reports, moderation (with its audit trail), concerns, blocks and
charter re-acceptance."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.circles.models import SEATED, Circle, MemberRole, Membership
from peerpact.communities.models import CommunityMembership
from peerpact.notifications.models import Message
from peerpact.notifications.notify import notifications_cancel, notify
from peerpact.safety import access, registry
from peerpact.safety.models import (
    Block,
    Concern,
    ConcernAddressee,
    ConcernEvent,
    ConcernEventKind,
    ConcernState,
    ModerationAction,
    ModerationActionKind,
    ModerationState,
    Report,
    ReportReason,
    ReportState,
)
from peerpact.safety.registry import ContentKind

logger = logging.getLogger(__name__)

# --- Reports ------------------------------------------------------------------------------------


def _kind(name: str) -> ContentKind:
    kind = registry.get(name)
    if kind is None:
        raise ValidationError(_("This kind of content cannot be reported."))
    return kind


def report_create(*, kind: str, obj: Any, reporter: Any, reason: str, details: str = "") -> Report:
    """Report content to the community's organizers. Reporting it again while open changes nothing."""
    content = _kind(kind)
    if not access.can_view_content(reporter, content, obj):
        raise PermissionDenied(_("You cannot see this content."))
    if not access.can_report(reporter, content, obj):
        raise PermissionDenied(_("You cannot report what you wrote yourself."))
    if reason not in ReportReason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    circle = content.circle_of(obj)
    existing = Report.objects.open().for_content(kind, obj.pk).filter(reporter=reporter).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            first = not Report.objects.open().for_content(kind, obj.pk).exists()
            report = Report.objects.create(
                kind=kind,
                object_id=obj.pk,
                circle=circle,
                community=circle.community,
                reporter=reporter,
                reason=reason,
                details=details.strip(),
            )
            if first:
                _notify_managers_of_report(report, content)
    except IntegrityError:
        # A double submit raced us to the same open report: it exists now, which is all we wanted.
        return Report.objects.open().for_content(kind, obj.pk).get(reporter=reporter)
    return report


def _managers(community: Any) -> list[Any]:
    rows = CommunityMembership.objects.filter(community=community, role__in=["owner", "organizer"])
    return [row.user for row in rows.select_related("user")]


def content_moderation_url(*, community: Any, kind: str, object_id: int) -> str:
    return reverse(
        "safety:moderation-content",
        kwargs={"community": community.slug, "kind": kind, "object_id": object_id},
    )


def _notify_managers_of_report(report: Report, content: ContentKind) -> None:
    """The first open report on a piece of content tells the organizers; never who reported."""
    for manager in _managers(report.community):
        if manager.pk == report.reporter_id:
            continue
        notify(
            recipient=manager,
            kind="safety.report",
            template="emails/safety_report",
            due_at=timezone.now(),
            dedupe_key=f"safety.report:{report.pk}:{manager.pk}",
            url=content_moderation_url(
                community=report.community, kind=report.kind, object_id=report.object_id
            ),
            context={
                "title": report.circle.name,
                "circle": report.circle.name,
                "content": str(content.label),
                "reason": str(ReportReason(report.reason).label),
            },
        )


# --- Moderation ---------------------------------------------------------------------------------

# Which moderation actions apply in which state. Removal is final: the text is gone.
ALLOWED_FROM = {
    ModerationActionKind.HIDE: (ModerationState.VISIBLE,),
    ModerationActionKind.RESTORE: (ModerationState.HIDDEN,),
    ModerationActionKind.REMOVE: (ModerationState.VISIBLE, ModerationState.HIDDEN),
}
NEW_STATE = {
    ModerationActionKind.HIDE: ModerationState.HIDDEN,
    ModerationActionKind.RESTORE: ModerationState.VISIBLE,
    ModerationActionKind.REMOVE: ModerationState.REMOVED,
}


def content_moderate(*, kind: str, obj: Any, actor: Any, action: str, note: str = "") -> ModerationAction:
    """Hide, restore or remove content (removal blanks its text, keeps the row); recorded in the audit."""
    content = _kind(kind)
    circle = content.circle_of(obj)
    if not access.can_moderate(actor, circle.community):
        raise PermissionDenied(_("Only the community's organizers moderate content."))
    if action not in ALLOWED_FROM:
        raise ValidationError({"action": _("Choose hide, restore or remove.")})
    now = timezone.now()
    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        if locked.moderation_state not in ALLOWED_FROM[ModerationActionKind(action)]:
            raise ValidationError(
                {
                    "action": _("This %(kind)s is %(state)s already; that action does not apply.")
                    % {"kind": content.label, "state": locked.get_moderation_state_display().lower()}
                }
            )
        locked.moderation_state = NEW_STATE[ModerationActionKind(action)]
        locked.moderated_at = now
        fields = ["moderation_state", "moderated_at"]
        if action == ModerationActionKind.REMOVE:
            for name in content.text_fields:
                setattr(locked, name, "")
            fields.extend(content.text_fields)
        locked.save(update_fields=fields)
        obj.moderation_state, obj.moderated_at = locked.moderation_state, locked.moderated_at
        for name in content.text_fields if action == ModerationActionKind.REMOVE else ():
            setattr(obj, name, "")
        open_reports = Report.objects.open().for_content(kind, obj.pk).select_for_update()
        first = open_reports.order_by("created_at", "pk").first()
        author = content.author_of(obj)
        record = ModerationAction.objects.create(
            kind=kind,
            object_id=obj.pk,
            circle=circle,
            community=circle.community,
            author=author,
            action=action,
            actor=actor,
            note=note.strip(),
            at=now,
            report=first if action != ModerationActionKind.RESTORE else None,
        )
        if action != ModerationActionKind.RESTORE:
            open_reports.update(state=ReportState.ACTIONED, handled_by=actor, handled_at=now)
        if author is not None and author.pk != actor.pk:
            _notify_author(record, content, obj, author)
    return record


def _notify_author(record: ModerationAction, content: ContentKind, obj: Any, author: Any) -> None:
    """Tell the author what happened to their content, never who reported it."""
    notify(
        recipient=author,
        kind="safety.moderated",
        template="emails/safety_moderated",
        due_at=record.at,
        dedupe_key=f"safety.moderated:{record.pk}",
        url=content.url_of(obj) if record.action != ModerationActionKind.REMOVE else "",
        context={
            "title": record.circle.name if record.circle else "",
            "circle": record.circle.name if record.circle else "",
            "content": str(content.label),
            "action": record.action,
        },
    )


def report_dismiss(*, report: Report, actor: Any, note: str = "") -> ModerationAction:
    """Close a report without touching the content; recorded in the audit trail."""
    if not access.can_moderate(actor, report.community):
        raise PermissionDenied(_("Only the community's organizers handle reports."))
    now = timezone.now()
    with transaction.atomic():
        won = Report.objects.filter(pk=report.pk, state=ReportState.OPEN).update(
            state=ReportState.DISMISSED, handled_by=actor, handled_at=now
        )
        if not won:
            raise ValidationError(_("This report has already been handled."))
        report.state, report.handled_by, report.handled_at = ReportState.DISMISSED, actor, now
        content = registry.get(report.kind)
        obj = content.model.objects.filter(pk=report.object_id).first() if content else None
        return ModerationAction.objects.create(
            kind=report.kind,
            object_id=report.object_id,
            circle=report.circle,
            community=report.community,
            author=content.author_of(obj) if content and obj is not None else None,
            action=ModerationActionKind.DISMISS,
            actor=actor,
            note=note.strip(),
            at=now,
            report=report,
        )


# --- Concerns -----------------------------------------------------------------------------------

# state -> who may move it where: "handler" (addressees, organizers stepping in) or "raiser".
TRANSITIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (ConcernState.RAISED, ConcernState.ACKNOWLEDGED): ("handler",),
    (ConcernState.ACKNOWLEDGED, ConcernState.RESOLVED): ("handler", "raiser"),
    (ConcernState.RAISED, ConcernState.RESOLVED): ("raiser",),  # the raiser may withdraw it
}


def concern_url(concern: Concern) -> str:
    return reverse(
        "safety:concern-detail",
        kwargs={"community": concern.circle.community.slug, "concern_id": concern.pk},
    )


def concern_addressees(concern: Concern) -> list[Any]:
    """Who the concern was addressed to (the people notified when the raiser writes)."""
    if concern.addressed_to == ConcernAddressee.ORGANIZER:
        people = _managers(concern.circle.community)
    else:
        rows = Membership.objects.filter(
            circle=concern.circle, role=MemberRole.FACILITATOR, status__in=SEATED
        ).select_related("user")
        people = [row.user for row in rows]
    return [person for person in people if person.pk != concern.raised_by_id]


def concern_raise(*, circle: Circle, user: Any, addressed_to: str, subject: str, body: str) -> Concern:
    """Raise a private concern about one's circle with its facilitators or the organizers."""
    if not access.can_raise_concern(user, circle):
        raise PermissionDenied(_("Only members of this circle raise concerns about it here."))
    if addressed_to not in ConcernAddressee.values:
        raise ValidationError({"addressed_to": _("Choose who should handle it.")})
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise ValidationError(_("Please give a subject and say what is going on."))
    now = timezone.now()
    with transaction.atomic():
        concern = Concern(
            circle=circle,
            raised_by=user,
            addressed_to=addressed_to,
            subject=subject,
            body=body,
            updated_at=now,
        )
        if not concern_addressees(concern):
            raise ValidationError(
                {"addressed_to": _("This circle has no other facilitator. Address the organizers instead.")}
            )
        concern.full_clean()
        concern.save()
        event = ConcernEvent.objects.create(
            concern=concern, kind=ConcernEventKind.RAISED, author=user, at=now
        )
        _notify_other_side(event)
    return concern


def _event(concern: Concern, actor: Any, kind: str, text: str, state: str | None) -> ConcernEvent:
    now = timezone.now()
    with transaction.atomic():
        fields = {"updated_at": now} if state is None else {"updated_at": now, "state": state}
        # Compare-and-set on the state read by the caller, so two clicks cannot both move it.
        won = Concern.objects.filter(pk=concern.pk, state=concern.state).update(**fields)
        if not won:
            raise ValidationError(_("Someone else changed this concern just now. Please look again."))
        for name, value in fields.items():
            setattr(concern, name, value)
        event = ConcernEvent.objects.create(
            concern=concern, kind=kind, author=actor, text=text.strip(), at=now
        )
        _notify_other_side(event)
    return event


def _move(*, concern: Concern, actor: Any, to: str, text: str) -> ConcernEvent:
    if not access.can_view_concern(actor, concern):
        raise PermissionDenied(_("This concern is not yours to handle."))
    allowed = TRANSITIONS.get((concern.state, to))
    if allowed is None:
        raise ValidationError(
            _("A concern that is %(state)s cannot be moved there.")
            % {"state": concern.get_state_display().lower()}
        )
    role = "raiser" if actor.pk == concern.raised_by_id else "handler"
    if role == "handler" and not access.can_handle_concern(actor, concern):
        raise PermissionDenied(_("This concern is not yours to handle."))
    if role not in allowed:
        raise PermissionDenied(
            _("Only the person who raised it can do that now.")
            if role == "handler"
            else _("The people you addressed acknowledge it first.")
        )
    kind = ConcernEventKind.ACKNOWLEDGED if to == ConcernState.ACKNOWLEDGED else ConcernEventKind.RESOLVED
    return _event(concern, actor, kind, text, to)


def concern_acknowledge(*, concern: Concern, actor: Any, text: str = "") -> ConcernEvent:
    """An addressee says "we have seen this and are on it" (optionally with a message)."""
    return _move(concern=concern, actor=actor, to=ConcernState.ACKNOWLEDGED, text=text)


def concern_resolve(*, concern: Concern, actor: Any, text: str = "") -> ConcernEvent:
    """Close the concern: the addressees once acknowledged, or the raiser at any time."""
    return _move(concern=concern, actor=actor, to=ConcernState.RESOLVED, text=text)


def concern_reply(*, concern: Concern, actor: Any, text: str) -> ConcernEvent:
    """Add a message to an open concern's timeline."""
    if not access.can_view_concern(actor, concern):
        raise PermissionDenied(_("This concern is not yours to reply to."))
    if concern.state == ConcernState.RESOLVED:
        raise ValidationError(_("This concern is resolved. Raise a new one if something is still wrong."))
    if not text.strip():
        raise ValidationError({"text": _("Write a message first.")})
    return _event(concern, actor, ConcernEventKind.REPLY, text, None)


def _notify_other_side(event: ConcernEvent) -> None:
    concern = event.concern
    if event.author_id == concern.raised_by_id:
        recipients = concern_addressees(concern)
    else:
        recipients = [concern.raised_by]
    for recipient in recipients:
        if recipient.pk == event.author_id:
            continue
        notify(
            recipient=recipient,
            kind="safety.concern",
            template="emails/safety_concern",
            due_at=event.at,
            dedupe_key=f"safety.concern:{event.pk}:{recipient.pk}",
            url=concern_url(concern),
            context={
                "title": concern.subject,
                "subject": concern.subject,
                "circle": concern.circle.name,
                "event": event.kind,
                "author": event.author.name if event.author else "",
            },
        )


# --- Blocks -------------------------------------------------------------------------------------


def _share_a_community(a: Any, b: Any) -> bool:
    mine = CommunityMembership.objects.filter(user=a).values("community")
    return CommunityMembership.objects.filter(user=b, community__in=mine).exists()


def block(*, blocker: Any, blocked: Any) -> Block:
    """Stop `blocked` from contacting `blocker`. Private: nobody else is told. Idempotent."""
    if blocker.pk == blocked.pk:
        raise ValidationError(_("You cannot block yourself."))
    if not _share_a_community(blocker, blocked):
        raise ValidationError(_("You can only block people from your communities."))
    try:
        with transaction.atomic():
            made, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    except IntegrityError:
        made = Block.objects.get(blocker=blocker, blocked=blocked)
    return made


def unblock(*, blocker: Any, blocked: Any) -> bool:
    """Lift a block. False if there was none."""
    deleted, _rows = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return bool(deleted)


# --- Charter re-acceptance ----------------------------------------------------------------------

# A charter change is announced within this long of the change (worker unit below).
CHARTER_NOTICE_WINDOW = timedelta(days=14)


def charter_key(membership: Membership, changed_at: datetime) -> str:
    """One notice per member and charter version."""
    return f"circle.charter:{membership.pk}:{changed_at.timestamp():.0f}"


def charter_accept(*, circle: Circle, user: Any) -> Membership:
    """A seated member accepts the circle's current charter (again, after it changed)."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(circle=circle, user=user).first()
        if membership is None or not membership.is_seated:
            raise PermissionDenied(_("Only members of the circle accept its charter."))
        membership.charter_accepted_at = timezone.now()
        membership.save(update_fields=["charter_accepted_at"])
        notifications_cancel(dedupe_prefix=f"circle.charter:{membership.pk}:")
    circle.__dict__.pop("_membership_cache", None)
    return membership


def charter_changes_schedule(*, now: datetime) -> bool:
    """Worker unit: ask every seated member to re-accept a changed charter, once per version."""
    circles = list(
        Circle.objects.filter(
            charter_updated_at__gte=now - CHARTER_NOTICE_WINDOW, charter_updated_at__lte=now
        ).select_related("community")
    )
    if not circles:
        return False
    earliest = min(c.charter_updated_at for c in circles if c.charter_updated_at)
    existing = set(
        Message.objects.filter(dedupe_key__startswith="circle.charter:", due_at__gte=earliest).values_list(
            "dedupe_key", flat=True
        )
    )
    by_id = {circle.pk: circle for circle in circles}
    pending = Membership.objects.filter(circle__in=circles, status__in=SEATED).select_related("user")
    queued = False
    for membership in pending:
        circle = by_id[membership.circle_id]
        changed = circle.charter_updated_at
        if changed is None or (membership.charter_accepted_at and membership.charter_accepted_at >= changed):
            continue
        key = charter_key(membership, changed)
        if any(f"{key}:{channel}" in existing for channel in ("email", "inapp")):
            continue
        try:
            sent = notify(
                recipient=membership.user,
                kind="circle.charter",
                template="emails/circle_charter",
                due_at=changed,
                dedupe_key=key,
                url=charter_url(circle),
                context={
                    "title": circle.name,
                    "circle": circle.name,
                    "changed": True,
                    "charter": circle.charter,
                },
            )
        except Exception:  # one bad row must not stop the others
            logger.exception("charter notice for membership %s failed", membership.pk)
            continue
        queued = queued or any(s.created for s in sent)
    return queued


def charter_url(circle: Circle) -> str:
    return reverse("safety:charter", kwargs={"community": circle.community.slug, "circle": circle.slug})
