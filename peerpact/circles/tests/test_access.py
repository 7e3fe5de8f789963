from __future__ import annotations

import pytest

from peerpact.circles import access, services
from peerpact.circles.models import Visibility

pytestmark = pytest.mark.django_db


def test_visible_circles_are_own_listed_and_all_for_managers(
    community, circle, other_circle, olivia, bob, dave, erin
):
    listed = services.circle_create(community=community, creator=olivia, name="Open Mic")
    listed.visibility = Visibility.LISTED
    listed.save(update_fields=["visibility"])
    # bob: his own private circle and the listed one; not dave's private circle.
    assert set(access.circles_visible_to(bob)) == {circle, listed}
    assert set(access.circles_visible_to(dave)) == {other_circle, listed}
    # the owner manages the community: every circle in it.
    assert set(access.circles_visible_to(olivia)) >= {circle, other_circle, listed}
    # not in the community at all: nothing, not even the listed circle.
    assert set(access.circles_visible_to(erin)) == set()


def test_visible_circles_query_joins_no_membership_table(community, circle, bob):
    """Joining community and circle memberships in one OR multiplied rows (circles by members by members)
    and took minutes at 1,000 circles; the ids come from subqueries instead, one row per circle."""
    sql = str(access.circles_visible_to(bob).query)
    assert " JOIN " not in sql
    assert access.circles_visible_to(bob).count() == 1
