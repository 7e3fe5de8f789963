"""Exports read rows in chunks: a private goal's milestones stay out of the community zip (filtered in
SQL now), and the community CSVs cost the same queries however many circles and rows there are."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerpact.circles.models import Membership
from peerpact.goals import services as goal_services
from peerpact.insights import exports
from peerpact.insights.community_export import community_export_file

pytestmark = pytest.mark.django_db


def test_the_community_zip_leaves_out_a_private_goals_title_and_milestones(community, circle, bob):
    seat = Membership.objects.get(circle=circle, user=bob)
    shared = goal_services.goal_create(membership=seat, actor=bob, title="Run 100 km", target=100)
    secret = goal_services.goal_create(
        membership=seat, actor=bob, title="Secret", target=3, visibility="private"
    )
    goal_services.milestone_add(goal=shared, actor=bob, title="First 10 km")
    goal_services.milestone_add(goal=secret, actor=bob, title="Hidden step")
    with community_export_file(community=community) as zipped:
        archive = zipfile.ZipFile(io.BytesIO(zipped.read()))
    data = json.loads(archive.read("data.json"))
    assert [row["title"] for row in data["milestones"]] == ["First 10 km"]
    assert {row["id"]: row["title"] for row in data["goals"]} == {shared.pk: "Run 100 km", secret.pk: ""}
    assert "Hidden step" not in archive.read("milestones.csv").decode()


@pytest.mark.parametrize("kind", ["goals", "commitments", "reviews"])
def test_community_csvs_cost_the_same_queries_when_rows_grow_in_another_circle(
    community, circle, other_circle, olivia, bob, dave, kind
):
    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            _header, rows = exports.export(kind=kind, viewer=olivia, now=timezone.now(), community=community)
            lines = list(rows)
        return len(captured), len(lines)

    goal_services.goal_create(
        membership=Membership.objects.get(circle=circle, user=bob), actor=bob, title="A", target=5
    )
    before, rows_before = queries()
    for n in range(3):
        seat = Membership.objects.get(circle=other_circle, user=dave)
        goal_services.goal_create(membership=seat, actor=dave, title=f"B{n}", target=n + 1)
    after, rows_after = queries()
    assert after == before
    if kind == "goals":
        assert (rows_before, rows_after) == (1, 4)
