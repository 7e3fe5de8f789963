"""Export, then delete: a demo member with data in every app leaves nothing identifiable behind.

The demo community is seeded once for the module (it takes seconds); each test runs in a rolled-back
savepoint. Before the round trip every text the member wrote is overwritten with a unique marker, so
"nothing they wrote remains" is a plain search of every text, char and JSON column of every model.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

from peerpact.accounts.models import User
from peerpact.accounts.portability import erase, model_or_none

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
MARK = "zqmark"

# What a member writes, found by this test's own list (not the code's): label → (owner lookup, fields).
WRITTEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "checkins.Checkin": ("membership__user", ("wins", "blockers", "help_request")),
    "checkins.Pause": ("membership__user", ("reason",)),
    "goals.Goal": ("membership__user", ("title", "why", "unit")),
    "goals.Milestone": ("goal__membership__user", ("title",)),
    "goals.Commitment": ("membership__user", ("text", "note")),
    "feedback.Comment": ("author", ("body",)),
    "feedback.Feedback": ("author", ("worked", "suggestion", "question")),
    "feedback.HelpOffer": ("helper", ("message",)),
    "feedback.HelpResolution": ("resolved_by", ("note",)),
    "roles.CycleSummary": ("author", ("text",)),
    "roles.SwapRequest": ("created_by", ("message",)),
    "engagement.PulseAnswer": ("membership__user", ("open_answer",)),
    "programs.Submission": ("enrollment__user", ("text",)),
    "programs.Review": ("assignment__reviewer", ("feedback",)),
    "programs.FollowUp": ("enrollment__user", ("how",)),
    "formation.Application": ("user", ("note",)),
    "safety.Concern": ("raised_by", ("subject", "body")),
    "safety.ConcernEvent": ("author", ("text",)),
    "safety.Report": ("reporter", ("details",)),
}


def _mark(user: User) -> list[str]:
    """Overwrite every text the member wrote with a unique marker; return the markers."""
    markers: list[str] = []
    for label, (owner, fields) in WRITTEN.items():
        model = apps.get_model(label)
        for pk in model._default_manager.filter(**{owner: user}).values_list("pk", flat=True):
            values = {name: f"{MARK}{len(markers) + i}x" for i, name in enumerate(fields)}
            markers.extend(values.values())
            model._default_manager.filter(pk=pk).update(**values)
    return markers


def _extras(user: User) -> None:
    """What the demo does not give the member: a formation application with private answers, a chat
    target with a secret, a block, a calendar feed, an API token, an invitation to their address."""
    from peerpact.checkins.models import CalendarFeed
    from peerpact.communities.models import Community, CommunityInvitation
    from peerpact.formation.models import Application, Intake
    from peerpact.notifications.models import ChatTarget
    from peerpact.safety.models import Block

    intake = Intake.objects.order_by("pk").first()
    assert intake is not None
    Application.objects.create(
        intake=intake,
        user=user,
        timezone="Europe/Madrid",
        identity={"gender": f"{MARK}identityx"},
        answers={"q": f"{MARK}answerx"},
        note=f"{MARK}notex",
    )
    ChatTarget.objects.create(owner=user, url="slack://tokenA/tokenB/SECRETSECRET", label=f"{MARK}chatx")
    Block.objects.create(blocker=user, blocked=User.objects.get(email="bob@example.com"))
    CalendarFeed.objects.create(user=user)
    community = Community.objects.get()
    CommunityInvitation.objects.create(
        community=community, kind="email", email=user.email, expires_at=timezone.now() + timedelta(days=3)
    )
    token = model_or_none("api.ApiToken")
    if token is not None:
        from peerpact.api import services as api_services

        api_services.token_create(user=user, name=f"{MARK}tokenx")


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        hugo = User.objects.get(email="hugo@example.com")
        hugo.set_password(PASSWORD)
        hugo.save(update_fields=["password"])
        _extras(hugo)
        yield SimpleNamespace(hugo=hugo, name=hugo.display_name, email=hugo.email, markers=_mark(hugo))
        transaction.set_rollback(True)


def _texts() -> Iterator[tuple[str, int, str]]:
    """Every text, char and JSON value in the database, as (model, pk, lowercased text)."""
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        for pk, *values in model._default_manager.values_list("pk", *fields):
            text = " ".join(
                json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v for v in values
            )
            yield model._meta.label, pk, text.lower()


def _leftovers(demo: SimpleNamespace) -> list[tuple[str, int, str]]:
    needles = [demo.email.lower(), demo.name.lower(), MARK]
    return [(label, pk, n) for label, pk, text in _texts() for n in needles if n in text]


def _export(client: Any, user: User) -> tuple[dict[str, Any], zipfile.ZipFile]:
    client.force_login(user)
    response = client.post(reverse("accounts:data-download"), {"password": PASSWORD})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return json.loads(archive.read("data.json")), archive


def test_export_holds_everything_the_member_wrote_and_nothing_private_of_others(client, demo) -> None:
    assert _leftovers(demo), "the round trip starts with the member's data in place"
    data, archive = _export(client, demo.hugo)
    text = archive.read("data.json").decode()
    missing = [marker for marker in demo.markers if marker not in text]
    assert not missing, f"texts the member wrote are missing from the export: {missing[:5]}"
    assert data["profile"]["email"] == demo.email
    for section in (
        "checkins",
        "goals",
        "commitments",
        "feedback_given",
        "kudos_given",
        "formation_applications",
    ):
        assert data[section], section
        assert f"{section}.csv" in archive.namelist()
    assert data["formation_applications"][0]["private_self_identification"] == {"gender": f"{MARK}identityx"}
    assert data["chat_targets"][0]["url"].endswith("…/…CRET") and "SECRETSECRET" not in text
    assert demo.hugo.password not in text and "password" not in data["profile"]
    others = User.objects.exclude(pk=demo.hugo.pk).exclude(email__startswith="applicant")
    leaked = [u.email for u in others if u.email in text]
    assert not leaked, f"other people's addresses in the export: {leaked}"
    if "api_tokens" in data:
        assert data["api_tokens"][0]["name"] == f"{MARK}tokenx" and "secret_hash" not in data["api_tokens"][0]
    # Anonymous feedback the member received never names its author: received feedback is not exported.
    assert not [key for key in data if "received" in key]


@pytest.mark.parametrize("policy", ["anonymize", "remove"])
def test_deleting_the_account_leaves_nothing_identifiable(client, demo, policy: str) -> None:
    from peerpact.checkins.models import Checkin
    from peerpact.communities.models import Community
    from peerpact.feedback.models import Kudos

    Community.objects.update(departed_member_content=policy)
    hugo = demo.hugo
    checkins = Checkin.objects.filter(membership__user=hugo)
    states = sorted(checkins.values_list("cycle_id", "submitted_at"))
    kudos = Kudos.objects.filter(author=hugo).count()
    assert states and kudos
    client.force_login(hugo)
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert not User.objects.filter(pk=hugo.pk).exists()
    assert "_auth_user_id" not in client.session
    leftovers = _leftovers(demo)
    assert not leftovers, f"still identifiable after deletion: {leftovers[:10]}"
    former = User.objects.filter(email__endswith="@" + erase.PLACEHOLDER_DOMAIN)
    if policy == "anonymize":
        placeholder = former.get()
        assert (placeholder.display_name, placeholder.is_active, placeholder.has_usable_password()) == (
            erase.FORMER_MEMBER,
            False,
            False,
        )
        kept = Checkin.objects.filter(membership__user=placeholder)
        assert sorted(kept.values_list("cycle_id", "submitted_at")) == states, "states stay for statistics"
        assert set(kept.values_list("wins", "blockers", "help_request")) == {("", "", "")}
        assert Kudos.objects.filter(author=placeholder).count() == kudos
    else:
        assert not former.exists()
        assert not Checkin.objects.filter(
            cycle_id__in=[cycle for cycle, _at in states], wins__startswith=MARK
        ).exists()
        assert (
            Checkin.objects.count() and not Kudos.objects.filter(author__email__endswith=".invalid").exists()
        )


def test_wrong_password_deletes_and_downloads_nothing(client, demo) -> None:
    client.force_login(demo.hugo)
    response = client.post(reverse("accounts:data-download"), {"password": "nope"})
    assert response.status_code == 400 and "That is not your password." in response.content.decode()
    response = client.post(reverse("accounts:delete"), {"password": "nope", "understood": "on"})
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=demo.hugo.pk).exists()


def test_an_owner_must_transfer_ownership_first(client, demo) -> None:
    olivia = User.objects.get(email="olivia@example.com")
    olivia.set_password(PASSWORD)
    olivia.save(update_fields=["password"])
    client.force_login(olivia)
    page = client.get(reverse("accounts:data")).content.decode()
    assert "Transfer ownership to another member first" in page
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 400
    assert "You own Northwind Collective. Transfer ownership" in response.content.decode()
    assert User.objects.filter(pk=olivia.pk).exists()


def test_every_model_pointing_at_a_person_is_handled() -> None:
    """A new model with a link to the user must be added to the export and deletion lists (and here)."""
    from peerpact.accounts.portability.export import SECTIONS

    exported = {section.label for section in SECTIONS}
    no_personal_text = {  # links that carry no words of the person, or that deletion clears on its own
        "communities.Community",
        "communities.CommunityInvitation",
        "circles.Circle",
        "checkins.Rhythm",
        "checkins.Blackout",
        "safety.ModerationAction",
        "feedback.PeerActivity",
        "engagement.ReengagementCase",
        "programs.Program",
        "programs.Highlight",
        "programs.Calibration",
        "programs.ReviewAssignment",
        "formation.Intake",
        "formation.FormationRun",
        "webhooks.Endpoint",
        "api.IdempotencyKey",  # a retry cache (24 h): cascades with its caller, others' copies scrubbed
        "admin.LogEntry",
        "account.EmailConfirmation",
        "auth.Permission",
    }
    unknown = []
    for model in apps.get_models():
        label = model._meta.label
        links = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is User]
        if links and label not in exported | no_personal_text | {"accounts.User"}:
            unknown.append(label)
    assert not unknown, f"models linking to a person that the export/deletion lists do not cover: {unknown}"
