"""Chat really goes through Apprise: a small HTTP server on 127.0.0.1 receives what the worker sends.

The target is Apprise's generic JSON webhook, `json://host:port/path`, which POSTs
`{"version", "title", "message", "attachments", "type"}`.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from peerpact.notifications import chat, outbox, services
from peerpact.notifications.models import Channel, ChatTarget, Message, MessageState
from peerpact.notifications.notify import notify, notify_group_chat, preference_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general"


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:  # a free port that nobody listens on
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def add(user, url, label=""):
    return services.chat_target_add(owner=user, actor=user, url=url, label=label)


def remind(user, key="chat:1", **extra):
    return notify(
        recipient=user,
        kind="checkin.reminder",
        template="emails/notice",
        due_at=NOW,
        dedupe_key=key,
        context={"title": "Your update is due", "body": "Friday 18:00"},
        url="/c/x/",
        **extra,
    )


def test_the_worker_delivers_chat_through_apprise_to_an_http_receiver(receiver, bob):
    target = add(bob, receiver.url(), "My webhook")
    sent = remind(bob)
    assert [s.channel for s in sent] == [Channel.INAPP, Channel.EMAIL, Channel.CHAT]
    assert outbox.outbox_deliver_batch(now=NOW)
    [(path, payload)] = receiver.received
    assert path == "/hook"
    assert payload["title"] == "Your update is due" and payload["type"] == "info"
    assert "Hello Bob" in payload["message"] and "Friday 18:00" in payload["message"]
    assert "http://testserver/c/x/" in payload["message"]
    chat_message = Message.objects.get(channel=Channel.CHAT)
    assert (chat_message.state, chat_message.sent_at) == (MessageState.SENT, NOW)
    target.refresh_from_db()
    assert target.last_success_at is not None and target.last_error == ""


def test_someone_without_a_chat_target_gets_no_chat_message(bob, alice, settings):
    settings.CHAT_ALLOW_PRIVATE_HOSTS = True
    ChatTarget.objects.create(owner=alice, url="json://127.0.0.1:9/a")  # someone else's target
    ChatTarget.objects.create(owner=bob, url="json://127.0.0.1:9/b", is_active=False)
    assert [s.channel for s in remind(bob)] == [Channel.INAPP, Channel.EMAIL]


def test_a_muted_chat_is_skipped(receiver, bob):
    add(bob, receiver.url())
    preference = preference_for(bob)
    preference.muted = ["checkin.reminder:chat"]
    preference.save()
    assert [s.channel for s in remind(bob)] == [Channel.INAPP, Channel.EMAIL]


def test_an_unreachable_target_is_retried_later_not_lost(settings, bob, closed_port):
    settings.CHAT_ALLOW_PRIVATE_HOSTS = True
    target = add(bob, f"json://127.0.0.1:{closed_port}/hook")
    remind(bob, channels=(Channel.CHAT,))
    assert outbox.outbox_deliver_batch(now=NOW)
    message = Message.objects.get()
    assert (message.state, message.attempts) == (MessageState.PENDING, 1)
    assert message.due_at >= NOW and "Connection error" in message.last_error
    assert target.url not in message.last_error  # the admin sees the masked form only
    target.refresh_from_db()
    assert "Connection error" in target.last_error and target.last_success_at is None


def test_a_retry_goes_only_to_the_targets_that_missed_the_message(receiver, bob, closed_port):
    add(bob, receiver.url(), "Works")
    broken = add(bob, f"json://127.0.0.1:{closed_port}/hook", "Down")
    remind(bob, channels=(Channel.CHAT,))
    outbox.outbox_deliver_batch(now=NOW)
    message = Message.objects.get()
    assert message.state == MessageState.PENDING and len(receiver.received) == 1
    ChatTarget.objects.filter(pk=broken.pk).update(url=receiver.url("fixed"))  # the service is back
    assert outbox.outbox_deliver_batch(now=message.due_at)
    assert Message.objects.get().state == MessageState.SENT
    assert [path for path, _payload in receiver.received] == ["/hook", "/fixed"]  # no second copy


def test_a_target_removed_before_delivery_sends_nothing_and_does_not_retry(receiver, bob):
    target = add(bob, receiver.url())
    remind(bob, channels=(Channel.CHAT,))
    services.chat_target_remove(target=target, actor=bob)
    outbox.outbox_deliver_batch(now=NOW)
    assert Message.objects.get().state == MessageState.SENT and receiver.received == []


def test_the_page_adds_a_target_and_shows_it_masked(client, receiver, bob):
    client.force_login(bob)
    response = client.post(reverse("notifications:chat"), {"url": receiver.url(), "label": "Phone"})
    assert response.status_code == 302
    target = ChatTarget.objects.get(owner=bob)
    assert (target.label, target.created_by) == ("Phone", bob)
    page = client.get(reverse("notifications:chat")).content.decode()
    assert "Phone" in page and target.masked_url in page and receiver.url() not in page


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nope://whatever", "Apprise does not understand this URL"),
        ("not a url", "Enter an Apprise URL"),
        ("file:///etc/passwd", "file:// sends to the server itself"),
        ("syslog://", "syslog:// sends to the server itself"),
        ("json://127.0.0.1:8000/admin/", "points inside the server"),
    ],
)
def test_an_invalid_url_is_refused_by_the_form_and_the_input_is_kept(client, bob, url, says):
    client.force_login(bob)
    response = client.post(reverse("notifications:chat"), {"url": url, "label": "Mine"})
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert 'value="Mine"' in page and f'value="{url}"' in page
    assert not ChatTarget.objects.exists()


def test_the_test_button_sends_through_apprise_and_says_so(client, receiver, bob):
    target = add(bob, receiver.url(), "Webhook")
    client.force_login(bob)
    response = client.post(reverse("notifications:chat-test", args=[target.pk]), follow=True)
    assert "Test message sent to Webhook." in response.content.decode()
    [(_path, payload)] = receiver.received
    assert payload["title"] == "PeerPact test message" and "http://testserver/" in payload["message"]


def test_the_test_button_reports_why_a_bad_target_failed(client, settings, bob, closed_port):
    settings.CHAT_ALLOW_PRIVATE_HOSTS = True
    unreachable = add(bob, f"json://127.0.0.1:{closed_port}/hook", "Down")
    # A target saved before the rules changed (or edited in the database) must not crash the page either.
    broken = ChatTarget.objects.create(owner=bob, url="nope://gone", label="Broken")
    client.force_login(bob)
    page = client.post(reverse("notifications:chat-test", args=[unreachable.pk]), follow=True)
    assert page.status_code == 200
    assert "did not go out" in page.content.decode() and "Connection error" in page.content.decode()
    page = client.post(reverse("notifications:chat-test", args=[broken.pk]), follow=True)
    assert page.status_code == 200 and "Apprise does not understand this URL" in page.content.decode()


def test_a_redirect_is_not_followed(receiver, bob):
    outcome = chat.send(url=receiver.url("moved"), title="t", body="b")
    assert not outcome.ok
    assert [path for path, _payload in receiver.received] == ["/moved"]


def test_a_persons_target_is_not_shown_to_anyone_else(client, settings, bob, alice):
    settings.CHAT_ALLOW_PRIVATE_HOSTS = True
    target = add(bob, SLACK, "Bob's Slack")
    client.force_login(alice)
    page = client.get(reverse("notifications:chat")).content.decode()
    assert "Bob" not in page and "TIiajkdnlazkcOXrIdevi7FQ" not in page and target.masked_url not in page
    assert client.post(reverse("notifications:chat-test", args=[target.pk])).status_code == 404
    assert client.post(reverse("notifications:chat-remove", args=[target.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.chat_target_remove(target=target, actor=alice)
    with pytest.raises(PermissionDenied):
        services.chat_target_add(owner=bob, actor=alice, url=SLACK)
    assert ChatTarget.objects.filter(pk=target.pk).exists()
    client.force_login(bob)
    own = client.get(reverse("notifications:chat")).content.decode()
    assert "Bob&#x27;s Slack" in own and "TIiajkdnlazkcOXrIdevi7FQ" not in own  # masked for its owner too


def test_the_owner_removes_a_target(client, bob):
    target = add(bob, SLACK, "Old")
    client.force_login(bob)
    client.post(reverse("notifications:chat-remove", args=[target.pk]))
    assert not ChatTarget.objects.exists()


def test_the_settings_page_has_a_chat_column_only_with_a_chat_target(client, bob):
    client.force_login(bob)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert reverse("notifications:chat") in page
    assert 'name="checkin__reminder__chat"' not in page
    add(bob, SLACK)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="checkin__reminder__chat"' in page and 'name="checkin__reminder__email"' in page


def test_saving_settings_without_the_chat_column_keeps_chat_choices(client, bob):
    preference = preference_for(bob)
    preference.muted = ["checkin.late:chat"]
    preference.save()
    client.force_login(bob)
    client.post(reverse("notifications:preferences"), {"daily_cap": "5"})
    preference.refresh_from_db()
    assert "checkin.late:chat" in preference.muted and "checkin.late:email" in preference.muted


def group_post(key="circle-chat:1", **extra):
    return notify_group_chat(
        scope="circle",
        scope_id=12,
        kind="circle.chat",
        template="emails/notice",
        context={"title": "Cycle 4 is open", "body": "Check in by Friday."},
        due_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        dedupe_key=key,
        **extra,
    )


def test_a_group_target_gets_what_is_queued_for_its_scope_once(receiver, alice, bob):
    target = services.chat_target_add(
        scope="circle", scope_id=12, url=receiver.url(), label="Circle", actor=alice
    )
    ChatTarget.objects.create(scope="circle", scope_id=12, url=receiver.url("paused"), is_active=False)
    ChatTarget.objects.create(scope="circle", scope_id=13, url=receiver.url("other"))
    add(bob, receiver.url("bob"))  # personal targets are not part of any scope
    assert group_post(url="/c/weekly/") == 1
    assert group_post(url="/c/weekly/") == 0  # the scheduler may run again: nothing new
    [message] = Message.objects.filter(chat_target=target)
    assert (message.recipient, message.channel, message.state) == (None, Channel.CHAT, MessageState.PENDING)
    assert outbox.outbox_deliver_batch(now=datetime(2026, 1, 5, 9, 1, tzinfo=UTC))
    [(path, payload)] = receiver.received
    assert path == "/hook" and payload["title"] == "Cycle 4 is open"
    assert payload["message"].startswith("Check in by Friday.")
    assert payload["message"].endswith("http://testserver/c/weekly/")
    message.refresh_from_db()
    assert message.state == MessageState.SENT and (target.created_by, target.owner) == (alice, None)


def test_a_failing_group_target_is_retried_and_its_error_shown(settings, alice, closed_port):
    settings.CHAT_ALLOW_PRIVATE_HOSTS = True
    target = services.chat_target_add(
        scope="circle", scope_id=12, url=f"json://127.0.0.1:{closed_port}/", actor=alice
    )
    group_post()
    outbox.outbox_deliver_batch(now=datetime(2026, 1, 5, 9, 1, tzinfo=UTC))
    message = Message.objects.get(chat_target=target)
    assert message.state == MessageState.PENDING and message.attempts == 1
    assert "Connection error" in message.last_error
    target.refresh_from_db()
    assert "Connection error" in target.last_error


def test_a_group_target_removed_before_delivery_takes_its_messages_with_it(receiver, alice):
    target = services.chat_target_add(scope="circle", scope_id=12, url=receiver.url(), actor=alice)
    group_post()
    services.chat_target_remove(target=target, actor=alice)
    assert not Message.objects.filter(kind="circle.chat").exists()
    assert outbox.outbox_deliver_batch(now=datetime(2026, 1, 5, 9, 1, tzinfo=UTC)) is False


def test_a_target_is_either_personal_or_for_a_scope(alice):
    with pytest.raises(ValueError, match="either an owner or a scope"):
        services.chat_target_add(owner=alice, scope="circle", scope_id=1, url=SLACK, actor=alice)
    with pytest.raises(ValueError, match="either an owner or a scope"):
        services.chat_target_add(url=SLACK, actor=alice)


def test_at_most_ten_targets_per_person(bob):
    for n in range(services.MAX_CHAT_TARGETS):
        add(bob, f"discord://41742162{n:02d}/JHMHI8qBe7bk2ZwO5U711o3dV_js")
    with pytest.raises(Exception, match="already 10 chat targets"):
        add(bob, SLACK)


@pytest.mark.parametrize(
    "url",
    [
        "json://localhost/hook",
        "json://LOCALHOST./hook",
        "json://app.localhost/hook",
        "json://127.0.0.1:8000/",
        "jsons://10.1.2.3/",
        "json://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "form://[::1]/x",
        "json://[::ffff:127.0.0.1]/x",
        "json://2130706433/x",  # 127.0.0.1 written as one number
        "mailtos://user:pass@93.184.215.14?smtp=127.0.0.1",  # its own SMTP server
    ],
)
def test_internal_hosts_are_refused_unless_allowed(settings, url):
    assert "inside the server" in (chat.url_problem(url) or "")
    settings.CHAT_ALLOW_PRIVATE_HOSTS = True
    assert chat.url_problem(url) is None


def test_a_name_that_resolves_inside_is_refused(monkeypatch):
    answers = {"intranet.example.org": "10.0.0.5", "chat.example.org": "93.184.215.14"}

    def resolve(host, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], 0))]

    monkeypatch.setattr(chat.socket, "getaddrinfo", resolve)
    assert chat.url_problem("matrixs://bot:secret@intranet.example.org/#room") is not None
    assert chat.url_problem("matrixs://bot:secret@chat.example.org/#room") is None


@pytest.mark.parametrize(
    "url",
    [
        SLACK,
        "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
        "tgram://123456789:abcdefg_hijklmnop/12315544/",
        "workflows://prod-00.westus.logic.azure.com:443/abc/def/?signature=xyz",
        "ntfy://my-peerpact-topic",
    ],
)
def test_cloud_chat_urls_are_accepted_without_resolving_tokens(monkeypatch, url):
    monkeypatch.setattr(chat, "_resolves_inside", lambda host: False)  # no network in this test
    assert chat.url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (SLACK, "slack://…/…i7FQ"),
        ("tgram://123456789:abcdefg_hijklmnop/12315544/", "tgram://…/…5544"),
        ("json://127.0.0.1:8080/hook?token=secret", "json://…/…hook"),
        ("ntfy://abc", "ntfy://…/…"),
    ],
)
def test_urls_are_masked_down_to_their_last_characters(url, masked):
    assert chat.url_mask(url) == masked


def test_the_database_refuses_a_target_that_is_both_or_neither(bob):
    from django.db import IntegrityError, transaction

    for fields in ({"owner": bob, "scope": "circle", "scope_id": 1}, {}, {"scope": "circle"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ChatTarget.objects.create(url=SLACK, **fields)
