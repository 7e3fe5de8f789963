from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from peerpact.notifications import outbox
from peerpact.notifications.notify import notify, preference_for
from peerpact.notifications.unsubscribe import unsubscribe_token

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def deliver_reminder(user):
    notify(
        recipient=user,
        kind="checkin.reminder",
        template="emails/notice",
        context={"title": "t", "body": "b"},
        due_at=NOW,
        dedupe_key="unsub:1",
        channels=("email",),
    )
    outbox.outbox_deliver_batch(now=NOW)
    return mail.outbox[-1]


def test_every_email_offers_one_click_unsubscribe(bob):
    sent = deliver_reminder(bob)
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = sent.extra_headers["List-Unsubscribe"]
    assert link.startswith("<http://testserver/notifications/unsubscribe/") and link.endswith("/>")


def test_the_one_click_post_needs_no_login_and_no_csrf_token(bob):
    link = (
        deliver_reminder(bob).extra_headers["List-Unsubscribe"].strip("<>").replace("http://testserver", "")
    )
    client = Client(enforce_csrf_checks=True)  # like a mail client: no session, no token
    response = client.post(link, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not preference_for(bob).wants("checkin.reminder", "email")
    assert preference_for(bob).wants("checkin.reminder", "inapp")


def test_the_page_asks_before_unsubscribing(client, bob):
    url = reverse(
        "notifications:unsubscribe", kwargs={"token": unsubscribe_token(user_id=bob.pk, kind="checkin.late")}
    )
    page = client.get(url).content.decode()
    assert "Stop these emails?" in page and bob.email in page
    assert preference_for(bob).wants("checkin.late", "email")
    client.post(url)
    assert not preference_for(bob).wants("checkin.late", "email")


@pytest.mark.parametrize("tamper", ["forged", "other-user", "truncated"])
def test_unsubscribe_links_cannot_be_forged(client, bob, alice, tamper):
    good = unsubscribe_token(user_id=bob.pk, kind="checkin.reminder")
    token = {
        "forged": good[:-3] + ("abc" if not good.endswith("abc") else "xyz"),
        "other-user": unsubscribe_token(user_id=bob.pk, kind="checkin.reminder").replace(
            good.split(":")[0], "e30"
        ),
        "truncated": good[: len(good) // 2],
    }[tamper]
    response = client.post(reverse("notifications:unsubscribe", kwargs={"token": token}))
    assert response.status_code == 404
    assert preference_for(bob).wants("checkin.reminder", "email")
    assert preference_for(alice).wants("checkin.reminder", "email")
