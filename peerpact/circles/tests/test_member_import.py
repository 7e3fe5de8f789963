"""Importing members from CSV: bad rows shown per line, spreadsheet dialects, all or nothing, stale
previews."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peerpact.circles import member_import
from peerpact.circles.models import Membership, MembershipStatus
from peerpact.communities.models import CommunityInvitation, CommunityMembership

pytestmark = pytest.mark.django_db


def upload(client: Any, community: Any, text: str | bytes, name: str = "people.csv") -> Any:
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("communities:member-import", kwargs={"slug": community.slug}),
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def actions(preview: member_import.ImportPreview) -> list[tuple[int, str]]:
    return [(row.line, row.action) for row in preview.rows]


def test_bad_rows_are_listed_with_their_reasons(community, olivia, circle, bob, erin) -> None:
    text = (
        "email,name,role,circle\n"
        "new@example.org,New Person,member,weekly-wins\n"  # 2 invite
        "not-an-email,Broken,member,\n"  # 3 bad email
        "x@example.org,X,member,no-such-circle\n"  # 4 unknown circle
        "NEW@example.org,Twice,member,\n"  # 5 duplicate of 2
        "y@example.org,Y,captain,\n"  # 6 unknown role
        "bob@example.com,Bob,member,\n"  # 7 already a member
        "erin@example.com,Erin,member,\n"  # 8 existing account → added
        ",No email,member,\n"  # 9 missing email
    )
    preview = member_import.member_import_preview(community=community, actor=olivia, data=text.encode())
    assert actions(preview) == [
        (2, "invite"),
        (3, "error"),
        (4, "error"),
        (5, "error"),
        (6, "error"),
        (7, "skip"),
        (8, "add"),
        (9, "error"),
    ]
    errors = {row.line: " ".join(row.errors) for row in preview.errors}
    assert "not an email address" in errors[3]
    assert "no circle “no-such-circle”" in errors[4]
    assert "Duplicate of line 2" in errors[5]
    assert "Unknown role “captain”" in errors[6]
    assert "email is missing" in errors[9]
    assert preview.rows[5].note == "Already a member."


def test_a_file_with_errors_imports_nothing(client, community, olivia, erin) -> None:
    client.force_login(olivia)
    text = "email,name\nerin@example.com,Erin\nnew@example.org,New\nbroken,Broken\n"
    response = upload(client, community, text)
    assert response.status_code == 200
    page = response.content.decode()
    assert "not an email address" in page and "Import 2 members" not in page
    digest = member_import.file_digest(text.encode())
    response = client.post(
        reverse("communities:member-import-confirm", kwargs={"slug": community.slug}), {"digest": digest}
    )
    assert response.status_code == 400
    assert "nothing was imported" in response.content.decode()
    assert not CommunityMembership.objects.filter(community=community, user=erin).exists()
    assert not CommunityInvitation.objects.filter(email="new@example.org").exists()


def test_import_adds_existing_people_and_invites_the_rest(
    client, community, olivia, circle, erin, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(olivia)
    text = (
        "\ufeffEmail;Name;Role;Circle\r\n"  # Excel: byte order mark, semicolons, CRLF
        "erin@example.com;Erin;member;weekly-wins\r\n"
        "ana@example.org;Ana Lima;organizer;\r\n"
        "sam@example.org;Sam;;weekly-wins\r\n"
    )
    response = upload(client, community, text)
    assert "Import 3 members" in response.content.decode()
    digest = response.context["preview"].digest
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("communities:member-import-confirm", kwargs={"slug": community.slug}), {"digest": digest}
        )
    assert response.status_code == 302
    assert CommunityMembership.objects.get(community=community, user=erin).role == "member"
    assert Membership.objects.get(circle=circle, user=erin).status == MembershipStatus.INVITED
    ana = CommunityInvitation.objects.get(email="ana@example.org")
    sam = CommunityInvitation.objects.get(email="sam@example.org")
    assert (ana.role, ana.circle, sam.role, sam.circle) == ("organizer", None, "member", circle)
    assert sorted(m.to[0] for m in mailoutbox) == ["ana@example.org", "sam@example.org"]
    # Uploading the same file again: everyone is a member or invited already.
    again = member_import.member_import_preview(community=community, actor=olivia, data=text.encode())
    assert [row.action for row in again.rows] == ["skip", "skip", "skip"]


def test_windows_1252_and_tabs_are_read(community, olivia) -> None:
    data = "email\tname\nzoe@example.org\tZoë Ärger\n".encode("cp1252")
    preview = member_import.member_import_preview(community=community, actor=olivia, data=data)
    assert [(row.email, row.name, row.action) for row in preview.rows] == [
        ("zoe@example.org", "Zoë Ärger", "invite")
    ]


def test_a_stale_preview_imports_nothing(client, community, olivia, erin) -> None:
    client.force_login(olivia)
    first = upload(client, community, "email\nerin@example.com\n").context["preview"].digest
    upload(client, community, "email\nother@example.org\n")  # another tab, another file
    response = client.post(
        reverse("communities:member-import-confirm", kwargs={"slug": community.slug}), {"digest": first}
    )
    assert response.status_code == 302 and response["Location"].endswith("/members/import/")
    assert not CommunityMembership.objects.filter(community=community, user=erin).exists()
    with pytest.raises(ValidationError, match="changed since the preview"):
        member_import.member_import_apply(
            community=community, actor=olivia, data=b"email\nerin@example.com\n", digest=first + "0"
        )


def test_one_failing_row_rolls_back_the_rows_before_it(community, olivia, erin, monkeypatch) -> None:
    text = b"email\nerin@example.com\nnew@example.org\n"
    preview = member_import.member_import_preview(community=community, actor=olivia, data=text)

    def refuse(**kwargs: Any) -> Any:
        raise ValidationError("mail server says no")

    monkeypatch.setattr(member_import.community_services, "invitation_create", refuse)
    with pytest.raises(ValidationError, match=r"Line 3 .*Nothing was imported"):
        member_import.member_import_apply(community=community, actor=olivia, data=text, digest=preview.digest)
    assert not CommunityMembership.objects.filter(community=community, user=erin).exists()


def test_limits_and_unreadable_files_are_refused(client, community, olivia) -> None:
    with pytest.raises(ValidationError, match="too large"):
        member_import.parse_member_csv(b"email\n" + b"a@example.org\n" * 20000)
    with pytest.raises(ValidationError, match="at most 500"):
        member_import.parse_member_csv(b"email\n" + b"".join(b"p%d@example.org\n" % i for i in range(501)))
    with pytest.raises(ValidationError, match="name the columns"):
        member_import.parse_member_csv(b"name,role\nAna,member\n")
    client.force_login(olivia)
    response = upload(client, community, b"")
    assert response.status_code == 400


def test_only_the_owner_imports_organizers_and_members_cannot_import(
    client, community, otto, circle, bob
) -> None:
    preview = member_import.member_import_preview(
        community=community, actor=otto, data=b"email,role\nx@example.org,organizer\n"
    )
    assert preview.rows[0].errors == ["Only the owner can add organizers."]
    with pytest.raises(PermissionDenied):
        member_import.member_import_preview(community=community, actor=bob, data=b"email\nx@example.org\n")
    client.force_login(bob)
    assert upload(client, community, "email\nx@example.org\n").status_code == 403
