"""Access rows for data portability: a member's data page, download and account deletion; the
organizer's member import (upload → preview → confirm) and community export.

Deleting an account works for every signed-in persona except the two owners (olivia owns Northwind,
carol owns Elsewhere): they must transfer ownership first and get the form back with that reason (400).
Downloads (the member's data, the community export) ask for the password again; the rows post a wrong
one, so the answer is the form again (400) rather than a zip, which this matrix cannot read as text;
peerpact/accounts/tests and peerpact/insights/tests download the real files. The confirm row posts a
digest with no previewed file in the session: organizers are sent back to the upload page (302) and
nothing is imported; tests in peerpact/circles/tests cover a real import.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from peerpact.accounts.models import User
from peerpact.communities.models import CommunityInvitation, CommunityMembership
from tests.matrix_kit import ALL_PERSONAS, POST_ONLY, Effect, get, post

PASSWORD = "correct horse battery staple"


def extend(w: Any) -> None:
    pass


TARGETS = {
    "elsewhere": lambda w: {"slug": w.other_community.slug},
}

GET_ONLY = {"accounts:data"}


def _people(w: Any) -> int:
    return User.objects.filter(email__in=[f"{p}@example.com" for p in ALL_PERSONAS[1:]]).count()


def _community_rows(w: Any) -> tuple[int, int]:
    return CommunityMembership.objects.count(), CommunityInvitation.objects.count()


def _csv(w: Any) -> dict[str, Any]:
    content = b"email,name\nnewcomer@example.org,New Comer\nerin@example.com,Erin\n"
    return {"file": SimpleUploadedFile("people.csv", content, content_type="text/csv")}


READS = Effect({"password": "not the password"}, _people)
DELETE = Effect({"password": PASSWORD, "understood": "on"}, _people, "erin dave bob alice otto")
PREVIEW = Effect(_csv, _community_rows)
CONFIRM = Effect({"digest": "0" * 64}, _community_rows)
EXPORT = Effect({"password": "not the password"}, _community_rows)
ORGANIZERS = "login 404 404 403 403 403 200 200"

ROWS = [
    get("accounts:data", "-", "login 200 200 200 200 200 200 200"),
    get("accounts:data-download", "-", POST_ONLY),
    post("accounts:data-download", "-", "login 400 400 400 400 400 400 400", READS),
    get("accounts:delete", "-", "login 200 200 200 200 200 200 200"),
    post("accounts:delete", "-", "login 302 400 302 302 302 302 400", DELETE),
    get("communities:member-import", "community", ORGANIZERS),
    get("communities:member-import[foreign]", "elsewhere", "login 404 200 404 404 404 404 404"),
    post("communities:member-import", "community", ORGANIZERS, PREVIEW),
    get("communities:member-import-confirm", "community", POST_ONLY),
    post("communities:member-import-confirm", "community", "login 404 404 403 403 403 302 302", CONFIRM),
    get("insights:community-export", "community", ORGANIZERS),
    get("insights:community-export[foreign]", "elsewhere", "login 404 200 404 404 404 404 404"),
    post("insights:community-export", "community", "login 404 404 403 403 403 400 400", EXPORT),
    post("insights:community-export[foreign]", "elsewhere", "login 404 400 404 404 404 404 404", EXPORT),
]
