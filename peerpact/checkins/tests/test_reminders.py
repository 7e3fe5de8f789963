from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from peerpact.checkins import reminders, services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles.models import Membership
from peerpact.notifications import outbox
from peerpact.notifications.models import Channel, Message, MessageState

pytestmark = pytest.mark.django_db

# The `weekly` circle (Europe/Madrid): cycle 1 opened 2026-01-05 09:00 UTC, due Friday 9 January
# 18:00 Madrid = 17:00 UTC, grace 24 h.
DEADLINE = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)


def run_at(clock, when):
    clock.move_to(when)
    return reminders.reminders_schedule(now=when)


def slots_for(user):
    return sorted(
        key.split(":")[3]
        for key in Message.objects.filter(
            recipient=user, channel=Channel.EMAIL, dedupe_key__startswith="checkin:"
        ).values_list("dedupe_key", flat=True)
    )


def test_members_hear_when_the_cycle_opens_and_before_the_deadline_once(weekly, alice, bob, clock):
    assert run_at(clock, datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    assert slots_for(bob) == ["opened"]
    assert not run_at(clock, datetime(2026, 1, 6, 9, 0, tzinfo=UTC))  # nothing new is due
    run_at(clock, DEADLINE - timedelta(hours=24))
    run_at(clock, DEADLINE - timedelta(hours=24) + timedelta(minutes=1))  # a second pass adds nothing
    assert slots_for(bob) == ["opened", "reminder-24h"]
    assert Message.objects.filter(recipient=bob, kind__startswith="checkin.").count() == 4  # email, in-app


def test_a_submitted_checkin_stops_further_reminders(weekly, alice, bob, clock):
    run_at(clock, DEADLINE - timedelta(hours=24))
    clock.move_to(DEADLINE - timedelta(hours=5))
    services.checkin_submit(
        membership=Membership.objects.get(circle=weekly, user=bob),
        cycle=Cycle.objects.get(circle=weekly, index=1),
        actor=bob,
        answers=CheckinAnswers(wins="done"),
        expected_version=None,
    )
    for hours in (-2, 12, 24):
        run_at(clock, DEADLINE + timedelta(hours=hours))
    assert slots_for(bob) == ["reminder-24h"]
    assert slots_for(alice) == ["late", "missed", "reminder-24h", "reminder-2h"]


def test_a_pending_reminder_is_withdrawn_when_the_checkin_arrives(weekly, bob, clock):
    bob.timezone = "Asia/Kathmandu"
    bob.save()
    from peerpact.notifications.notify import preference_for

    preference = preference_for(bob)
    preference.quiet_from, preference.quiet_until = (
        datetime(2000, 1, 1, 20).time(),
        datetime(2000, 1, 1, 7).time(),
    )
    preference.save()
    run_at(clock, DEADLINE - timedelta(hours=2))  # 20:45 in Kathmandu, quiet from 20:00: held until 07:00
    held = Message.objects.get(recipient=bob, dedupe_key__endswith="reminder-2h:email")
    assert held.state == MessageState.PENDING and held.due_at > DEADLINE
    services.checkin_submit(
        membership=Membership.objects.get(circle=weekly, user=bob),
        cycle=Cycle.objects.get(circle=weekly, index=1),
        actor=bob,
        answers=CheckinAnswers(),
        expected_version=None,
    )
    held.refresh_from_db()
    assert held.state == MessageState.CANCELLED


def test_paused_members_and_blackout_weeks_get_nothing(weekly, alice, bob, clock):
    services.pause_start(
        membership=Membership.objects.get(circle=weekly, user=bob), actor=bob, starts_on=date(2026, 1, 5)
    )
    run_at(clock, DEADLINE - timedelta(hours=24))
    assert slots_for(bob) == []
    assert slots_for(alice) == ["reminder-24h"]
    services.blackout_add(circle=weekly, actor=alice, starts_on=date(2026, 1, 16), ends_on=date(2026, 1, 16))
    run_at(clock, DEADLINE + timedelta(days=7) - timedelta(hours=24))
    assert slots_for(alice) == ["reminder-24h"]  # cycle 2's deadline is a blackout day


def test_reminders_a_down_worker_missed_are_skipped_not_sent_out_of_place(weekly, bob, clock):
    run_at(clock, DEADLINE - timedelta(hours=1))  # the worker was down since Monday
    assert slots_for(bob) == ["reminder-2h"]


def test_a_missed_cycle_gets_a_supportive_note_in_the_members_language_and_zone(weekly, bob, clock):
    run_at(clock, DEADLINE + timedelta(hours=24))
    outbox.outbox_deliver_batch(now=DEADLINE + timedelta(hours=24))
    note = next(m for m in mail.outbox if "missed you" in m.subject)
    assert "still here for you" in note.body and "pause your membership" in note.body
    assert "shame" not in note.body.lower()


def test_reminder_emails_show_the_deadline_in_the_recipients_zone(weekly, bob, clock):
    run_at(clock, DEADLINE - timedelta(hours=24))
    outbox.outbox_deliver_batch(now=DEADLINE - timedelta(hours=24))
    reminder = next(m for m in mail.outbox if m.to == [bob.email] and "due in" in m.subject)
    assert "Friday 9 January, 12:00 (EST)" in reminder.body  # bob is in New York
    assert "/checkin/1/" in reminder.body


def test_an_early_checkin_keeps_the_held_cycle_opened_note(weekly, bob, clock):
    from peerpact.notifications.notify import preference_for

    preference = preference_for(bob)
    preference.quiet_from, preference.quiet_until = (
        datetime(2000, 1, 1, 0).time(),
        datetime(2000, 1, 1, 23).time(),
    )
    preference.save()
    run_at(clock, datetime(2026, 1, 5, 9, 0, tzinfo=UTC))  # "opened" is held by bob's long quiet hours
    services.checkin_submit(
        membership=Membership.objects.get(circle=weekly, user=bob),
        cycle=Cycle.objects.get(circle=weekly, index=1),
        actor=bob,
        answers=CheckinAnswers(),
        expected_version=None,
    )
    opened = Message.objects.get(recipient=bob, dedupe_key__endswith=":opened:email")
    assert opened.state == MessageState.PENDING


def test_members_get_the_review_session_an_hour_before_with_the_link_and_an_ics(weekly, bob, clock):
    import icalendar

    # weekly: reviews on Mondays 19:00 Madrid (18:00 UTC) at https://meet.example/wins.
    review = datetime(2026, 1, 12, 18, 0, tzinfo=UTC)
    run_at(clock, review - timedelta(hours=1))
    run_at(clock, review - timedelta(minutes=59))  # once only
    outbox.outbox_deliver_batch(now=review - timedelta(minutes=59))
    sent = [m for m in mail.outbox if m.to == [bob.email] and "meets at" in m.subject]
    assert len(sent) == 1
    email = sent[0]
    assert "13:00 (EST)" in email.subject  # bob's zone
    assert "https://meet.example/wins" in email.body and "45 minutes" in email.body
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == ("review.ics", "text/calendar")
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == review
    assert str(event.get("location")) == "https://meet.example/wins"


def test_after_the_grace_period_everyone_gets_the_digest_without_private_updates(weekly, alice, bob, clock):
    cycle = Cycle.objects.get(circle=weekly, index=1)
    clock.move_to(DEADLINE - timedelta(hours=3))
    services.checkin_submit(
        membership=Membership.objects.get(circle=weekly, user=bob),
        cycle=cycle,
        actor=bob,
        expected_version=None,
        answers=CheckinAnswers(wins="Ran 20 km", help_request="Who knows a physio?"),
    )
    services.checkin_submit(
        membership=Membership.objects.get(circle=weekly, user=alice),
        cycle=cycle,
        actor=alice,
        expected_version=None,
        answers=CheckinAnswers(wins="A private struggle", visibility="facilitators"),
    )
    run_at(clock, cycle.grace_until)
    run_at(clock, cycle.grace_until + timedelta(minutes=5))  # once only
    outbox.outbox_deliver_batch(now=cycle.grace_until + timedelta(minutes=5))
    digests = [m for m in mail.outbox if "in review" in m.subject]
    assert sorted(m.to[0] for m in digests) == [alice.email, bob.email]
    body = digests[0].body
    assert "2 of 2 members" in body and "Ran 20 km" in body and "Who knows a physio?" in body
    assert "A private struggle" not in body
