"""The organizer's community export (manage.py export_community) and a tested backup and restore."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles.models import Membership
from peerpact.goals import services as goal_services


def _seed(circle: Any, alice: Any, bob: Any, other_community: Any) -> None:
    checkin_services.rhythm_set(circle=circle, actor=alice, spec=checkin_services.RhythmSpec(weekdays=["FR"]))
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    cycle = Cycle.objects.filter(circle=circle).order_by("index").first()
    assert cycle is not None
    for user, wins, visibility in (
        (bob, "Shipped the demo", "circle"),
        (alice, "Only for facilitators", "facilitators"),
    ):
        checkin_services.checkin_submit(
            membership=Membership.objects.get(circle=circle, user=user),
            cycle=cycle,
            actor=user,
            answers=CheckinAnswers(wins=wins, visibility=visibility),
            expected_version=None,
        )
    seat = Membership.objects.get(circle=circle, user=bob)
    goal_services.goal_create(membership=seat, actor=bob, title="Run 100 km", target=100)
    goal_services.goal_create(
        membership=seat, actor=bob, title="My secret goal", target=3, visibility="private"
    )


@pytest.mark.django_db
def test_export_community_writes_json_and_csvs_of_that_community_only(
    tmp_path: Path, community, circle, alice, bob, other_community
) -> None:
    _seed(circle, alice, bob, other_community)
    out = tmp_path / "northwind.zip"
    call_command("export_community", community.slug, str(out), stdout=io.StringIO())
    archive = zipfile.ZipFile(out)
    names = set(archive.namelist())
    assert {
        "data.json",
        "community.csv",
        "circles.csv",
        "circle_memberships.csv",
        "cycles.csv",
        "checkins.csv",
    } <= names
    data = json.loads(archive.read("data.json"))
    assert data["community"]["slug"] == community.slug
    assert [row["slug"] for row in data["circles"]] == [circle.slug]
    wins = {row["member_email"]: row["wins"] for row in data["checkins"]}
    assert wins == {"bob@example.com": "Shipped the demo", "alice@example.com": ""}
    assert sorted(row["title"] for row in data["goals"]) == ["", "Run 100 km"]
    text = archive.read("data.json").decode()
    assert "Only for facilitators" not in text and "My secret goal" not in text
    assert "Elsewhere" not in text and "carol@example.com" not in text
    assert archive.read("checkins.csv").decode().startswith("\ufeffid,")
    with pytest.raises(CommandError, match="no community"):
        call_command("export_community", "nowhere", str(out))


@pytest.mark.django_db
def test_organizers_download_the_export_from_the_settings_page(client, community, circle, otto, bob) -> None:
    client.force_login(otto)
    url = reverse("insights:community-export", kwargs={"slug": community.slug})
    assert client.post(url, {"password": "wrong"}).status_code == 400
    response = client.post(url, {"password": "correct horse battery staple"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read("data.json"))
    assert data["community"]["name"] == community.name
    client.force_login(bob)
    assert client.post(url, {"password": "correct horse battery staple"}).status_code == 403


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_and_restore_as_docs_operations_describes(
    tmp_path: Path, community, circle, alice, bob, other_community
) -> None:
    """docs/operations.md, "Backups and restore": an online backup with the SQLite backup API while
    the site's own connection is open, then a restore into a fresh file; every table's rows come back."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite procedure; PostgreSQL uses pg_dump/pg_restore")
    _seed(circle, alice, bob, other_community)
    live = Path(connection.settings_dict["NAME"])
    backup, restored = tmp_path / "backup.sqlite3", tmp_path / "restored.sqlite3"
    with sqlite3.connect(live) as source, sqlite3.connect(backup) as target:
        source.backup(target)  # what `sqlite3 var/peerpact.sqlite3 ".backup 'backup.sqlite3'"` does
    with sqlite3.connect(backup) as source, sqlite3.connect(restored) as target:
        source.backup(target)
    with sqlite3.connect(restored) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    before, after = _counts(live), _counts(restored)
    assert after == before
    assert after["checkins_checkin"] == 2 and after["accounts_user"] >= 4 and after["django_migrations"] > 0
