from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import seat
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.notifications.models import Message, MessageState
from peerpact.safety import services

pytestmark = pytest.mark.django_db


def test_joining_sends_the_charter_once(circle, bob, make_user, alice):
    keys = list(
        Message.objects.filter(kind="circle.charter", recipient=bob).values_list("dedupe_key", flat=True)
    )
    seat_ = Membership.objects.get(circle=circle, user=bob)
    assert keys == [f"circle.charter:welcome:{seat_.pk}:inapp"]
    message = Message.objects.filter(kind="circle.charter", recipient=bob).first()
    assert message.context["charter"] == "Be kind. Be honest." and message.context["changed"] is False


def test_a_changed_charter_asks_every_seated_member_once_per_version(circle, bob, alice, olivia, clock):
    clock.shift(timedelta(days=1))
    circle_services.circle_update(circle=circle, actor=alice, charter="Be kind. Be on time.")
    now = circle.charter_updated_at + timedelta(seconds=1)
    assert services.charter_changes_schedule(now=now) is True
    assert services.charter_changes_schedule(now=now) is False
    asked = Message.objects.filter(kind="circle.charter", context__changed=True)
    assert set(asked.values_list("recipient__email", flat=True)) == {"bob@example.com"}  # alice wrote it
    assert asked.count() == 2
    clock.shift(timedelta(hours=1))
    circle_services.circle_update(circle=circle, actor=olivia, charter="Version three")
    assert services.charter_changes_schedule(now=circle.charter_updated_at) is True
    asked = Message.objects.filter(kind="circle.charter", context__changed=True)
    assert set(asked.values_list("recipient__email", flat=True)) == {"bob@example.com", "alice@example.com"}


def test_a_member_reaccepts_and_the_banner_goes(client, circle, bob, alice, olivia, clock):
    clock.shift(timedelta(days=1))
    circle_services.circle_update(circle=circle, actor=olivia, charter="New rules")
    services.charter_changes_schedule(now=circle.charter_updated_at)
    client.force_login(bob)
    members = reverse("circles:detail", kwargs={"community": circle.community.slug, "circle": circle.slug})
    assert "Read and re-accept it" in client.get(members).content.decode()
    charter = reverse("safety:charter", kwargs={"community": circle.community.slug, "circle": circle.slug})
    assert "New rules" in client.get(charter).content.decode()
    assert client.post(charter, {}).status_code == 400
    assert client.post(charter, {"accept_charter": "on"}).status_code == 302
    assert "Read and re-accept it" not in client.get(members).content.decode()
    pending = Message.objects.filter(kind="circle.charter", recipient=bob, context__changed=True)
    assert pending and all(m.state == MessageState.CANCELLED for m in pending)
    client.force_login(olivia)
    assert client.post(charter, {"accept_charter": "on"}).status_code == 403


def test_members_who_join_later_are_not_asked_again(circle, olivia, alice, make_user, clock):
    clock.shift(timedelta(days=1))
    circle_services.circle_update(circle=circle, actor=olivia, charter="New rules")
    newcomer = make_user("nia@example.com", "Nia")
    seat(circle, newcomer, alice)
    assert not Membership.objects.get(circle=circle, user=newcomer).needs_charter_reaccept()
