"""Everything PeerPact holds about one person, as a zip (data.json + one CSV per section).

Each section lists its columns explicitly (column name → ORM path). Never add a password hash, a token,
a secret or another person's private data here. What a person *received* is left out where it could
name someone who chose to stay anonymous (anonymous feedback); what they wrote is all in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from django.utils import timezone

from peerpact.accounts.models import User
from peerpact.accounts.portability import model_or_none
from peerpact.lib.datazip import File, Table, bundle_file, bundle_write

FORMAT_VERSION = 1
# Rows fetched per round trip (on PostgreSQL a server-side cursor): memory stays flat at any size.
CHUNK = 500
# Sections that stay a list: their rows change shape on the way into the zip (see _attachment_files).
LISTED = ("program_attachments",)


@dataclass(frozen=True)
class Section:
    name: str
    label: str  # "app.Model"
    owner: str  # the lookup that ties a row to the person, e.g. "membership__user"
    columns: Mapping[str, str]  # column name → ORM path
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)


CIRCLE = {"community": "membership__circle__community__slug", "circle": "membership__circle__slug"}

SECTIONS: tuple[Section, ...] = (
    Section(
        "email_addresses",
        "account.EmailAddress",
        "user",
        {"email": "email", "verified": "verified", "primary": "primary"},
    ),
    Section(
        "two_factor_methods",
        "mfa.Authenticator",
        "user",
        {"type": "type", "created_at": "created_at", "last_used_at": "last_used_at"},  # never `data`
    ),
    Section(
        "community_memberships",
        "communities.CommunityMembership",
        "user",
        {
            "community": "community__slug",
            "community_name": "community__name",
            "role": "role",
            "joined_at": "joined_at",
        },
    ),
    Section(
        "circle_memberships",
        "circles.Membership",
        "user",
        {
            "community": "circle__community__slug",
            "circle": "circle__slug",
            "circle_name": "circle__name",
            "role": "role",
            "status": "status",
            "paused_until": "paused_until",
            "charter_accepted_at": "charter_accepted_at",
            "application_answers": "application_answers",
            "created_at": "created_at",
            "joined_at": "joined_at",
            "status_changed_at": "status_changed_at",
        },
    ),
    Section(
        "goals",
        "goals.Goal",
        "membership__user",
        {
            "id": "id",
            **CIRCLE,
            "title": "title",
            "why": "why",
            "direction": "direction",
            "unit": "unit",
            "baseline": "baseline",
            "target": "target",
            "starts_on": "starts_on",
            "due_on": "due_on",
            "status": "status",
            "visibility": "visibility",
            "created_at": "created_at",
            "achieved_at": "achieved_at",
        },
    ),
    Section(
        "milestones",
        "goals.Milestone",
        "goal__membership__user",
        {
            "goal_id": "goal_id",
            "title": "title",
            "due_on": "due_on",
            "done_at": "done_at",
            "position": "position",
        },
    ),
    Section(
        "goal_progress",
        "goals.GoalProgress",
        "goal__membership__user",
        {"goal_id": "goal_id", "cycle": "cycle__index", "value": "value", "recorded_at": "recorded_at"},
    ),
    Section(
        "commitments",
        "goals.Commitment",
        "membership__user",
        {
            "id": "id",
            **CIRCLE,
            "cycle": "cycle__index",
            "goal_id": "goal_id",
            "text": "text",
            "quantity": "quantity",
            "status": "status",
            "note": "note",
            "carried_from_id": "carried_from_id",
            "created_at": "created_at",
            "resolved_at": "resolved_at",
        },
    ),
    Section(
        "checkins",
        "checkins.Checkin",
        "membership__user",
        {
            "id": "id",
            **CIRCLE,
            "cycle": "cycle__index",
            "deadline_at": "cycle__deadline_at",
            "submitted_at": "submitted_at",
            "wins": "wins",
            "blockers": "blockers",
            "help_request": "help_request",
            "confidence": "confidence",
            "visibility": "visibility",
            "draft": "draft",
            "moderation_state": "moderation_state",
            "created_at": "created_at",
            "updated_at": "updated_at",
        },
    ),
    Section(
        "pauses",
        "checkins.Pause",
        "membership__user",
        {
            **CIRCLE,
            "starts_on": "starts_on",
            "ends_on": "ends_on",
            "reason": "reason",
            "resumed_at": "resumed_at",
        },
    ),
    Section(
        "calendar_feeds",
        "checkins.CalendarFeed",
        "user",
        {"circle": "circle__slug", "created_at": "created_at"},
    ),
    Section(
        "comments_written",
        "feedback.Comment",
        "author",
        {"checkin_id": "checkin_id", "body": "body", "created_at": "created_at", "edited_at": "edited_at"},
    ),
    Section(
        "feedback_given",
        "feedback.Feedback",
        "author",
        {
            "checkin_id": "checkin_id",
            "worked": "worked",
            "suggestion": "suggestion",
            "question": "question",
            "anonymous": "anonymous",
            "marked_helpful_at": "helpful_at",
            "created_at": "created_at",
        },
    ),
    Section(
        "kudos_given",
        "feedback.Kudos",
        "author",
        {
            "circle": "circle__slug",
            "target_kind": "target_kind",
            "target_id": "target_id",
            "reaction": "reaction",
            "created_at": "created_at",
        },
    ),
    Section(
        "help_offers",
        "feedback.HelpOffer",
        "helper",
        {"checkin_id": "checkin_id", "message": "message", "created_at": "created_at"},
    ),
    Section(
        "help_resolutions",
        "feedback.HelpResolution",
        "resolved_by",
        {"checkin_id": "checkin_id", "note": "note", "resolved_at": "resolved_at"},
    ),
    Section(
        "role_assignments",
        "roles.RoleAssignment",
        "membership__user",
        {
            **CIRCLE,
            "role": "role__name",
            "kind": "role__kind",
            "cycle": "cycle__index",
            "assigned_at": "assigned_at",
        },
    ),
    Section(
        "role_swap_requests",
        "roles.SwapRequest",
        "created_by",
        {
            "role": "assignment__role__name",
            "state": "state",
            "message": "message",
            "created_at": "created_at",
        },
    ),
    Section(
        "cycle_summaries_written",
        "roles.CycleSummary",
        "author",
        {
            "circle": "cycle__circle__slug",
            "cycle": "cycle__index",
            "text": "text",
            "published_at": "published_at",
        },
    ),
    Section(
        "pulse_answers",
        "engagement.PulseAnswer",
        "membership__user",
        {
            **CIRCLE,
            "safe": "safe",
            "checkins": "checkins",
            "feedback": "feedback",
            "rhythm": "rhythm",
            "open_answer": "open_answer",
            "submitted_at": "submitted_at",
        },
    ),
    Section(
        "program_enrollments",
        "programs.Enrollment",
        "user",
        {
            "program": "cohort__program__title",
            "cohort": "cohort__name",
            "state": "state",
            "enrolled_at": "enrolled_at",
        },
    ),
    Section(
        "program_submissions",
        "programs.Submission",
        "enrollment__user",
        {
            "id": "id",
            "program": "module__program__title",
            "module": "module__title",
            "text": "text",
            "links": "links",
            "version": "version",
            "submitted_at": "submitted_at",
            "updated_at": "updated_at",
        },
    ),
    Section(
        "program_attachments",
        "programs.Attachment",
        "submission__enrollment__user",
        {
            "submission_id": "submission_id",
            "name": "original_name",
            "size": "size",
            "content_type": "content_type",
            "uploaded_at": "uploaded_at",
            "file": "file",
        },
    ),
    Section(
        "program_reviews_written",
        "programs.Review",
        "assignment__reviewer",
        {
            "module": "assignment__submission__module__title",
            "scores": "scores",
            "feedback": "feedback",
            "submitted_at": "submitted_at",
        },
    ),
    Section(
        "program_follow_ups",
        "programs.FollowUp",
        "enrollment__user",
        {
            "module": "module__title",
            "due_at": "due_at",
            "answered_at": "answered_at",
            "applied": "applied",
            "how": "how",
        },
    ),
    Section(
        "program_calibration_attempts",
        "programs.CalibrationAttempt",
        "enrollment__user",
        {"module": "calibration__module__title", "scores": "scores", "submitted_at": "submitted_at"},
    ),
    Section(
        "formation_applications",
        "formation.Application",
        "user",
        {
            "intake": "intake__title",
            "community": "intake__community__slug",
            "timezone": "timezone",
            "availability": "availability",
            "languages": "languages",
            "stage": "stage",
            "intentions": "intentions",
            "skills_have": "skills_have",
            "skills_want": "skills_want",
            "preferred_size": "preferred_size",
            "answers": "answers",
            "private_self_identification": "identity",
            "with_emails": "with_emails",
            "not_with_emails": "not_with_emails",
            "note": "note",
            "created_at": "created_at",
            "updated_at": "updated_at",
            "withdrawn_at": "withdrawn_at",
        },
    ),
    Section(
        "blocks",
        "safety.Block",
        "blocker",
        {"blocked": "blocked__display_name", "created_at": "created_at"},
    ),
    Section(
        "reports_filed",
        "safety.Report",
        "reporter",
        {
            "kind": "kind",
            "reason": "reason",
            "details": "details",
            "state": "state",
            "created_at": "created_at",
        },
    ),
    Section(
        "concerns_raised",
        "safety.Concern",
        "raised_by",
        {
            "circle": "circle__slug",
            "addressed_to": "addressed_to",
            "subject": "subject",
            "body": "body",
            "state": "state",
            "created_at": "created_at",
        },
    ),
    Section(
        "concern_messages_written",
        "safety.ConcernEvent",
        "author",
        {"concern_subject": "concern__subject", "kind": "kind", "text": "text", "at": "at"},
    ),
    Section(
        "notification_preferences",
        "notifications.Preference",
        "user",
        {
            "muted": "muted",
            "quiet_from": "quiet_from",
            "quiet_until": "quiet_until",
            "daily_cap": "daily_cap",
        },
    ),
    Section(
        "notifications",
        "notifications.Message",
        "recipient",
        {
            "kind": "kind",
            "channel": "channel",
            "state": "state",
            "title": "context__title",
            "url": "url",
            "due_at": "due_at",
            "sent_at": "sent_at",
            "read_at": "read_at",
            "created_at": "created_at",
        },
    ),
    Section(
        "chat_targets",
        "notifications.ChatTarget",
        "owner",
        {"label": "label", "url": "url", "is_active": "is_active", "created_at": "created_at"},
        # The URL carries the chat service's secret: only its masked form leaves the server.
        transform=lambda row: {**row, "url": _mask(row["url"])},
    ),
    Section(
        "api_tokens",
        "api.ApiToken",
        "user",
        {
            "name": "name",
            "scope": "scope",
            "community": "community__slug",
            "created_at": "created_at",
            "last_used_at": "last_used_at",
            "expires_at": "expires_at",
            "revoked_at": "revoked_at",
        },
    ),
    Section(
        "signed_in_sessions",
        "accounts.UserSession",
        "user",
        {
            "device": "user_agent",
            "network": "ip_prefix",
            "created_at": "created_at",
            "last_seen_at": "last_seen_at",
        },  # never the session key
    ),
)


def _mask(url: str) -> str:
    from peerpact.notifications.chat import url_mask  # notifications is importable from any app

    return url_mask(url)


def section_rows(section: Section, user: User) -> Table | None:
    """The person's rows of one section, read lazily, or None when its app is not installed."""
    model = model_or_none(section.label)
    if model is None:
        return None
    paths = list(section.columns.values())
    names = list(section.columns)
    query = model._default_manager.filter(**{section.owner: user}, **section.filters).order_by("pk")

    def rows() -> Iterator[dict[str, Any]]:
        for values in query.values_list(*paths).iterator(chunk_size=CHUNK):
            row = dict(zip(names, values, strict=True))
            yield section.transform(row) if section.transform else row

    return Table(columns=names, rows=rows())


def member_export_document(*, user: User) -> dict[str, Any]:
    """The whole export as a document for lib.datazip (tables are read lazily, once)."""
    document: dict[str, Any] = {
        "format": {
            "name": "peerpact-member-export",
            "version": FORMAT_VERSION,
            "exported_at": timezone.now(),
        },
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "pronouns": user.pronouns,
            "timezone": user.timezone,
            "language": user.language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
    }
    for section in SECTIONS:
        rows = section_rows(section, user)
        if rows is not None:
            document[section.name] = list(rows.rows) if section.name in LISTED else rows
    return document


def _attachment_files(document: dict[str, Any]) -> dict[str, File]:
    """Uploaded files of the person's submissions, under attachments/ (a missing file is skipped).
    Each is copied into the zip in chunks, never held in memory whole."""
    from django.core.files.storage import default_storage

    files: dict[str, File] = {}
    for row in document.get("program_attachments", []):
        name = row.pop("file")
        if not name:
            continue
        path = f"attachments/{row['submission_id']}/{row['name'] or name.rsplit('/', 1)[-1]}"
        try:
            default_storage.open(name, "rb").close()  # readable now: listed (opened again to copy)
        except OSError:
            continue
        files[path] = partial(default_storage.open, name, "rb")
        row["file_in_zip"] = path
    return files


def member_export_write(target: IO[bytes], *, user: User) -> None:
    """Write the zip a member downloads: data.json, one CSV per section, their uploaded files."""
    document = member_export_document(user=user)
    bundle_write(target, document=document, files=_attachment_files(document))


def member_export_file(*, user: User) -> IO[bytes]:
    """The member's zip in an anonymous temporary file, rewound for reading (the caller closes it)."""
    return bundle_file(lambda target: member_export_write(target, user=user))
