"""A community that requires two-factor authentication: the setup flow and the owner's switch (the
routes themselves are tried in test_require_mfa.py)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from peerpact.communities import services as community_services
from peerpact.communities.models import Community

pytestmark = pytest.mark.django_db


def require_mfa(community: Community, on: bool = True) -> None:
    Community.objects.filter(pk=community.pk).update(require_mfa=on)


def test_the_setup_flow_explains_sets_up_and_leads_back(community, circle, bob) -> None:
    cache.clear()
    require_mfa(community)
    client = Client()
    assert (
        client.post(reverse("account_login"), {"login": bob.email, "password": PASSWORD}).status_code == 302
    )
    wanted = reverse("circles:detail", kwargs={"community": community.slug, "circle": circle.slug})
    landing = client.get(wanted, follow=True)
    body = landing.content.decode()
    assert landing.redirect_chain[-1][0].endswith(f"?next={quote(wanted, safe='')}")
    assert "asks every member to sign in with an authenticator app" in body
    assert reverse("mfa_activate_totp") in body and f'href="{wanted}"' in body
    # allauth's own setup: scan the secret, type the code (after the password again).
    # allauth asks for the password again before a security change.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    assert client.post(reverse("mfa_activate_totp"), {"code": code}).status_code == 302
    assert Authenticator.objects.filter(user=bob, type=Authenticator.Type.TOTP).exists()
    assert client.get(wanted).status_code == 200
    done = client.get(landing.redirect_chain[-1][0]).content.decode()
    assert "all set" in done


def test_only_the_owner_switches_it_and_only_with_her_own_second_factor(
    client, community, olivia, otto, bob
) -> None:

    community_services.community_member_add(community=community, user=bob)
    settings_page = reverse("communities:settings", kwargs={"slug": community.slug})
    switch = reverse("communities:require-mfa", kwargs={"slug": community.slug})
    client.force_login(otto)
    page = client.get(settings_page).content.decode()
    assert "Only the owner can change this." in page and switch not in page
    assert client.post(switch, {"require_mfa": "on"}).status_code == 403
    client.force_login(olivia)
    page = client.get(settings_page).content.decode()
    assert "3 of 3 members have not set up two-factor authentication yet." in page
    assert "Set up two-factor authentication for yourself first" in page
    client.post(switch, {"require_mfa": "on"})
    assert not Community.objects.get(pk=community.pk).require_mfa  # refused: she has none herself
    Authenticator.objects.create(
        user=olivia, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    page = client.get(settings_page).content.decode()
    assert "2 of 3 members have not set up" in page and switch in page
    assert client.post(switch, {"require_mfa": "on"}).status_code == 302
    assert Community.objects.get(pk=community.pk).require_mfa
    client.force_login(otto)
    assert client.get(settings_page)["Location"].startswith(
        reverse("communities:mfa-required", kwargs={"slug": community.slug})
    )
    client.force_login(olivia)
    assert client.post(switch, {}).status_code == 302
    assert not Community.objects.get(pk=community.pk).require_mfa
