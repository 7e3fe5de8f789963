from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from peerpact.accounts.models import User

pytestmark = pytest.mark.django_db


def test_signup_requires_verifying_the_email_before_logging_in(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "display_name": "Nia",
            "timezone": "Pacific/Chatham",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@example.com")
    assert (user.display_name, user.timezone) == ("Nia", "Pacific/Chatham")
    assert client.get("/profile/").status_code == 302  # not logged in yet

    assert "Hello from PeerPact!" in mail.outbox[0].body
    link = re.search(r"http://testserver/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    key_path = link.replace("http://testserver", "")
    confirmed = client.post(key_path)
    assert confirmed.status_code == 302
    assert client.get("/profile/").status_code == 200


def test_signup_rejects_a_weak_password_and_keeps_the_email(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": "short", "password2": "short", "timezone": "UTC"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="new@example.com"' in html
    assert "too short" in html
    assert not User.objects.filter(email="new@example.com").exists()


def test_signup_does_not_reveal_that_an_email_is_taken(client, bob):
    response = client.post(
        reverse("account_signup"),
        {
            "email": bob.email,
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 302  # same "check your email" as a new address
    assert User.objects.filter(email=bob.email).count() == 1


def test_login_is_by_email_and_case_insensitive(client, bob):
    from conftest import PASSWORD

    response = client.post(reverse("account_login"), {"login": "BOB@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 200


def test_profile_update_and_validation(client, bob):
    client.force_login(bob)
    bad = client.post(
        "/profile/",
        {"display_name": "Bobby", "pronouns": "he/him", "timezone": "Mars/Olympus", "language": ""},
    )
    assert bad.status_code == 400
    assert 'value="Bobby"' in bad.content.decode()
    good = client.post(
        "/profile/",
        {"display_name": "Bobby", "pronouns": "he/him", "timezone": "Asia/Kathmandu", "language": "es"},
    )
    assert good.status_code == 302
    bob.refresh_from_db()
    assert (bob.display_name, bob.pronouns, bob.timezone, bob.language) == (
        "Bobby",
        "he/him",
        "Asia/Kathmandu",
        "es",
    )


def test_pages_are_shown_in_my_time_zone(client, bob):
    bob.timezone = "Asia/Kathmandu"
    bob.save()
    client.force_login(bob)
    assert "Times are shown in Asia/Kathmandu." in client.get("/").content.decode()


def test_name_falls_back_to_the_email_local_part(make_user):
    assert make_user("quiet.person@example.com").name == "quiet.person"


def test_passwords_are_hashed_with_argon2_in_production(settings):
    from peerpact import settings as project_settings

    hashers = [h for h in project_settings.PASSWORD_HASHERS if "MD5" not in h]
    assert hashers[0].endswith("Argon2PasswordHasher")


def test_failed_logins_are_rate_limited(client, bob):
    from conftest import PASSWORD

    for _ in range(5):
        client.post(reverse("account_login"), {"login": bob.email, "password": "wrong password"})
    response = client.post(reverse("account_login"), {"login": bob.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/profile/").status_code == 302  # even the right password waits
