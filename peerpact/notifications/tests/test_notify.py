from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from peerpact.notifications.models import Channel, Message, MessageState
from peerpact.notifications.notify import (
    DEFAULT_CHANNELS,
    Notice,
    after_quiet_hours,
    notifications_cancel,
    notify,
    notify_many,
    preference_for,
)

pytestmark = pytest.mark.django_db


def send(user, key, due, kind="checkin.reminder"):
    return notify(
        recipient=user,
        kind=kind,
        template="emails/notice",
        context={"title": "t", "body": "b"},
        due_at=due,
        dedupe_key=key,
    )


def test_every_unmuted_channel_gets_one_message_however_often_it_is_called(bob):
    due = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    first = send(bob, "reminder:1", due)
    again = send(bob, "reminder:1", due)
    assert [s.channel for s in first] == [Channel.INAPP, Channel.EMAIL]
    assert all(s.created for s in first) and not any(s.created for s in again)
    assert Message.objects.count() == 2


def test_a_muted_kind_and_channel_is_skipped(bob):
    preference = preference_for(bob)
    preference.muted = ["checkin.reminder:email"]
    preference.save()
    sent = send(bob, "reminder:1", datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert [s.channel for s in sent] == [Channel.INAPP]
    assert (
        send(bob, "other:1", datetime(2026, 3, 2, 12, 0, tzinfo=UTC), kind="feedback.kudos")[1].channel
        == "email"
    )


@pytest.mark.parametrize(
    ("zone", "quiet", "due_utc", "expected_local"),
    [
        # Kathmandu (+05:45), quiet 22:00-07:00 across midnight: 23:30 local waits until 07:00 next day.
        ("Asia/Kathmandu", (time(22), time(7)), datetime(2026, 3, 2, 17, 45), datetime(2026, 3, 3, 7, 0)),
        # 03:00 local also waits, but only until 07:00 the same day.
        ("Asia/Kathmandu", (time(22), time(7)), datetime(2026, 3, 2, 21, 15), datetime(2026, 3, 3, 7, 0)),
        # Outside the quiet hours nothing moves.
        ("Asia/Kathmandu", (time(22), time(7)), datetime(2026, 3, 2, 6, 15), datetime(2026, 3, 2, 12, 0)),
        # A daytime window (12:00-14:00) in Madrid.
        ("Europe/Madrid", (time(12), time(14)), datetime(2026, 3, 2, 11, 30), datetime(2026, 3, 2, 14, 0)),
        # The night clocks go forward in Madrid: 01:30 local waits until 07:00 CEST (05:00 UTC).
        ("Europe/Madrid", (time(22), time(7)), datetime(2026, 3, 29, 0, 30), datetime(2026, 3, 29, 7, 0)),
        # Chatham (+13:45 in summer): late evening waits until the morning.
        ("Pacific/Chatham", (time(21), time(8)), datetime(2026, 1, 10, 9, 0), datetime(2026, 1, 11, 8, 0)),
    ],
)
def test_quiet_hours_hold_messages_until_they_end_in_the_persons_zone(
    bob, zone, quiet, due_utc, expected_local
):
    preference = preference_for(bob)
    preference.quiet_from, preference.quiet_until = quiet
    tz = ZoneInfo(zone)
    moved = after_quiet_hours(due_utc.replace(tzinfo=UTC), preference=preference, zone=tz)
    assert moved.astimezone(tz).replace(tzinfo=None) == expected_local


def test_quiet_hours_apply_when_queuing(bob):
    bob.timezone = "Asia/Kathmandu"
    bob.save()
    preference = preference_for(bob)
    preference.quiet_from, preference.quiet_until = time(22), time(7)
    preference.save()
    sent = send(bob, "late-night", datetime(2026, 3, 2, 17, 45, tzinfo=UTC))  # 23:30 in Kathmandu
    assert sent[0].message.due_at == datetime(2026, 3, 3, 1, 15, tzinfo=UTC)  # 07:00 in Kathmandu


def test_the_daily_cap_keeps_extra_messages_as_cancelled_with_the_reason(bob):
    preference = preference_for(bob)
    preference.daily_cap = 2
    preference.save()
    for i in range(3):
        notify(
            recipient=bob,
            kind="k",
            template="emails/notice",
            context={},
            due_at=datetime(2026, 3, 2, 9 + i, tzinfo=UTC),
            dedupe_key=f"cap:{i}",
            channels=(Channel.EMAIL,),
        )
    states = list(Message.objects.order_by("pk").values_list("state", "last_error"))
    assert states == [("pending", ""), ("pending", ""), ("cancelled", "daily cap reached")]
    notify(
        recipient=bob,
        kind="k",
        template="emails/notice",
        context={},
        due_at=datetime(2026, 3, 3, 9, tzinfo=UTC),
        dedupe_key="cap:next-day",
        channels=(Channel.EMAIL,),
    )
    assert Message.objects.get(dedupe_key="cap:next-day:email").state == MessageState.PENDING


def test_pending_messages_can_be_withdrawn_by_prefix(bob):
    send(bob, "checkin:7:3:reminder-24h", datetime(2026, 3, 2, 9, tzinfo=UTC))
    send(bob, "checkin:7:4:reminder-24h", datetime(2026, 3, 9, 9, tzinfo=UTC))
    assert notifications_cancel(dedupe_prefix="checkin:7:3:") == 2
    assert Message.objects.filter(state=MessageState.PENDING).count() == 2


def test_quiet_hours_ending_inside_a_spring_forward_gap_wake_at_the_switch(bob):
    preference = preference_for(bob)
    preference.quiet_from, preference.quiet_until = time(23), time(1, 30)
    london = ZoneInfo("Europe/London")
    # 00:45 GMT on 29 March 2026 is quiet; at 01:00 UTC clocks jump to 02:00 BST, already past 01:30.
    moved = after_quiet_hours(datetime(2026, 3, 29, 0, 45, tzinfo=UTC), preference=preference, zone=london)
    assert moved == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_quiet_hours_ending_in_a_repeated_hour_wait_for_the_second_pass(bob):
    preference = preference_for(bob)
    preference.quiet_from, preference.quiet_until = time(23), time(3, 30)
    chatham = ZoneInfo("Pacific/Chatham")
    # 14:30 UTC on 4 April 2026 is 03:15 on Chatham's second run through 02:45-03:45: still quiet.
    moved = after_quiet_hours(datetime(2026, 4, 4, 14, 30, tzinfo=UTC), preference=preference, zone=chatham)
    assert moved == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)


# --- notify_many: a scheduler's pass, the same rules in a fixed number of queries


def notice(user, key, due, kind="checkin.reminder", channels=DEFAULT_CHANNELS):
    return Notice(
        recipient=user,
        kind=kind,
        template="emails/notice",
        context={"title": "t"},
        due_at=due,
        dedupe_key=key,
        channels=channels,
    )


def test_notify_many_makes_the_rows_notify_makes_once_however_often_it_runs(bob, alice):
    due = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    muted = preference_for(alice)
    muted.muted = ["checkin.reminder:email"]
    muted.save()
    assert notify_many([notice(bob, "r:bob", due), notice(alice, "r:alice", due)]) == 3
    assert notify_many([notice(bob, "r:bob", due), notice(alice, "r:alice", due)]) == 0
    assert sorted(Message.objects.values_list("dedupe_key", "state")) == [
        ("r:alice:inapp", "pending"),
        ("r:bob:email", "pending"),
        ("r:bob:inapp", "pending"),
    ]


def test_notify_many_holds_messages_until_the_quiet_hours_end(bob):
    bob.timezone = "Asia/Kathmandu"
    bob.save()
    preference = preference_for(bob)
    preference.quiet_from, preference.quiet_until = time(22), time(7)
    preference.save()
    notify_many([notice(bob, "late-night", datetime(2026, 3, 2, 17, 45, tzinfo=UTC))])
    assert set(Message.objects.values_list("due_at", flat=True)) == {datetime(2026, 3, 3, 1, 15, tzinfo=UTC)}


def test_notify_many_keeps_the_daily_cap_counting_what_was_queued_before(bob):
    preference = preference_for(bob)
    preference.daily_cap = 2
    preference.save()
    email = (Channel.EMAIL,)
    notify(
        recipient=bob,
        kind="k",
        template="emails/notice",
        context={},
        due_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
        dedupe_key="cap:0",
        channels=email,
    )
    notify_many(
        [
            notice(bob, f"cap:{i}", datetime(2026, 3, 2, 8 + i, tzinfo=UTC), kind="k", channels=email)
            for i in (1, 2)
        ]
        + [notice(bob, "cap:next-day", datetime(2026, 3, 3, 9, tzinfo=UTC), kind="k", channels=email)]
    )
    states = dict(Message.objects.values_list("dedupe_key", "state"))
    assert states == {
        "cap:0:email": "pending",
        "cap:1:email": "pending",
        "cap:2:email": "cancelled",
        "cap:next-day:email": "pending",
    }
    assert Message.objects.get(dedupe_key="cap:2:email").last_error == "daily cap reached"


def test_notify_many_runs_the_same_queries_for_five_people_or_fifty(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [make_user(f"p{i}@example.com") for i in range(55)]
    due = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    counts = []
    for group, tag in ((people[:5], "a"), (people[5:], "b")):
        with CaptureQueriesContext(connection) as queries:
            notify_many([notice(p, f"{tag}:{p.pk}", due) for p in group])
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Message.objects.count() == 110
