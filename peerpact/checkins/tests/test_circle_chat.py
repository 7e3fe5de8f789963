"""The circle's chat channel: cycle opened, who is still missing, the digest — through the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from peerpact.checkins import circle_chat, services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles.models import Membership
from peerpact.notifications import outbox
from peerpact.notifications import services as notification_services
from peerpact.notifications.models import ChatTarget, Message, MessageState

pytestmark = pytest.mark.django_db

# The `weekly` circle (Europe/Madrid): cycle 1 opened 2026-01-05 09:00 UTC, due Friday 9 January
# 18:00 Madrid = 17:00 UTC, grace 24 h.
OPENED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)


@pytest.fixture
def channel(weekly, alice, receiver):
    return notification_services.chat_target_add(
        scope="circle", scope_id=weekly.pk, url=receiver.url("circle"), label="#weekly", actor=alice
    )


def tick(clock, when):
    """One worker pass at `when`: schedule, then deliver."""
    clock.move_to(when)
    queued = circle_chat.circle_chat_schedule(now=when)
    outbox.outbox_deliver_batch(now=when)
    return queued


def check_in(circle, user, wins=""):
    services.checkin_submit(
        membership=Membership.objects.get(circle=circle, user=user),
        cycle=Cycle.objects.get(circle=circle, index=1),
        actor=user,
        answers=CheckinAnswers(wins=wins, help_request="A second pair of eyes on my CV"),
        expected_version=None,
    )


def test_a_cycle_reaches_the_channel_opened_missing_and_digest_once_each(
    weekly, alice, bob, channel, receiver, clock
):
    assert tick(clock, OPENED)
    assert not tick(clock, OPENED + timedelta(minutes=1))  # nothing new: no second post
    clock.move_to(DEADLINE - timedelta(hours=5))
    check_in(weekly, alice, wins="Shipped the landing page")
    tick(clock, DEADLINE - timedelta(hours=2))
    tick(clock, DEADLINE - timedelta(hours=2) + timedelta(minutes=1))
    tick(clock, DEADLINE + timedelta(hours=24))
    tick(clock, DEADLINE + timedelta(hours=24, minutes=5))
    titles = [payload["title"] for _path, payload in receiver.received]
    assert titles == [
        "Weekly Wins: cycle 1 is open",
        "Weekly Wins: cycle 1 is due soon",
        "Weekly Wins: cycle 1 in review",
    ]
    opened, missing, digest = (payload["message"] for _path, payload in receiver.received)
    # Times are shown in the circle's zone: 18:00 Madrid, not 17:00 UTC.
    assert "Friday 9 January, 18:00 (CET)" in opened and "/circles/weekly-wins/checkin/1/" in opened
    assert "Next review session: Monday 5 January, 19:00." in opened
    assert "- Bob" in missing and "Alice" not in missing
    assert "1 of 2 members of Weekly Wins checked in for cycle 1." in digest
    assert "Shipped the landing page" in digest and "Hello" not in digest
    assert Message.objects.filter(chat_target=channel, state=MessageState.SENT).count() == 3


def test_nobody_missing_means_no_missing_post(weekly, alice, bob, channel, receiver, clock):
    clock.move_to(DEADLINE - timedelta(hours=5))
    check_in(weekly, alice)
    check_in(weekly, bob)
    tick(clock, DEADLINE - timedelta(hours=2))
    assert not Message.objects.filter(dedupe_key__contains=":missing:").exists()


def test_paused_members_are_not_called_missing(weekly, alice, bob, channel, clock):
    services.pause_start(
        membership=Membership.objects.get(circle=weekly, user=bob), actor=bob, starts_on=date(2026, 1, 5)
    )
    tick(clock, DEADLINE - timedelta(hours=2))
    assert circle_chat.missing_names(Cycle.objects.get(circle=weekly, index=1), at=DEADLINE) == ["Alice"]


def test_a_blackout_week_posts_only_the_digest(weekly, alice, channel, receiver, clock):
    services.blackout_add(circle=weekly, actor=alice, starts_on=date(2026, 1, 9), ends_on=date(2026, 1, 9))
    for when in (OPENED, DEADLINE - timedelta(hours=2), DEADLINE + timedelta(hours=24)):
        tick(clock, when)
    assert [p["title"] for _path, p in receiver.received] == ["Weekly Wins: cycle 1 in review"]


def test_a_worker_that_was_down_does_not_post_stale_news(weekly, channel, receiver, clock):
    tick(clock, OPENED + circle_chat.reminders.STALE_AFTER + timedelta(minutes=1))
    assert receiver.received == []


def test_circles_without_a_channel_cost_nothing(weekly, clock, django_assert_num_queries):
    with django_assert_num_queries(1):  # only: which circles have a channel?
        assert circle_chat.circle_chat_schedule(now=OPENED) is False


def test_a_failing_channel_is_retried_without_blocking_the_others(weekly, alice, channel, receiver, clock):
    broken = ChatTarget.objects.create(
        scope="circle", scope_id=weekly.pk, url="json://127.0.0.1:9/down", created_by=alice
    )
    tick(clock, OPENED)
    assert [p["title"] for _path, p in receiver.received] == ["Weekly Wins: cycle 1 is open"]
    retry = Message.objects.get(chat_target=broken)
    assert retry.state == MessageState.PENDING and retry.attempts == 1 and retry.last_error


# --- The page where facilitators and organizers manage the channel --------------------------------


def chat_url(circle, name="circles:chat", **kwargs):
    return reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **kwargs})


def test_a_facilitator_adds_tests_and_removes_a_channel(client, weekly, alice, receiver):
    client.force_login(alice)
    response = client.post(chat_url(weekly), {"url": receiver.url("team"), "label": "#team"}, follow=True)
    page = response.content.decode()
    assert "Channel added" in page and "#team" in page and receiver.url("team") not in page  # masked
    target = ChatTarget.objects.get(scope="circle", scope_id=weekly.pk)
    assert target.owner is None and target.created_by == alice
    client.post(chat_url(weekly, "circles:chat-test", target_id=target.pk))
    assert [p["title"] for _path, p in receiver.received] == ["PeerPact test message"]
    response = client.post(chat_url(weekly, "circles:chat-remove", target_id=target.pk), follow=True)
    assert "Channel #team removed" in response.content.decode()
    assert not ChatTarget.objects.filter(pk=target.pk).exists()


def test_a_bad_url_is_refused_and_the_input_kept(client, weekly, alice):
    client.force_login(alice)
    response = client.post(chat_url(weekly), {"url": "nonsense://x", "label": "My label"})
    page = response.content.decode()
    assert response.status_code == 400 and "Apprise does not understand this URL" in page
    assert 'value="My label"' in page and not ChatTarget.objects.exists()


def test_members_cannot_manage_the_channel_and_are_told_why(client, weekly, bob):
    client.force_login(bob)
    response = client.get(chat_url(weekly))
    assert response.status_code == 403
    assert "Only the facilitator or an organizer can manage" in response.content.decode()


def test_another_circles_channel_is_not_found_through_this_circle(client, weekly, alice, make_user):
    other = ChatTarget.objects.create(scope="circle", scope_id=weekly.pk + 999, url="json://example.com/x")
    client.force_login(alice)
    response = client.post(chat_url(weekly, "circles:chat-remove", target_id=other.pk))
    assert response.status_code == 404 and ChatTarget.objects.filter(pk=other.pk).exists()
