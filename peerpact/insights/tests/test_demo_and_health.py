from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from peerpact.circles.models import Circle, Membership
from peerpact.communities.models import Community

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_living_community_and_is_idempotent(capsys):
    call_command("seed_demo")
    counts = (Community.objects.count(), Circle.objects.count(), Membership.objects.seated().count())
    call_command("seed_demo")
    assert (Community.objects.count(), Circle.objects.count(), Membership.objects.seated().count()) == counts
    assert counts[1] == 3
    assert counts[2] >= 15
    assert {c.purpose for c in Circle.objects.all()} == {"weekly_goals", "job_search", "study"}
    assert all(c.memberships.filter(role="facilitator").exists() for c in Circle.objects.all())
    assert "peerpact-demo" in capsys.readouterr().out
    from collections import Counter

    from django.utils import timezone

    from peerpact.checkins import selectors
    from peerpact.checkins.models import Blackout, Pause
    from peerpact.checkins.schedule import State

    wins = Circle.objects.get(slug="weekly-wins")
    table = selectors.grid(
        circle=wins, cycles=selectors.tracker_cycles(circle=wins, now=timezone.now()), now=timezone.now()
    )
    states = Counter(cell.state for row in table.rows for cell in row.cells)
    assert len(table.cycles) == 12
    assert (
        states[State.ON_TIME] > states[State.LATE] > 0
        and states[State.MISSED] > 0
        and states[State.EXCUSED] > 0
    )
    assert Pause.objects.exists() and Blackout.objects.filter(circle=wins).exists()
    assert mail.outbox == []  # fictional people get no email
    from peerpact.notifications.models import Message

    assert not Message.objects.filter(channel="email", state="pending").exists()
    assert Message.objects.filter(channel="inapp", kind="circle.invitation").exists()


def test_demo_people_can_log_in(client):
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": "peerpact-demo"})
    assert response.status_code == 302
    assert "Weekly Wins" in client.get("/").content.decode()


def test_healthz_reports_the_database_the_worker_and_the_backlog(client, bob):
    from datetime import timedelta

    from django.utils import timezone

    from peerpact.notifications import outbox
    from peerpact.notifications.models import WorkerHeartbeat

    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "worker": {"alive": False, "last_seen": None},
        "queue": {"due": 0},
    }
    now = timezone.now()
    WorkerHeartbeat.objects.create(name="host:1", started_at=now, seen_at=now - timedelta(seconds=10))
    outbox.message_enqueue(
        recipient=bob,
        kind="k",
        channel="inapp",
        template="emails/notice",
        context={},
        due_at=now,
        dedupe_key="h1",
    )
    body = client.get("/healthz").json()
    assert body["worker"]["alive"] is True and body["queue"] == {"due": 1}


def test_healthz_answers_plain_http_even_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
