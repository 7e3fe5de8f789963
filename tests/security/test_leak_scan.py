"""Leak scan (issue 10, "Access and abuse"): private things never reach anyone not allowed.

Secrets are seeded into the access matrix's world, each a unique string with the personas allowed to
see it. Then every GET row of the matrix (every page, CSV, iCal feed, zip export and JSON API read,
the API's list endpoints included) is requested as every persona, lapsed ones too, and each secret
may appear only in responses to its allowed personas.

- A facilitator-only check-in ("Only facilitators and organizers"): bob (its author), alice
  (facilitator), otto and olivia (organizers).
- A pause reason ("private to facilitators and organizers"): bob (his own), alice, otto, olivia.
- The author of anonymous feedback (Wren: she gave it, then left the circle and the community, so
  her name has no other reason to be on a page): only the organizers, for moderation.
- The reporter of a safety report (Rhea, gone the same way): only the organizers.
- A self-identification answer in an intake (a value no longer among the question's options, so
  no form offers it): nobody among the personas (only the solver reads it).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, Membership
from peerpact.communities.models import CommunityMembership
from peerpact.feedback import services as feedback_services
from peerpact.formation.models import Application
from peerpact.formation.services import intakes as formation_services
from peerpact.safety import services as safety_services
from tests.matrix_kit import ALL_PERSONAS, person, seat
from tests.security.matrix_world import ROWS, TARGETS, log_in, world

__all__ = ["world"]
pytestmark = pytest.mark.django_db

ORGANIZERS = {"otto", "olivia"}
CIRCLE_CARE = {"alice", "otto", "olivia"}  # the circle's facilitator and the community's organizers
FACILITATOR_CHECKIN = "Xylophage-facilitators-only"
PAUSE_REASON = "Quillwort-pause-reason"
WREN = ("Wrenna Anonyma", "wrenna.anonyma@example.com")
RHEA = ("Rheamarie Reporter", "rheamarie.reporter@example.com")
IDENTITY = "Zirconian-identity-answer"
ANONYMOUS_PRAISE = "Anonymous praise, Peppercorn"  # not a secret: shown to the circle without a name
REPORT_DETAILS = "Marjoram-report-details"
# Each secret string and the personas allowed to receive it.
SECRETS: dict[str, set[str]] = {
    FACILITATOR_CHECKIN: {"bob"} | CIRCLE_CARE,
    PAUSE_REASON: {"bob"} | CIRCLE_CARE,
    **dict.fromkeys(WREN, ORGANIZERS),
    **dict.fromkeys(RHEA, ORGANIZERS),
    IDENTITY: set(),
    REPORT_DETAILS: ORGANIZERS,
}
GET_ROWS = [r for r in ROWS if r.method == "GET"]


def _gone(w: Any, user: Any) -> None:
    """They leave the circle and the community: their rows stay, their seat does not."""
    circle_services.membership_leave(circle=w.circle, user=user)
    circle_services.community_member_remove(
        actor=w.users["olivia"], membership=CommunityMembership.objects.get(community=w.community, user=user)
    )


@pytest.fixture
def secrets(world: Any) -> Any:
    w = world
    bob, olivia = w.users["bob"], w.users["olivia"]
    # Wren gives anonymous feedback on alice's check-in; Rhea reports bob's. Then both go.
    circle_services.circle_update(
        circle=Circle.objects.get(pk=w.circle.pk), actor=olivia, allow_anonymous_feedback=True
    )
    wren, rhea = person(WREN[1], WREN[0]), person(RHEA[1], RHEA[0])
    for user in (wren, rhea):
        seat(w.circle, user, olivia)
    alice_checkin = Checkin.objects.get(
        membership__user=w.users["alice"], cycle=Cycle.objects.get(circle=w.circle, index=1)
    )
    feedback_services.feedback_give(
        checkin=alice_checkin, actor=wren, worked=ANONYMOUS_PRAISE, anonymous=True
    )
    safety_services.report_create(
        kind="checkin", obj=w.bob_checkin, reporter=rhea, reason="other", details=REPORT_DETAILS
    )
    for user in (wren, rhea):
        _gone(w, user)
    # bob's check-in, now for the facilitators only.
    checkin = Checkin.objects.get(pk=w.bob_checkin.pk)
    checkin_services.checkin_submit(
        membership=w.bob,
        cycle=checkin.cycle,
        actor=bob,
        answers=CheckinAnswers(wins="Bob's win", blockers=FACILITATOR_CHECKIN, visibility="facilitators"),
        expected_version=checkin.version,
    )
    checkin_services.pause_start(
        membership=Membership.objects.get(pk=w.bob.pk),
        actor=bob,
        starts_on=timezone.localdate(),
        reason=PAUSE_REASON,
    )
    # bob answered an identity question with an option that has since been removed.
    question = formation_services.question_add(
        intake=w.fm_intake,
        actor=olivia,
        kind="identity",
        prompt="Identity?",
        options=["A", "B"],
        protected_options=["A"],
    )
    Application.objects.filter(pk=w.fm_bob_application.pk).update(identity={question.key: [IDENTITY]})
    return w


def _body(response: Any) -> str:
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if raw.startswith(b"PK\x03\x04"):  # a zip (data export): read every file in it
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            raw = b"\n".join(archive.read(name) for name in archive.namelist())
    return raw.decode("utf-8", errors="replace")


SCANNED: dict[str, int] = {}


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_secrets_reach_only_those_allowed(client, secrets, persona: str) -> None:
    w = secrets
    log_in(client, w, persona)
    leaks, seen, scanned = [], set(), 0
    for entry in GET_ROWS:
        url = reverse(entry.name, kwargs=TARGETS[entry.target](w))
        response = client.get(url)
        scanned += 1
        body = _body(response)
        if ANONYMOUS_PRAISE in body:
            seen.add(ANONYMOUS_PRAISE)
        for secret, allowed in SECRETS.items():
            if secret in body:
                seen.add(secret)
                if persona not in allowed:
                    leaks.append(f"{entry.id} ({response.status_code}): {secret}")
    SCANNED[persona] = scanned
    assert not leaks, f"{persona} received: {leaks}"
    # The scan does reach the pages that hold them: those allowed see them somewhere.
    if persona in {"bob", "alice", "olivia"}:
        assert seen >= {FACILITATOR_CHECKIN, PAUSE_REASON}, seen
    if persona == "alice":  # the anonymous feedback is on her check-in
        assert ANONYMOUS_PRAISE in seen, seen
    if persona == "olivia":
        assert REPORT_DETAILS in seen, seen


def test_the_scan_covers_every_get_row_and_persona() -> None:
    """Pages x personas, for the report: every GET row of the matrix for each of the 10 personas."""
    assert len(GET_ROWS) > 100 and len(ALL_PERSONAS) == 10
