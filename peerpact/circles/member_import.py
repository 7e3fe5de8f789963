"""Import members into a community from a CSV file: parse, preview row by row, then apply all or nothing.

Columns (header names, any order, case-insensitive): `email` (required), `name`, `role` (member or
organizer), `circle` (a circle's address in this community). Spreadsheet exports are welcome: a UTF-8
byte order mark, semicolons or tabs instead of commas, Windows-1252 text.

It lives in circles, not communities, because a row may invite into a circle (circles.services).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, Membership, MembershipStatus
from peerpact.communities import access as community_access
from peerpact.communities import services as community_services
from peerpact.communities.models import (
    Community,
    CommunityInvitation,
    CommunityMembership,
    CommunityRole,
    InvitationKind,
)

MAX_BYTES = 200 * 1024
MAX_ROWS = 500
COLUMNS = ("email", "name", "role", "circle")

ADD, INVITE, CIRCLE_ONLY, SKIP, ERROR = "add", "invite", "circle", "skip", "error"


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    role: str
    circle_slug: str
    action: str = ""
    errors: list[str] = field(default_factory=list)
    note: str = ""
    user: Any = None
    circle: Circle | None = None


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    digest: str

    @property
    def errors(self) -> list[ImportRow]:
        return [row for row in self.rows if row.action == ERROR]

    @property
    def actionable(self) -> list[ImportRow]:
        return [row for row in self.rows if row.action in (ADD, INVITE, CIRCLE_ONLY)]


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("The file is not readable text. Save it as CSV (UTF-8) and try again."))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel  # one column, or too little to tell: plain commas


def parse_member_csv(data: bytes) -> list[ImportRow]:
    """The rows of the file, not yet checked against the database. File-level problems raise."""
    if not data.strip():
        raise ValidationError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The file is too large (at most %(kb)s KB). Split it into smaller files.")
            % {"kb": MAX_BYTES // 1024}
        )
    if b"\x00" in data[:8192] or data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF-", b"MZ")):
        # A spreadsheet (xlsx/ods are zips, old xls is OLE), a PDF or a program, whatever its name says.
        raise ValidationError(
            _(
                "This is not a CSV file (it looks like a spreadsheet or other binary file). In your "
                "spreadsheet app choose Save as → CSV, then upload that file."
            )
        )
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        body = list(reader)
    except csv.Error as exc:
        raise ValidationError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc
    if "email" not in header:
        raise ValidationError(
            _("The first line must name the columns, with at least “email” (also: name, role, circle).")
        )
    body = [cells for cells in body if any(cell.strip() for cell in cells)]
    if len(body) > MAX_ROWS:
        raise ValidationError(
            _("The file has %(count)s rows; at most %(max)s can be imported at once.")
            % {"count": len(body), "max": MAX_ROWS}
        )
    index = {name: header.index(name) for name in COLUMNS if name in header}

    def cell(cells: list[str], name: str) -> str:
        position = index.get(name)
        return cells[position].strip() if position is not None and position < len(cells) else ""

    return [
        ImportRow(
            line=number,
            email=cell(cells, "email").lower(),
            name=cell(cells, "name"),
            role=cell(cells, "role").lower() or CommunityRole.MEMBER,
            circle_slug=cell(cells, "circle").lower(),
        )
        for number, cells in enumerate(body, start=2)
    ]


def _check(rows: list[ImportRow], *, community: Community, actor: Any) -> None:
    """Decide what each row will do, or why it cannot be imported."""
    User = get_user_model()
    emails = {row.email for row in rows if row.email}
    users = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
    members = set(
        CommunityMembership.objects.filter(community=community, user__in=users.values()).values_list(
            "user_id", flat=True
        )
    )
    circles = {circle.slug: circle for circle in Circle.objects.filter(community=community)}
    invited = set(
        CommunityInvitation.objects.usable(timezone.now())
        .filter(community=community, kind=InvitationKind.EMAIL, email__in=emails)
        .values_list("email", flat=True)
    )
    in_circle = set(
        Membership.objects.filter(circle__community=community, user__in=users.values())
        .filter(status__in=[MembershipStatus.ACTIVE, MembershipStatus.PAUSED, MembershipStatus.INVITED])
        .values_list("circle_id", "user_id")
    )
    is_owner = community_access.is_community_owner(actor, community)
    seen: dict[str, int] = {}
    for row in rows:
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(
                _("“%(email)s” is not an email address.") % {"email": row.email}
                if row.email
                else _("The email is missing.")
            )
        if row.role not in (CommunityRole.MEMBER, CommunityRole.ORGANIZER):
            row.errors.append(_("Unknown role “%(role)s”: use member or organizer.") % {"role": row.role})
        elif row.role == CommunityRole.ORGANIZER and not is_owner:
            row.errors.append(_("Only the owner can add organizers."))
        if row.circle_slug:
            row.circle = circles.get(row.circle_slug)
            if row.circle is None:
                row.errors.append(
                    _("There is no circle “%(slug)s” in this community.") % {"slug": row.circle_slug}
                )
            elif row.circle.is_archived:
                row.errors.append(_("The circle “%(name)s” is archived.") % {"name": row.circle.name})
        if row.email in seen:
            row.errors.append(_("Duplicate of line %(line)s.") % {"line": seen[row.email]})
        elif row.email:
            seen[row.email] = row.line
        if row.errors:
            row.action = ERROR
            continue
        row.user = users.get(row.email)
        if row.user is None:
            if row.email in invited:
                row.action, row.note = SKIP, _("Already invited.")
            else:
                row.action = INVITE
        elif row.user.pk not in members:
            row.action = ADD
        elif row.circle is not None and (row.circle.pk, row.user.pk) not in in_circle:
            row.action = CIRCLE_ONLY
        else:
            row.action, row.note = SKIP, _("Already a member.")


def member_import_preview(*, community: Community, actor: Any, data: bytes) -> ImportPreview:
    """Parse and check the file; nothing is written."""
    if not community_access.can_manage_community(actor, community):
        raise PermissionDenied(_("Only owners and organizers can import members."))
    rows = parse_member_csv(data)
    _check(rows, community=community, actor=actor)
    return ImportPreview(rows=rows, digest=file_digest(data))


def member_import_apply(*, community: Community, actor: Any, data: bytes, digest: str) -> ImportPreview:
    """Import every row of the previewed file, or none: any error rolls the whole import back."""
    if file_digest(data) != digest:
        raise ValidationError(_("The file changed since the preview. Upload it again and check the preview."))
    preview = member_import_preview(community=community, actor=actor, data=data)
    if preview.errors:
        raise ValidationError(
            ngettext(
                "%(count)s row has an error. Fix the file and upload it again: nothing was imported.",
                "%(count)s rows have errors. Fix the file and upload it again: nothing was imported.",
                len(preview.errors),
            )
            % {"count": len(preview.errors)}
        )
    with transaction.atomic():
        for row in preview.actionable:
            try:
                _apply(row, community=community, actor=actor)
            except (ValidationError, PermissionDenied) as exc:
                message = "; ".join(getattr(exc, "messages", [str(exc)]))
                raise ValidationError(
                    _("Line %(line)s (%(email)s): %(error)s. Nothing was imported.")
                    % {"line": row.line, "email": row.email, "error": message}
                ) from exc
    return preview


def _apply(row: ImportRow, *, community: Community, actor: Any) -> None:
    if row.action == INVITE:
        community_services.invitation_create(
            community=community,
            actor=actor,
            kind=InvitationKind.EMAIL,
            email=row.email,
            role=row.role,
            circle=row.circle,
        )
        return
    if row.action == ADD:
        community_services.community_member_add(community=community, user=row.user, role=row.role)
    if row.circle is not None:
        circle_services.circle_invite(circle=row.circle, actor=actor, email=row.email)
