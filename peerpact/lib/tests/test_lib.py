from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from peerpact.lib.env import env_bool, env_choice, env_int, env_list, env_str
from peerpact.lib.markdown import render_markdown
from peerpact.lib.timezones import is_valid_timezone

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("yes", True), ("off", False), ("", False)]
)
def test_env_bool_reads_common_spellings(raw, expected):
    assert env_bool("X", environ={"X": raw}) is expected


def test_env_bool_rejects_nonsense():
    with pytest.raises(ImproperlyConfigured, match="X must be a boolean"):
        env_bool("X", environ={"X": "maybe"})


def test_env_int_validates_and_defaults():
    assert env_int("N", 5, environ={}) == 5
    assert env_int("N", 5, environ={"N": "7"}) == 7
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("N", 5, environ={"N": "seven"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("N", 5, environ={"N": "0"}, minimum=1)


def test_env_list_and_choice():
    assert env_list("H", environ={"H": "a.example, b.example ,"}) == ["a.example", "b.example"]
    assert env_choice("E", ("smtp", "console"), "console", environ={"E": "SMTP"}) == "smtp"
    with pytest.raises(ImproperlyConfigured, match="one of"):
        env_choice("E", ("smtp", "console"), "console", environ={"E": "pigeon"})


def test_secrets_can_come_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(secret)}) == "s3cret"
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("SECRET_KEY", environ={"SECRET_KEY_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "<svg onload=alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<a href="https://ok.example" onclick="alert(1)">x</a>',
    ],
)
def test_markdown_never_lets_script_through(payload):
    tags = _tags(str(render_markdown(payload)))
    for tag, attrs in tags:
        assert tag in {"p", "a", "strong", "em", "code"}, tag
        for name, value in attrs:
            assert not name.startswith("on")
            assert not (value or "").lower().startswith(("javascript:", "data:"))


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    from html.parser import HTMLParser

    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_markdown_keeps_formatting_and_makes_links_safe():
    html = str(render_markdown("# Title\n\n**bold** and [site](https://example.org)"))
    assert "<h2>Title</h2>" in html  # h1 is the page's own
    assert "<strong>bold</strong>" in html
    assert 'rel="noopener noreferrer nofollow ugc"' in html


def test_timezone_validation():
    assert is_valid_timezone("Asia/Kathmandu")
    assert not is_valid_timezone("Mars/Olympus")
    assert not is_valid_timezone("")


def _run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    private = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in private}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_a_placeholder_secret_key():
    result = _run_check({"DEBUG": "false", "SECRET_KEY": "change-me"})
    assert result.returncode != 0
    assert "SECRET_KEY is unset or a placeholder" in result.stderr


PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "peerpact.example.org",
    "SITE_URL": "https://peerpact.example.org",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}


def test_deploy_check_is_clean_with_the_documented_production_settings():
    result = _run_check(PRODUCTION_ENV, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
