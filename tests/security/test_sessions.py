"""Profile → Signed-in sessions: what is listed, signing one or all others out, and the events that end
sessions by themselves (sign-out, password change, deactivation)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from peerpact.accounts.models import UserSession
from peerpact.accounts.services import ip_prefix
from peerpact.api import services as api_services

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()  # login rate limits
    yield
    cache.clear()


def browser(user: Any, agent: str = FIREFOX, address: str = "203.0.113.57") -> Client:
    """A browser signed in through the real login form."""
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def test_signing_in_records_the_session_and_the_profile_lists_it(bob):
    laptop, phone = browser(bob), browser(bob, SAFARI_IPHONE, "2001:db8:1:2::99")
    rows = list(UserSession.objects.filter(user=bob).order_by("pk"))
    assert [r.device for r in rows] == ["Firefox on Linux", "Safari on iOS"]
    assert [r.ip_prefix for r in rows] == ["203.0.113.x", "2001:db8:1::"]
    assert {r.session_key for r in rows} == set(Session.objects.values_list("session_key", flat=True))
    page = laptop.get(reverse("accounts:profile")).content.decode()
    assert "Signed-in sessions" in page and "Firefox on Linux" in page and "Safari on iOS" in page
    assert page.count("this device") == 1 and "203.0.113.x" in page and "203.0.113.57" not in page
    assert signed_in(phone)


def test_last_seen_is_written_at_most_every_few_minutes(bob):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        laptop = browser(bob)
        row = UserSession.objects.get(user=bob)
        clock.shift(timedelta(minutes=2))
        laptop.get(reverse("home"))
        assert UserSession.objects.get(pk=row.pk).last_seen_at == row.last_seen_at
        clock.shift(timedelta(minutes=4))
        laptop.get(reverse("home"))
        assert UserSession.objects.get(pk=row.pk).last_seen_at == start + timedelta(minutes=6)
        assert UserSession.objects.get(pk=row.pk).created_at == row.created_at


def test_signing_one_other_session_out_ends_it_and_keeps_mine(bob):
    laptop, phone = browser(bob), browser(bob, SAFARI_IPHONE)
    phone_row = UserSession.objects.get(user=bob, user_agent=SAFARI_IPHONE)
    response = laptop.post(reverse("accounts:session-revoke", kwargs={"session_id": phone_row.pk}))
    assert response.status_code == 302 and response["Location"].endswith("#sessions")
    assert not signed_in(phone) and signed_in(laptop)
    assert not Session.objects.filter(session_key=phone_row.session_key).exists()
    assert list(UserSession.objects.filter(user=bob).values_list("user_agent", flat=True)) == [FIREFOX]


def test_nobody_can_sign_out_someone_elses_session(bob, alice):
    bobs = browser(bob)
    alices = browser(alice)
    alice_row = UserSession.objects.get(user=alice)
    response = bobs.post(reverse("accounts:session-revoke", kwargs={"session_id": alice_row.pk}))
    assert response.status_code == 404
    assert signed_in(alices) and UserSession.objects.filter(pk=alice_row.pk).exists()


def test_signing_out_this_device_from_the_list_is_a_sign_out(bob):
    laptop = browser(bob)
    row = UserSession.objects.get(user=bob)
    response = laptop.post(reverse("accounts:session-revoke", kwargs={"session_id": row.pk}))
    assert response["Location"] == reverse("account_login")
    assert not signed_in(laptop) and not UserSession.objects.filter(user=bob).exists()


def test_sign_out_all_others_keeps_only_this_device(bob, alice):
    laptop, phone, tablet = browser(bob), browser(bob, SAFARI_IPHONE), browser(bob, address="198.51.100.1")
    alices = browser(alice)
    response = laptop.post(reverse("accounts:sessions-revoke-others"))
    assert response.status_code == 302
    follow = laptop.get(response["Location"]).content.decode()
    assert "2 other sessions signed out." in follow
    assert signed_in(laptop) and not signed_in(phone) and not signed_in(tablet)
    assert signed_in(alices)  # other people are untouched
    assert UserSession.objects.filter(user=bob).count() == 1


def test_signing_out_removes_the_row(bob):
    laptop = browser(bob)
    laptop.post(reverse("account_logout"))
    assert not UserSession.objects.filter(user=bob).exists()


def test_a_password_change_signs_out_every_other_session(bob):
    laptop, phone = browser(bob), browser(bob, SAFARI_IPHONE)
    new = "an entirely new passphrase"
    response = laptop.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert signed_in(laptop) and not signed_in(phone)
    rows = list(UserSession.objects.filter(user=bob))
    assert [r.user_agent for r in rows] == [FIREFOX]
    assert Session.objects.filter(session_key=rows[0].session_key).exists()  # the row followed the new key


def test_a_password_reset_signs_out_every_session(bob, mailoutbox):
    laptop = browser(bob)
    Client().post(reverse("account_reset_password"), {"email": bob.email})
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/key/" in line)
    stranger = Client()
    form_url = stranger.get(link.strip().replace("http://testserver", ""))["Location"]
    new = "an entirely new passphrase"
    assert stranger.post(form_url, {"password1": new, "password2": new}).status_code == 302
    assert not signed_in(laptop) and not UserSession.objects.filter(user=bob).exists()


def test_deactivating_an_account_signs_it_out_everywhere_and_stops_its_tokens(bob, make_user):
    laptop = browser(bob)
    token = api_services.token_create(user=bob, name="Script").secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(reverse("api:me")).status_code == 200
    admin = make_user("root@example.com", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(admin)
    form = staff.get(reverse("admin:accounts_user_change", args=[bob.pk])).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        {"is_active": "", "groups": [], "user_permissions": [], "last_login_0": "", "last_login_1": ""}
    )
    data["date_joined_0"], data["date_joined_1"] = (
        form.initial["date_joined"].strftime("%Y-%m-%d"),
        form.initial["date_joined"].strftime("%H:%M:%S"),
    )
    response = staff.post(reverse("admin:accounts_user_change", args=[bob.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    bob.refresh_from_db()
    assert not bob.is_active
    assert not signed_in(laptop) and not UserSession.objects.filter(user=bob).exists()
    me = api.get(reverse("api:me"))
    assert me.status_code == 401 and me.json()["error"]["code"]


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("203.0.113.57", "203.0.113.x"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1::"),
        ("::1", "::"),
        ("not an address", ""),
        ("", ""),
    ],
)
def test_addresses_are_kept_without_their_host_part(address: str, shown: str) -> None:
    assert ip_prefix(address) == shown
