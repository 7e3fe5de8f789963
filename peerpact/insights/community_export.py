"""An organizer's export of a whole community: data.json and one CSV per table, in a zip.

Explicit columns per table, as in the member export. Check-in texts are included only where the whole
circle can read them (visibility "circle", not hidden or removed by a moderator); private goals keep
their numbers and lose their title. No passwords, tokens, chat URLs, formation self-identification
answers or anonymous feedback authors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from django.db.models import Model
from django.utils import timezone

from peerpact.checkins.models import Checkin, Cycle
from peerpact.circles.models import Circle, Membership
from peerpact.communities.models import Community, CommunityMembership
from peerpact.goals.models import Commitment, Goal, GoalProgress, GoalVisibility, Milestone
from peerpact.lib.datazip import Table, bundle_file, bundle_write
from peerpact.programs.models import Cohort, Enrollment, Module, Program, Submission

FORMAT_VERSION = 1
# Rows fetched per round trip (on PostgreSQL a server-side cursor): memory stays flat at any size.
CHUNK = 500

Columns = Mapping[str, str]
Row = dict[str, Any]


def _rows(
    model: type[Model],
    columns: Columns,
    transform: Callable[[Row], Row] | None = None,
    exclude: Mapping[str, Any] | None = None,
    **lookup: Any,
) -> Table:
    """The model's rows matching `lookup`, by primary key, read lazily in chunks."""
    names, paths = list(columns), list(columns.values())

    def rows() -> Iterator[Row]:
        query = model._default_manager.filter(**lookup).exclude(**(exclude or {}))
        for values in query.order_by("pk").values_list(*paths).iterator(chunk_size=CHUNK):
            row = dict(zip(names, values, strict=True))
            yield transform(row) if transform else row

    return Table(columns=names, rows=rows())


def _shared_texts_only(row: Row) -> Row:
    """Check-in texts only where the whole circle reads them."""
    if row["visibility"] != "circle" or row["moderation_state"] != "visible":
        row.update(wins="", blockers="", help_request="")
    return row


def _no_private_title(row: Row) -> Row:
    if row["visibility"] == GoalVisibility.PRIVATE:
        row["title"] = ""
    return row


MEMBER = {"member": "membership__user__display_name", "member_email": "membership__user__email"}
CIRCLE = {"circle": "membership__circle__slug"}


def community_export_document(*, community: Community) -> dict[str, Any]:
    """The whole community as a document for lib.datazip (tables are read lazily, once)."""
    here: dict[str, Any] = {"community": community}
    in_circles: dict[str, Any] = {"circle__community": community}
    checkins = _rows(
        Checkin,
        {
            "id": "id",
            **CIRCLE,
            **MEMBER,
            "cycle": "cycle__index",
            "deadline_at": "cycle__deadline_at",
            "submitted_at": "submitted_at",
            "confidence": "confidence",
            "visibility": "visibility",
            "moderation_state": "moderation_state",
            "wins": "wins",
            "blockers": "blockers",
            "help_request": "help_request",
        },
        _shared_texts_only,
        membership__circle__community=community,
    )
    goals = _rows(
        Goal,
        {
            "id": "id",
            **CIRCLE,
            **MEMBER,
            "title": "title",
            "direction": "direction",
            "unit": "unit",
            "baseline": "baseline",
            "target": "target",
            "starts_on": "starts_on",
            "due_on": "due_on",
            "status": "status",
            "visibility": "visibility",
            "achieved_at": "achieved_at",
        },
        _no_private_title,
        membership__circle__community=community,
    )
    return {
        "format": {
            "name": "peerpact-community-export",
            "version": FORMAT_VERSION,
            "exported_at": timezone.now(),
        },
        "community": {
            "name": community.name,
            "slug": community.slug,
            "description": community.description,
            "members_can_create_circles": community.members_can_create_circles,
            "departed_member_content": community.departed_member_content,
            "created_at": community.created_at,
        },
        "members": _rows(
            CommunityMembership,
            {"name": "user__display_name", "email": "user__email", "role": "role", "joined_at": "joined_at"},
            **here,
        ),
        "circles": _rows(
            Circle,
            {
                "slug": "slug",
                "name": "name",
                "purpose": "purpose",
                "status": "status",
                "visibility": "visibility",
                "join_policy": "join_policy",
                "size_cap": "size_cap",
                "timezone": "timezone",
                "pilot_tag": "pilot_tag",
                "description": "description",
                "charter": "charter",
                "created_at": "created_at",
            },
            **here,
        ),
        "circle_memberships": _rows(
            Membership,
            {
                "circle": "circle__slug",
                "member": "user__display_name",
                "member_email": "user__email",
                "role": "role",
                "status": "status",
                "joined_at": "joined_at",
                "status_changed_at": "status_changed_at",
            },
            **in_circles,
        ),
        "cycles": _rows(
            Cycle,
            {
                "circle": "circle__slug",
                "index": "index",
                "opens_at": "opens_at",
                "deadline_at": "deadline_at",
                "grace_until": "grace_until",
                "closes_at": "closes_at",
            },
            **in_circles,
        ),
        "checkins": checkins,
        "goals": goals,
        # A private goal's milestones would tell what it is about: left out.
        "milestones": _rows(
            Milestone,
            {"goal_id": "goal_id", "title": "title", "due_on": "due_on", "done_at": "done_at"},
            exclude={"goal__visibility": GoalVisibility.PRIVATE},
            goal__membership__circle__community=community,
        ),
        "goal_progress": _rows(
            GoalProgress,
            {"goal_id": "goal_id", "cycle": "cycle__index", "value": "value", "recorded_at": "recorded_at"},
            goal__membership__circle__community=community,
        ),
        "commitments": _rows(
            Commitment,
            {
                **CIRCLE,
                **MEMBER,
                "cycle": "cycle__index",
                "goal_id": "goal_id",
                "text": "text",
                "quantity": "quantity",
                "status": "status",
                "resolved_at": "resolved_at",
            },
            membership__circle__community=community,
        ),
        "programs": _rows(
            Program,
            {"slug": "slug", "title": "title", "status": "status", "published_at": "published_at"},
            **here,
        ),
        "program_modules": _rows(
            Module,
            {"program": "program__slug", "position": "position", "title": "title", "reviews_k": "reviews_k"},
            program__community=community,
        ),
        "program_cohorts": _rows(
            Cohort,
            {"program": "program__slug", "name": "name", "starts_on": "starts_on", "status": "status"},
            program__community=community,
        ),
        "program_enrollments": _rows(
            Enrollment,
            {
                "program": "cohort__program__slug",
                "cohort": "cohort__name",
                "member": "user__display_name",
                "member_email": "user__email",
                "circle": "circle__slug",
                "state": "state",
                "enrolled_at": "enrolled_at",
            },
            cohort__program__community=community,
        ),
        "program_submissions": _rows(
            Submission,
            {
                "program": "module__program__slug",
                "module": "module__title",
                "member_email": "enrollment__user__email",
                "version": "version",
                "submitted_at": "submitted_at",
            },
            module__program__community=community,
        ),
    }


def community_export_write(target: IO[bytes], *, community: Community) -> None:
    """Write the community's export zip to a binary file."""
    bundle_write(target, document=community_export_document(community=community))


def community_export_file(*, community: Community) -> IO[bytes]:
    """The export zip in an anonymous temporary file, rewound for reading (the caller closes it)."""
    return bundle_file(lambda target: community_export_write(target, community=community))
