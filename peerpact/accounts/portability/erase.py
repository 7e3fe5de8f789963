"""Delete an account, and with it everything that identifies the person, in one transaction.

Per community (`Community.departed_member_content`):

- **anonymize** (default): rows that circle statistics count stay, moved to a "Former member" placeholder
  user of that community, with every word the person wrote blanked: check-ins keep their cycle,
  submission time, version and confidence (so on time / late / missed and counts hold); goals keep their
  measure and progress numbers; commitments their status and quantity; kudos their reaction; feedback the
  fact it was given (reciprocity); pulse answers their 1-5 ratings; role assignments and program
  enrollments, submissions (text, links and files erased), reviews written (scores kept) their dates.
- **remove**: those rows are deleted (a deleted check-in takes the comments and feedback on it along).

Under both: comments, help offers, cycle summaries and concern messages they wrote are deleted (they are
only words); their community and circle places end; applications, invitations to their address,
calendar feeds, chat targets, notifications, preferences, blocks, reports and concerns they raised,
API tokens, email addresses and 2FA methods are deleted; the notes they left on other people's rows are
blanked; their name and address are scrubbed from other people's notifications and from formation
proposals. Content they authored for the community as an organizer (descriptions, charters, programs,
intakes) belongs to the community and stays, no longer linked to them.

The placeholder is a fresh inactive user per person and community ("Former member", an address at
`.invalid`, no password, no email address row): it keeps one person's rows together for streaks and
counts without saying who it was, and it can never log in.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from peerpact.accounts.models import User
from peerpact.accounts.portability import model_or_none

ANONYMIZE, REMOVE = "anonymize", "remove"
FORMER_MEMBER = "Former member"  # stored, not translated: the row outlives the language of the day
PLACEHOLDER_DOMAIN = "former-member.invalid"
BLANK = "—"  # a required short text (a goal's title) that must no longer say anything


def is_placeholder(user: Any) -> bool:
    return str(getattr(user, "email", "")).endswith("@" + PLACEHOLDER_DOMAIN)


def owned_communities(user: User) -> list[str]:
    """Names of the communities this person owns (they must hand them over before leaving)."""
    membership = model_or_none("communities.CommunityMembership")
    if membership is None:
        return []
    return list(
        membership._default_manager.filter(user=user, role="owner")
        .order_by("community__name")
        .values_list("community__name", flat=True)
    )


def account_delete(*, user: User, actor: Any, password: str) -> None:
    """Delete the actor's own account after they re-enter their password."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only you can delete your account."))
    if not user.has_usable_password() or not user.check_password(password):
        raise ValidationError({"password": _("That is not your password.")})
    owned = owned_communities(user)
    if owned:
        raise ValidationError(
            _(
                "You own %(names)s. Transfer ownership to another member first (community settings → "
                "Transfer ownership), then come back."
            )
            % {"names": ", ".join(owned)}
        )
    account_erase(user=user)


class _Eraser:
    def __init__(self, user: User) -> None:
        self.user = user
        community = model_or_none("communities.Community")
        assert community is not None
        self.policy: dict[int, str] = dict(
            community._default_manager.values_list("pk", "departed_member_content")
        )
        self.placeholders: dict[int, User] = {}
        self.circle_ids = list(self.rows("circles.Membership", user=user).values_list("circle_id", flat=True))

    def anonymize(self, community_id: int | None) -> bool:
        return community_id is not None and self.policy.get(community_id, ANONYMIZE) == ANONYMIZE

    def placeholder(self, community_id: int) -> User:
        if community_id not in self.placeholders:
            user = User(
                email=f"{secrets.token_hex(8)}@{PLACEHOLDER_DOMAIN}",
                display_name=FORMER_MEMBER,
                is_active=False,
            )
            user.set_unusable_password()
            user.save()
            self.placeholders[community_id] = user
        return self.placeholders[community_id]

    def rows(self, label: str, **lookup: Any) -> models.QuerySet[Any]:
        model = model_or_none(label)
        if model is None:
            return models.QuerySet(model=User).none()
        return model._default_manager.filter(**lookup)

    def split(self, label: str, path: str, **lookup: Any) -> tuple[dict[int, list[int]], list[int]]:
        """The pks of matching rows: grouped by community where it anonymizes, and those to remove."""
        keep: dict[int, list[int]] = {}
        drop: list[int] = []
        for pk, community_id in self.rows(label, **lookup).values_list("pk", path):
            if self.anonymize(community_id):
                keep.setdefault(community_id, []).append(pk)
            else:
                drop.append(pk)
        return keep, drop

    # --- the person's circle places and what hangs on them ------------------------------------------

    def memberships(self) -> None:
        keep, drop = self.split("circles.Membership", "circle__community_id", user=self.user)
        for community_id, pks in keep.items():
            self.rows("circles.Membership", pk__in=pks).update(
                user=self.placeholder(community_id),
                status="left",
                role="member",
                paused_until=None,
                application_answers=[],
                decision_message="",
                invited_by=None,
            )
            self.blank_membership_content(pks)
        self.rows("circles.Membership", pk__in=drop).delete()

    def blank_membership_content(self, pks: list[int]) -> None:
        on = {"membership__in": pks}
        self.rows("checkins.Checkin", **on).update(wins="", blockers="", help_request="", draft={})
        self.rows("checkins.Pause", **on).update(reason="")
        self.rows("goals.Goal", **on).update(title=BLANK, why="", unit="")
        self.rows("goals.Milestone", goal__membership__in=pks).update(title=BLANK)
        self.rows("goals.Commitment", **on).update(text=BLANK, note="")
        self.rows("engagement.PulseAnswer", **on).update(open_answer="")
        self.rows("roles.SwapRequest", requested_by__in=pks).update(message="")
        self.rows("feedback.HelpResolution", checkin__membership__in=pks).update(note="")

    # --- what they wrote on other people's rows -------------------------------------------------------

    def authored(self) -> None:
        user = self.user
        self.rows("feedback.Comment", author=user).delete()
        self.rows("feedback.HelpOffer", helper=user).delete()
        self.rows("feedback.PeerActivity", actor=user).delete()
        self.rows("roles.CycleSummary", author=user).delete()
        self.rows("safety.ConcernEvent", author=user).delete()
        self.rows("feedback.HelpResolution", resolved_by=user).update(note="", resolved_by=None)
        self.rows("roles.SwapRequest", created_by=user).update(message="")
        self.rows("safety.ModerationAction", actor=user).update(note="")
        self.rows("checkins.Pause", created_by=user).update(reason="")
        self.rows("circles.Membership", invited_by=user).update(decision_message="")
        self.rows("communities.CommunityInvitation", created_by=user).update(message="")
        self.rows("programs.Highlight", chosen_by=user).update(note="")
        for label, path, texts in (
            (
                "feedback.Feedback",
                "checkin__cycle__circle__community_id",
                {"worked": BLANK, "suggestion": "", "question": ""},
            ),
            ("feedback.Kudos", "circle__community_id", {}),
        ):
            keep, drop = self.split(label, path, author=user)
            for community_id, pks in keep.items():
                self.rows(label, pk__in=pks).update(author=self.placeholder(community_id), **texts)
            self.rows(label, pk__in=drop).delete()

    def programs(self) -> None:
        keep, drop = self.split("programs.Enrollment", "cohort__program__community_id", user=self.user)
        for community_id, pks in keep.items():
            self.rows("programs.Enrollment", pk__in=pks).update(user=self.placeholder(community_id))
            self.rows("programs.Submission", enrollment__in=pks).update(text="", links=[])
            self.delete_attachments(self.rows("programs.Attachment", submission__enrollment__in=pks))
            self.rows("programs.FollowUp", enrollment__in=pks).update(how="")
        self.delete_attachments(self.rows("programs.Attachment", submission__enrollment__in=drop))
        self.rows("programs.Enrollment", pk__in=drop).delete()
        path = "submission__module__program__community_id"
        keep, drop = self.split("programs.ReviewAssignment", path, reviewer=self.user)
        for community_id, pks in keep.items():
            self.rows("programs.ReviewAssignment", pk__in=pks).update(reviewer=self.placeholder(community_id))
            self.rows("programs.Review", assignment__in=pks).update(feedback="")
        self.rows("programs.ReviewAssignment", pk__in=drop).delete()

    def delete_attachments(self, attachments: models.QuerySet[Any]) -> None:
        names = [name for name in attachments.values_list("file", flat=True) if name]
        attachments.delete()
        if names:
            transaction.on_commit(lambda: _remove_files(names))

    # --- everything else that names them ------------------------------------------------------------

    def the_rest(self) -> None:
        user = self.user
        email = user.email.lower()
        self.rows("communities.CommunityInvitation", email__iexact=email).delete()
        self.rows("communities.CommunityMembership", user=user).delete()
        self.rows("formation.Application", user=user).delete()
        self.rows("notifications.Message", recipient=user).delete()
        for application in self.rows("formation.Application").filter(
            Q(with_emails__icontains=email) | Q(not_with_emails__icontains=email)
        ):
            application.with_emails = [e for e in application.with_emails if str(e).lower() != email]
            application.not_with_emails = [e for e in application.not_with_emails if str(e).lower() != email]
            application.save(update_fields=["with_emails", "not_with_emails"])
        # A summary generated for the circle lists members by name ("Hugo: checked in on time").
        self.scrub_text("roles.CycleSummary", "text", cycle__circle_id__in=self.circle_ids)
        self.scrub_json("notifications.Message", "context")
        self.scrub_json("formation.Intake", "proposal")
        self.scrub_json("formation.FormationRun", "result")
        self.scrub_json("webhooks.Delivery", "payload")  # our copy; what was delivered is the receiver's
        # Other callers' stored API answers (kept 24 h for Idempotency-Key retries); their own cascade.
        self.scrub_text("api.IdempotencyKey", "body")
        log_entry = model_or_none("admin.LogEntry")
        if log_entry is not None:
            log_entry._default_manager.filter(object_repr__icontains=email).update(object_repr=FORMER_MEMBER)

    def needles(self) -> list[str]:
        names = [self.user.email]
        if len(self.user.name) >= 3:  # shorter names are too likely to be part of other words
            names.append(self.user.name)
        return names

    def scrub_json(self, label: str, field: str) -> None:
        """Replace the person's name and address inside JSON of other rows (rendered notifications …)."""
        model = model_or_none(label)
        if model is None:
            return
        as_text = Cast(field, TextField())
        match = Q()
        for needle in self.needles():
            match |= Q(_text__icontains=needle) | Q(_text__icontains=json.dumps(needle)[1:-1])
        for row in model._default_manager.annotate(_text=as_text).filter(match):
            setattr(row, field, _scrubbed(getattr(row, field), self.needles()))
            row.save(update_fields=[field])

    def scrub_text(self, label: str, field: str, **lookup: Any) -> None:
        """Replace the person's name and address inside text other people's rows generated about them."""
        match = Q()
        for needle in self.needles():
            match |= Q(**{f"{field}__icontains": needle})
        for row in self.rows(label, **lookup).filter(match):
            setattr(row, field, _scrubbed(getattr(row, field), self.needles()))
            row.save(update_fields=[field])

    def run(self) -> None:
        self.memberships()
        self.authored()
        self.programs()
        self.the_rest()
        self.user.delete()  # cascades: email addresses, 2FA, tokens, feeds, chat targets, inbox, blocks …


def _scrubbed(value: Any, needles: Iterable[str]) -> Any:
    if isinstance(value, str):
        for needle in needles:
            replacement = "" if "@" in needle else FORMER_MEMBER
            value = re.sub(rf"(?<!\w){re.escape(needle)}(?!\w)", replacement, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [_scrubbed(item, needles) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, needles) for key, item in value.items()}
    return value


def _remove_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            continue


def account_erase(*, user: User) -> None:
    """Erase one person (no checks: account_delete checks; an operator may call this from a shell)."""
    with transaction.atomic():
        _Eraser(User.objects.select_for_update().get(pk=user.pk)).run()


def deletion_context(*, user: User) -> dict[str, Any]:
    """What the data and deletion pages tell the person: their communities' policies, what they own."""
    membership = model_or_none("communities.CommunityMembership")
    communities: list[dict[str, Any]] = []
    if membership is not None:
        for name, policy in (
            membership._default_manager.filter(user=user)
            .order_by("community__name")
            .values_list("community__name", "community__departed_member_content")
        ):
            communities.append({"name": name, "anonymize": policy != REMOVE})
    return {"communities": communities, "owned": owned_communities(user)}
