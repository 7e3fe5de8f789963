"""A community that requires two-factor authentication (Community.require_mfa).

Matrix-style: with Northwind requiring MFA, every GET row of the access matrix is tried again as bob
(member) and otto (organizer), who have no authenticator. Pages of Northwind send them to the
explanation page (with the way back); API calls naming Northwind's objects answer 403 `mfa_required`
(even those that would be a 404: a member knows Northwind anyway); everything else (their profile,
other communities, Harbor's circle over the API) answers exactly as in the matrix. olivia, who has an
authenticator, is not held up.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import resolve, reverse

from peerpact.circles.models import Circle
from peerpact.communities.middleware import MFA_EXEMPT
from peerpact.communities.models import Community
from peerpact.programs.models import Cohort, Program
from tests.test_access_matrix import ROWS, TARGETS
from tests.test_access_matrix import world as world  # the module-scoped fixture

pytestmark = pytest.mark.django_db

OWNERS_OF = {
    "community_id": lambda pk: pk,
    "circle_id": lambda pk: Circle.objects.get(pk=pk).community_id,
    "program_id": lambda pk: Program.objects.get(pk=pk).community_id,
    "cohort_id": lambda pk: Cohort.objects.get(pk=pk).program.community_id,
}


def require_mfa(community: Community, on: bool = True) -> None:
    Community.objects.filter(pk=community.pk).update(require_mfa=on)


def about(url: str, community: Community) -> bool:
    """Whether an API URL reaches into `community` (through the ids it names)."""
    kwargs = resolve(url).kwargs
    return any(
        name in kwargs and owner(int(kwargs[name])) == community.pk for name, owner in OWNERS_OF.items()
    )


@pytest.mark.parametrize("persona", ["bob", "otto"])
def test_every_route_of_the_community_asks_a_member_without_mfa_to_set_it_up(client, world, persona) -> None:
    require_mfa(world.community)
    client.force_login(world.users[persona])
    sent_to_setup, refused_by_api, unchanged = set(), set(), 0
    for row in (r for r in ROWS if r.method == "GET"):
        url = reverse(row.name, kwargs=TARGETS[row.target](world))
        match = resolve(url)
        response = client.get(url, HTTP_ACCEPT="application/json" if url.startswith("/api/") else "text/html")
        slug = match.kwargs.get("community") or match.kwargs.get("slug")
        if (
            match.route.startswith("c/")
            and slug == world.community.slug
            and match.view_name not in MFA_EXEMPT
        ):
            setup = reverse("communities:mfa-required", kwargs={"slug": slug})
            assert (response.status_code, response["Location"]) == (
                302,
                f"{setup}?{urlencode({'next': url})}",
            ), row.id
            sent_to_setup.add(row.id)
        elif url.startswith("/api/v1/") and about(url, world.community):
            assert response.status_code == 403, row.id
            assert response.json()["error"]["code"] == "mfa_required", row.id
            refused_by_api.add(row.id)
        else:
            assert response.status_code == row.expect[persona], f"{row.id}: {response.status_code}"
            unchanged += 1
    assert {"communities:detail", "circles:detail", "checkins:board", "goals:list"} <= sent_to_setup
    assert {"api:community", "api:circle", "api:checkins", "api:goals"} <= refused_by_api
    assert unchanged > 20  # home, profile, notifications, other communities, …


def test_olivia_with_an_authenticator_and_other_communities_are_not_held_up(client, world) -> None:
    require_mfa(world.community)
    client.force_login(world.users["olivia"])
    assert (
        client.get(
            reverse("circles:detail", kwargs={"community": world.community.slug, "circle": world.circle.slug})
        ).status_code
        == 200
    )
    client.force_login(world.users["bob"])
    # bob's other community (Harbor, through the API) and his own pages stay open.
    assert client.get(reverse("api:circle", kwargs={"circle_id": world.quiet_circle.pk})).status_code == 200
    assert client.get(reverse("accounts:profile")).status_code == 200
    require_mfa(world.community, on=False)
    assert client.get(reverse("communities:detail", kwargs={"slug": world.community.slug})).status_code == 200


def test_changes_are_refused_too(client, world) -> None:
    require_mfa(world.community)
    bob = world.users["bob"]
    client.force_login(bob)
    response = client.post(
        reverse("api:checkins", kwargs={"circle_id": world.circle.pk}),
        {"wins": "Not yet"},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "mfa_required"
    page = reverse("communities:leave", kwargs={"slug": world.community.slug})
    assert client.get(page).status_code == 200  # leaving stays possible
    profile_edit = reverse(
        "circles:edit", kwargs={"community": world.community.slug, "circle": world.circle.slug}
    )
    assert client.post(profile_edit, {"name": "Hijacked"}).status_code == 302
    assert Circle.objects.get(pk=world.circle.pk).name == "Weekly Wins"


def test_a_token_of_a_member_without_mfa_is_refused_as_well(world) -> None:
    from peerpact.api import services as api_services

    require_mfa(world.community)
    secret = api_services.token_create(user=world.users["bob"], name="Script").secret
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get(reverse("api:circle", kwargs={"circle_id": world.circle.pk}))
    assert response.status_code == 403 and response.json()["error"]["code"] == "mfa_required"
    assert api.get(reverse("api:circle", kwargs={"circle_id": world.quiet_circle.pk})).status_code == 200
