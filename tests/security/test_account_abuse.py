"""Password guessing and account enumeration through allauth's pages (settings.ACCOUNT_RATE_LIMITS).

Limits (per process cache, or Redis): failed logins 10 a minute per address and 5 in 5 minutes per
account; login attempts 30 a minute per address; password-reset requests 20 a minute per address and 5 a
minute per email. A refused request answers 429 with a page that says why. Addresses are REMOTE_ADDR.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from peerpact.accounts.models import User

pytestmark = pytest.mark.django_db

TOO_MANY_LOGINS = "Too many failed login attempts. Try again later."
TOO_MANY = "You have tried this too often in a short time."


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    """Rate-limit counters live in the cache, which outlives a test's database transaction."""
    cache.clear()
    yield
    cache.clear()


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, email: str, password: str) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client: Client) -> bool:
    return client.get(reverse("accounts:profile")).status_code == 200


def test_the_eleventh_failed_login_from_one_address_is_refused_with_429(bob):
    client = from_address("198.51.100.7")
    for n in range(10):  # ten different accounts, so only the per-address limit is at play
        response = log_in(client, f"guess{n}@example.com", "wrong password")
        assert response.status_code == 200 and TOO_MANY_LOGINS not in response.content.decode()
    refused = log_in(client, bob.email, PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert TOO_MANY_LOGINS in refused.content.decode()
    assert not signed_in(client)
    other = from_address("198.51.100.8")  # someone else is not held up
    assert log_in(other, bob.email, PASSWORD).status_code == 302 and signed_in(other)


def test_the_sixth_failed_login_for_one_account_is_refused_from_any_address(bob, alice):
    for n in range(5):
        response = log_in(from_address(f"203.0.113.{n + 1}"), bob.email, "wrong password")
        assert response.status_code == 200
    fresh_address = from_address("203.0.113.99")
    refused = log_in(fresh_address, bob.email, PASSWORD)
    assert refused.status_code == 429 and TOO_MANY_LOGINS in refused.content.decode()
    assert not signed_in(fresh_address)
    # Only bob's account is held: alice signs in from the very same address.
    assert log_in(fresh_address, alice.email, PASSWORD).status_code == 302
    # The hold passes: five minutes later the right password works again.
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=5)):
        later = from_address("203.0.113.100")
        assert log_in(later, bob.email, PASSWORD).status_code == 302 and signed_in(later)


def test_more_than_thirty_login_posts_a_minute_from_one_address_get_the_429_page(bob):
    client = from_address("192.0.2.30")
    for _ in range(30):  # incomplete forms: no password is even tried, only the attempts are counted
        assert client.post(reverse("account_login"), {"login": bob.email}).status_code == 200
    page = client.post(reverse("account_login"), {"login": bob.email, "password": PASSWORD})
    assert page.status_code == 429 and not signed_in(client)
    body = page.content.decode()
    assert (
        TOO_MANY in body and '<html lang="' in body
    )  # our page in the site's layout, not allauth's bare one
    assert client.get(reverse("account_login")).status_code == 200  # the form itself still shows


def test_password_reset_emails_are_limited_per_address_and_per_email(bob):
    url = reverse("account_reset_password")
    for n in range(5):  # five requests for bob from five addresses: five emails
        response = from_address(f"198.18.0.{n + 1}").post(url, {"email": bob.email})
        assert response.status_code == 302
    assert len(mail.outbox) == 5
    refused = from_address("198.18.0.50").post(url, {"email": bob.email})
    assert refused.status_code == 429 and TOO_MANY in refused.content.decode()
    assert len(mail.outbox) == 5, "the sixth request for one email sends nothing"

    mail.outbox.clear()
    client = from_address("198.18.1.1")
    for n in range(20):  # twenty different emails from one address
        assert client.post(url, {"email": f"someone{n}@example.com"}).status_code == 302
    refused = client.post(url, {"email": "someone-else@example.com"})
    assert refused.status_code == 429 and TOO_MANY in refused.content.decode()


# --- Account enumeration: the same answer whether the account exists or not ---------------------------


def page_text(response: Any, *, email: str = "") -> tuple[int, str, str]:
    """Status, redirect target and the page's text without what differs per request (CSRF token, nonce) and
    without the email the visitor typed (a page may echo it back)."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "", body)
    body = re.sub(r'(nonce="|"inlineStyleNonce": ")[^"]+"', "", body)
    if email:
        body = body.replace(email, "EMAIL")
    return response.status_code, response.get("Location", ""), body


def test_signing_up_with_a_taken_email_looks_like_any_other_sign_up(client, bob):
    def sign_up(email: str) -> Any:
        form = {
            "email": email,
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
        }
        return Client().post(reverse("account_signup"), {**form, "display_name": "", "timezone": "UTC"})

    taken, new = sign_up(bob.email), sign_up("newcomer@example.com")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert taken.status_code == 302
    assert page_text(client.get(taken["Location"])) == page_text(client.get(new["Location"]))
    # Only the owner of the taken address learns about it, by email.
    assert User.objects.filter(email__iexact=bob.email).count() == 1
    to_bob = [m for m in mail.outbox if bob.email in m.to]
    assert len(to_bob) == 1 and "already" in to_bob[0].body.lower()


def test_a_password_reset_answers_alike_for_known_and_unknown_emails(bob):
    def reset(email: str) -> Any:
        return Client().post(reverse("account_reset_password"), {"email": email})

    known, unknown = reset(bob.email), reset("nobody@example.com")
    assert page_text(known) == page_text(unknown)
    assert known.status_code == 302
    done = Client()
    assert page_text(done.get(known["Location"])) == page_text(done.get(unknown["Location"]))
    assert [m.to for m in mail.outbox] == [[bob.email], ["nobody@example.com"]]
    assert "no account" in mail.outbox[1].body.lower() or "not" in mail.outbox[1].body.lower()


def test_a_wrong_password_and_an_unknown_email_fail_alike(bob):
    wrong = log_in(Client(), bob.email, "wrong password")
    unknown = log_in(Client(), "nobody@example.com", "wrong password")
    assert page_text(wrong, email=bob.email) == page_text(unknown, email="nobody@example.com")
    assert wrong.status_code == 200
    assert "The email address and/or password you specified are not correct." in wrong.content.decode()


def test_an_inactive_account_fails_like_an_unknown_one_without_its_password(bob):
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    inactive = log_in(Client(), bob.email, "wrong password")
    unknown = log_in(Client(), "nobody@example.com", "wrong password")
    assert page_text(inactive, email=bob.email) == page_text(unknown, email="nobody@example.com")
    # With the right password allauth says the account is inactive (the password proves who asks), and
    # signs nobody in.
    client = Client()
    assert log_in(client, bob.email, PASSWORD)["Location"] == reverse("account_inactive")
    assert not signed_in(client)
