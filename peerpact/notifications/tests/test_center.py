from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpact.notifications import outbox
from peerpact.notifications.models import Channel, Message

pytestmark = pytest.mark.django_db


def notify(user, key, url="/profile/"):
    message, _created = outbox.message_enqueue(
        recipient=user,
        kind="test.notice",
        channel=Channel.INAPP,
        template="emails/notice",
        context={"title": f"Title {key}", "body": f"Body {key}"},
        due_at=timezone.now() - timedelta(seconds=1),
        dedupe_key=key,
        url=url,
    )
    return message


def test_the_header_counts_unread_notifications_and_the_centre_lists_them(client, bob):
    for key in ("a", "b"):
        notify(bob, key)
    outbox.outbox_deliver_batch(now=timezone.now())
    client.force_login(bob)
    home = client.get("/").content.decode()
    assert '2<span class="visually-hidden"> unread notifications</span>' in home
    page = client.get(reverse("notifications:center")).content.decode()
    assert "Title a" in page and "Body b" in page and "2 unread" in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, bob):
    message = notify(bob, "a", url="/profile/")
    outbox.outbox_deliver_batch(now=timezone.now())
    client.force_login(bob)
    response = client.post(reverse("notifications:open", kwargs={"message_id": message.pk}))
    assert response["Location"] == "/profile/"
    assert Message.objects.get(pk=message.pk).read_at is not None


def test_an_outside_link_is_never_followed(client, bob):
    message = notify(bob, "evil", url="https://evil.example/")
    outbox.outbox_deliver_batch(now=timezone.now())
    client.force_login(bob)
    response = client.post(reverse("notifications:open", kwargs={"message_id": message.pk}))
    assert response["Location"] == reverse("notifications:center")


def test_mark_all_read_with_htmx_returns_the_empty_badge(client, bob):
    notify(bob, "a")
    outbox.outbox_deliver_batch(now=timezone.now())
    client.force_login(bob)
    response = client.post(reverse("notifications:read-all"), headers={"HX-Request": "true"})
    assert response.content.decode().startswith('<span id="notification-badge"')
    assert Message.objects.unread_inapp(bob).count() == 0


def test_someone_elses_notification_is_not_found(client, bob, alice):
    message = notify(bob, "a")
    outbox.outbox_deliver_batch(now=timezone.now())
    client.force_login(alice)
    assert client.post(reverse("notifications:open", kwargs={"message_id": message.pk})).status_code == 404
    assert Message.objects.get(pk=message.pk).read_at is None


def test_preferences_mute_a_kind_set_quiet_hours_and_keep_input_on_errors(client, bob):
    from peerpact.notifications.notify import preference_for

    client.force_login(bob)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Reminders before a deadline" in page
    from peerpact.notifications.kinds import all_kinds

    everything_but_reminder_email = {
        f"{kind.name.replace('.', '__')}__{channel}": "on"
        for kind in all_kinds()
        for channel in ("email", "inapp", "chat")
        if (kind.name, channel) != ("checkin.reminder", "email")
    }
    bad = client.post(
        reverse("notifications:preferences"),
        {**everything_but_reminder_email, "quiet_from": "22:00", "daily_cap": "4"},
    )
    assert bad.status_code == 400
    assert 'value="22:00"' in bad.content.decode()
    client.post(
        reverse("notifications:preferences"),
        {**everything_but_reminder_email, "quiet_from": "22:00", "quiet_until": "07:00", "daily_cap": "4"},
    )
    preference = preference_for(bob)
    assert preference.muted == ["checkin.reminder:email"]
    assert (str(preference.quiet_from), str(preference.quiet_until), preference.daily_cap) == (
        "22:00:00",
        "07:00:00",
        4,
    )
    assert not preference.wants("checkin.reminder", "email") and preference.wants("checkin.reminder", "inapp")
