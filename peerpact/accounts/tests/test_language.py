"""Which language a page speaks: the person's choice, then the browser; the footer's switcher."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

SKIP = "Skip to main content"


def in_language(code: str, text: str) -> str:
    with translation.override(code):
        return translation.gettext(text)


@pytest.mark.parametrize("code", ["es", "hi", "ar"])
def test_every_language_has_a_compiled_catalog(code: str) -> None:
    assert in_language(code, SKIP) != SKIP


@pytest.mark.parametrize(
    ("accept", "lang", "direction"),
    [("es", "es", "ltr"), ("hi-IN,hi;q=0.9", "hi", "ltr"), ("ar", "ar", "rtl"), ("fr", "en", "ltr")],
)
def test_an_anonymous_visitor_gets_their_browsers_language(
    client: Any, accept: str, lang: str, direction: str
) -> None:
    page = client.get(reverse("account_login"), headers={"accept-language": accept}).content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in page
    assert in_language(lang, SKIP) in page


def test_a_persons_choice_beats_their_browser(client: Any, bob: Any) -> None:
    bob.language = "ar"
    bob.save()
    client.force_login(bob)
    page = client.get(reverse("home"), headers={"accept-language": "es"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_without_a_choice_a_signed_in_person_follows_the_browser(client: Any, bob: Any) -> None:
    assert bob.language == ""
    client.force_login(bob)
    page = client.get(reverse("home"), headers={"accept-language": "hi"}).content.decode()
    assert '<html lang="hi" dir="ltr">' in page


def test_the_switcher_sets_a_cookie_for_visitors_and_returns_to_the_page(client: Any) -> None:
    login = reverse("account_login")
    response = client.post(reverse("language"), {"language": "es", "next": f"{login}?next=/x/"})
    assert response.status_code == 302
    assert response["Location"] == f"{login}?next=/x/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get(login, headers={"accept-language": "hi"}).content.decode()
    assert '<html lang="es"' in page
    # The switcher on the page shows the current language, each option named in its own language.
    assert '<option value="es" lang="es" selected>español</option>' in page
    assert '<option value="ar" lang="ar">العربيّة</option>' in page


def test_the_switcher_remembers_the_choice_on_the_profile(client: Any, bob: Any) -> None:
    client.force_login(bob)
    client.post(reverse("language"), {"language": "hi", "next": "/"})
    bob.refresh_from_db()
    assert bob.language == "hi"
    assert (
        '<html lang="hi"' in client.get(reverse("home"), headers={"accept-language": "es"}).content.decode()
    )


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", "abc", "home"]
)
def test_the_switcher_never_sends_people_off_site(client: Any, target: str) -> None:
    response = client.post(reverse("language"), {"language": "es", "next": target})
    assert response["Location"] == reverse("home")


def test_an_unknown_language_is_refused_and_changes_nothing(client: Any, bob: Any) -> None:
    client.force_login(bob)
    response = client.post(reverse("language"), {"language": "xx", "next": "/"})
    assert response.status_code == 400
    assert "That language is not available." in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    bob.refresh_from_db()
    assert bob.language == ""


def test_people_keep_the_language_they_signed_up_in_for_their_emails(client: Any) -> None:
    from peerpact.accounts.models import User
    from peerpact.notifications.services import text_render

    password = "a long pass phrase 42"
    form = {
        "email": "hema@example.com",
        "password1": password,
        "password2": password,
        "timezone": "Asia/Kolkata",
    }
    response = client.post(reverse("account_signup"), form, headers={"accept-language": "hi"})
    assert response.status_code == 302
    hema = User.objects.get(email="hema@example.com")
    assert hema.language == "hi"
    # So the worker, with no browser to ask, writes to her in Hindi.
    reminder = {"circle": "Morning Pages", "deadline": "2026-11-27T17:00:00+00:00", "url": "/c/x/"}
    subject, text = text_render(template="emails/checkin_reminder", context=reminder, language=hema.language)
    english, _text = text_render(template="emails/checkin_reminder", context=reminder, language="en")
    assert "Morning Pages" in subject and subject != english and "your update is due" not in subject
    assert "शुक्रवार 27 " in text and "17:00 (UTC)" in text  # Friday 27, in Hindi


def test_the_server_error_page_speaks_the_visitors_language() -> None:
    from django.template.loader import render_to_string

    with translation.override("ar"):
        html = render_to_string("500.html")
    assert '<html lang="ar" dir="rtl">' in html
    assert in_language("ar", "Something went wrong on our side") in html
