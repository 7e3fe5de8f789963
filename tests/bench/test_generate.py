"""The benchmark data generator at its smallest size: the manifest's promises hold, the pages render
from its rows alone, the worker finds nothing left to do, and the same seed tells the same story."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from bench.generate import COMMUNITY_SLUG, PASSWORD, TRACKER_SLUG, generate
from peerpact.accounts.models import User
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.circles.models import SEATED, Membership
from peerpact.engagement.services import pulses
from peerpact.goals.models import Commitment
from peerpact.programs.services import followups, reviews
from peerpact.roles import services as role_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny(tmp_path: Path) -> dict[str, Any]:
    return generate(size="tiny", seed=7, manifest_path=tmp_path / "manifest.json", check=False)


def test_the_tracker_circle_has_eight_members_and_eight_cycles_the_last_one_open(tiny):
    now = timezone.now()
    tracker = tiny["tracker_circle"]
    assert tracker["slug"] == TRACKER_SLUG
    assert Membership.objects.filter(circle_id=tracker["id"], status__in=SEATED).count() == 8
    started = list(Cycle.objects.filter(circle_id=tracker["id"]).started(now).order_by("index"))
    assert [c.index for c in started] == list(range(1, 9))
    assert started[-1].is_open(now)
    assert tiny["checkin_form"]["cycle_index"] == 8
    # One more cycle is scheduled, as the worker keeps it: new commitments have somewhere to go.
    assert Cycle.objects.filter(circle_id=tracker["id"], opens_at__gt=now).count() == 1


def test_the_manifest_names_people_who_can_sign_in(tiny):
    member = User.objects.get(email=tiny["member"])
    assert member.check_password(PASSWORD)
    assert User.objects.get(email=tiny["organizer"]).check_password(PASSWORD)
    seat = Membership.objects.get(pk=tiny["member_membership_id"])
    assert (seat.user, seat.circle.slug, seat.role) == (member, TRACKER_SLUG, "member")
    assert (
        Membership.objects.filter(circle=seat.circle, role="facilitator").get().user.email
        == tiny["facilitator"]
    )


def test_the_member_and_the_organizer_see_their_pages(tiny, client):
    client.force_login(User.objects.get(email=tiny["member"]))
    cycles = Cycle.objects.count()
    urls = tiny["urls"]
    for url in (urls["home"], urls["board"], urls["tracker"], urls["tracker_all_cycles"], *urls["api"]):
        assert client.get(url).status_code == 200, url
    form = client.get(urls["checkin_form"])
    assert form.status_code == 200
    for name in tiny["checkin_form"]["fields"]:
        assert f'name="{name}"' in form.content.decode(), name
    client.force_login(User.objects.get(email=tiny["organizer"]))
    assert client.get(urls["dashboard"]).status_code == 200
    assert client.get(f"/c/{COMMUNITY_SLUG}/insights/").status_code == 200
    assert Cycle.objects.count() == cycles  # the rows match the rhythm: no page had to add a cycle


def test_the_member_can_check_in_for_the_open_cycle_with_the_recorded_fields(tiny, client):
    client.force_login(User.objects.get(email=tiny["member"]))
    fields = tiny["checkin_form"]["fields"]
    data = {"wins": "Benchmarked.", "visibility": "circle", "version": "0", "n0_text": "Again"}
    data |= {name: "done" for name in fields if name.endswith("_status")}
    response = client.post(tiny["checkin_form"]["url"], data)
    assert response.status_code == 302
    checkin = Checkin.objects.get(membership_id=tiny["member_membership_id"], cycle__index=8)
    assert checkin.is_submitted and checkin.version == 1


def test_row_counts_match_the_manifest(tiny):
    for label, count in tiny["counts"].items():
        assert apps.get_model(label).objects.count() == count, label
    assert tiny["total_rows"] == sum(tiny["counts"].values())


def test_the_worker_finds_nothing_left_to_do(tiny):
    now = timezone.now()
    units = (
        checkin_services.cycles_materialize,
        checkin_services.pauses_sync,
        role_services.roles_rotate,
        pulses.pulses_open,
        reviews.reviews_allocate_due,
        reviews.reviews_release_overdue,
        followups.followups_send,
    )
    assert [unit.__name__ for unit in units if unit(now=now)] == []


def _story() -> tuple[list[Any], list[Any]]:
    """What happened, without ids: who checked in when, and what became of every commitment."""
    checkins = Checkin.objects.order_by("membership__user__email", "cycle__index").values_list(
        "membership__user__email", "cycle__index", "submitted_at", "wins", "version"
    )
    commitments = Commitment.objects.order_by("membership__user__email", "cycle__index", "text", "status")
    return list(checkins), list(
        commitments.values_list("membership__user__email", "cycle__index", "text", "status")
    )


def test_the_same_seed_tells_the_same_story(tmp_path):
    now = timezone.now()
    runs = []
    for n in range(2):
        with transaction.atomic():
            manifest = generate(
                size="tiny", seed=7, now=now, manifest_path=tmp_path / f"{n}.json", check=False
            )
            runs.append((manifest["counts"], _story()))
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0][1][0]  # not two empty stories
