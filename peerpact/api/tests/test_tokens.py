"""Personal access tokens: shown once, stored hashed, revocable, expiring, and noting their last use."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from peerpact.api import services
from peerpact.api.models import ApiToken
from peerpact.api.tests.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_the_secret_is_stored_only_as_a_sha256_hash(bob) -> None:
    created = services.token_create(user=bob, name="script", scope="read")
    row = ApiToken.objects.get()
    assert created.secret.startswith(f"pp_{row.prefix}_") and len(created.secret) > 50
    assert row.secret_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    stored = [str(value) for value in ApiToken.objects.values_list().get()]
    assert not [value for value in stored if created.secret in value or created.secret[-20:] in value]


def test_authenticate_finds_the_token_and_notes_its_last_use(bob, clock) -> None:
    created = services.token_create(user=bob, name="script")
    assert created.token.last_used_at is None
    found = services.token_authenticate(presented=created.secret)
    assert found == created.token and found.user == bob
    first_use = ApiToken.objects.get().last_used_at
    assert first_use == timezone.now()
    clock.shift(timedelta(seconds=30))  # within a minute: no write for every request
    services.token_authenticate(presented=created.secret)
    assert ApiToken.objects.get().last_used_at == first_use
    clock.shift(timedelta(minutes=2))
    services.token_authenticate(presented=created.secret)
    assert ApiToken.objects.get().last_used_at == timezone.now()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda s: "pp_000000000000_" + s.split("_", 2)[2],  # unknown prefix
        lambda s: s.split("_", 2)[2],  # no prefix at all
        lambda s: "",
        lambda s: "pp_",
    ],
)
def test_a_wrong_token_authenticates_nobody(bob, tamper) -> None:
    created = services.token_create(user=bob, name="script")
    assert services.token_authenticate(presented=tamper(created.secret)) is None


def test_revoked_and_expired_tokens_stop_working(bob, clock, api) -> None:
    revoked = services.token_create(user=bob, name="old")
    services.token_revoke(token=revoked.token, actor=bob)
    expiring = services.token_create(user=bob, name="short", expires_at=timezone.now() + timedelta(days=1))
    assert api("get", "me", expiring.secret).status_code == 200
    assert_error(api("get", "me", revoked.secret), 401, "not_authenticated")
    clock.shift(timedelta(days=1, seconds=1))
    assert_error(api("get", "me", expiring.secret), 401, "not_authenticated")


def test_a_deactivated_person_s_tokens_stop_working(bob, api) -> None:
    created = services.token_create(user=bob, name="script")
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert_error(api("get", "me", created.secret), 401, "not_authenticated")


def test_only_the_owner_revokes_a_token(bob, alice) -> None:
    created = services.token_create(user=bob, name="script")
    with pytest.raises(PermissionDenied):
        services.token_revoke(token=created.token, actor=alice)
    assert ApiToken.objects.get().revoked_at is None


def test_a_token_may_only_be_limited_to_a_community_of_one_s_own(bob, circle, other_community) -> None:
    with pytest.raises(ValidationError) as caught:
        services.token_create(user=bob, name="script", community=other_community)
    assert "community" in caught.value.message_dict
    assert services.token_create(user=bob, name="script", community=circle.community).token.community_id


def test_a_token_needs_a_name_and_a_future_expiry(bob) -> None:
    with pytest.raises(ValidationError) as caught:
        services.token_create(user=bob, name=" ", expires_at=timezone.now())
    assert set(caught.value.message_dict) == {"name", "expires_at"}


# --- Pages -------------------------------------------------------------------------------------


def test_the_token_is_shown_once_after_creation_then_never_again(client, bob, circle) -> None:
    client.force_login(bob)
    response = client.post(
        reverse("api_tokens:create"),
        {"name": "Spreadsheet", "scope": "write", "community": circle.community.pk, "expires_in": "30"},
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    body = response.content.decode()
    assert secret in body and "shown only this once" in body
    token = ApiToken.objects.get()
    assert (token.name, token.scope, token.community, token.user) == (
        "Spreadsheet",
        "write",
        circle.community,
        bob,
    )
    assert token.expires_at == timezone.now() + timedelta(days=30)
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert "Spreadsheet" in listing and token.display in listing and secret not in listing
    assert reverse("api_tokens:list") in client.get(reverse("accounts:profile")).content.decode()


def test_a_bad_form_keeps_what_was_typed(client, bob) -> None:
    client.force_login(bob)
    response = client.post(reverse("api_tokens:create"), {"name": "", "scope": "admin"})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_revoking_from_the_page(client, bob, alice) -> None:
    created = services.token_create(user=bob, name="script")
    url = reverse("api_tokens:revoke", kwargs={"token_id": created.token.pk})
    client.force_login(alice)
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert ApiToken.objects.get().revoked_at is not None
    assert "Revoked" in client.get(reverse("api_tokens:list")).content.decode()
