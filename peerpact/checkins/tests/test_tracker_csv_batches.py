"""The tracker CSV reads a few members at a time: the same bytes whatever the batch, few queries each."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpact.checkins import selectors
from peerpact.checkins.views import tracker
from peerpact.circles.models import Circle
from peerpact.communities.models import CommunityMembership

pytestmark = pytest.mark.django_db


def test_batches_of_members_write_the_same_csv_with_four_queries_each(client, monkeypatch):
    call_command("seed_demo", stdout=io.StringIO())
    circle = Circle.objects.select_related("community").order_by("pk").first()
    owner = CommunityMembership.objects.filter(community=circle.community, role="owner").first()
    client.force_login(owner.user)
    url = reverse("checkins:tracker-csv", kwargs={"community": circle.community.slug, "circle": circle.slug})
    community_url = reverse("dashboard:export", kwargs={"slug": circle.community.slug, "kind": "checkins"})

    def fetch(link: str, **query: str) -> tuple[bytes, int]:
        with CaptureQueriesContext(connection) as captured:
            body = b"".join(client.get(link, query).streaming_content)
        return body, len(captured)

    whole, whole_queries = fetch(url)
    whole_range, _ = fetch(url, **{"from": "2", "to": "3", "state": "on_time"})
    community, _ = fetch(community_url)
    assert whole.count(b"\r\n") > 10
    members = len(selectors.seated_members(circle=circle))
    assert members > 1
    monkeypatch.setattr(tracker, "CSV_BATCH_CELLS", 1)  # one member per batch
    batched, batched_queries = fetch(url)
    assert batched == whole
    assert fetch(url, **{"from": "2", "to": "3", "state": "on_time"})[0] == whole_range
    assert fetch(community_url)[0] == community
    assert batched_queries - whole_queries == 4 * (members - 1)  # checkins, commitments, blackouts, pauses
