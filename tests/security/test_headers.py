"""Security headers on pages and downloads, and `manage.py check --deploy` in a production-like env."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import PASSWORD
from peerpact.programs.tests.conftest import cohort, module, program, submit  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_a_normal_page_sends_the_security_headers(client: Any, bob: Any) -> None:
    client.force_login(bob)
    response = client.get("/")
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    nonce = re.search(r"'nonce-([^']+)'", " ".join(csp["script-src"]))
    assert nonce, csp["script-src"]
    # The nonce is fresh per response and is the one the page's own scripts carry.
    assert f'nonce="{nonce.group(1)}"' in response.content.decode()
    assert nonce.group(1) not in client.get("/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # off by default (SECURE_HSTS_SECONDS=0)


def test_hsts_is_sent_over_https_once_enabled(client: Any, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")  # never over plain HTTP


@pytest.mark.usefixtures("clock")
def test_program_attachments_download_as_attachments_never_rendered(
    client: Any,
    cohort: Any,  # noqa: F811
    module: Any,  # noqa: F811
    bob: Any,
) -> None:
    # Uploads holding markup are refused now (peerpact/programs/tests/test_upload_sniffing.py); a file
    # stored before that, or changed on disk, must still never render: give the stored one HTML.
    submission = submit(cohort, module, bob, files=[SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")])
    stored = submission.attachments.get()
    with stored.file.open("wb") as handle:
        handle.write(b"%PDF-1.4 <script>window.__xss=1</script>")
    link = reverse(
        "programs:attachment",
        kwargs={
            "community": cohort.program.community.slug,
            "cohort": cohort.pk,
            "attachment_id": submission.attachments.get().pk,
        },
    )
    client.force_login(bob)
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert _directives(response["Content-Security-Policy"]) == {"default-src": ["'none'"], "sandbox": []}


def test_the_member_data_zip_downloads_as_an_attachment(client: Any, bob: Any) -> None:
    client.force_login(bob)
    response = client.post(reverse("accounts:data-download"), {"password": PASSWORD})
    assert response.status_code == 200
    assert re.match(
        r'attachment; filename="peerpact-data-\d{4}-\d\d-\d\d\.zip"', response["Content-Disposition"]
    )
    assert response["Content-Type"] == "application/zip"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_check_deploy_is_clean_with_the_production_example(tmp_path: Path) -> None:
    """The production example of .env.example passes `check --deploy` with no warning at all."""
    example = (ROOT / ".env.example").read_text()
    production = example.split("# --- Production example", 1)[1]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_", "DATABASE_URL", "PG", "DJANGO_ALLOW")
        )
    }
    for line in production.splitlines():
        found = re.match(r"# ([A-Z_]+)=(.*)$", line)
        if found:
            env[found.group(1)] = found.group(2).strip('"')
    assert {"DEBUG", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT"} <= env.keys()
    env.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        EMAIL_HOST_PASSWORD="not-used",
        PEERPACT_VAR_DIR=str(tmp_path),
    )
    env.pop("DATABASE_URL")  # the checks need no database; SQLite keeps the test offline
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output
