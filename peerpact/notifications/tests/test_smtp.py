"""Mail really goes over SMTP: an aiosmtpd server in the test process receives what the worker sends."""

from __future__ import annotations

import email
import socket
from datetime import UTC, datetime
from email.message import Message as MimeMessage

import pytest
from aiosmtpd.controller import Controller

from peerpact.notifications import outbox
from peerpact.notifications.notify import notify

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], MimeMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.original_content))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "127.0.0.1",
                "port": controller.server.sockets[0].getsockname()[1],
                "timeout": 10,
            },
        }
    }
    settings.DEFAULT_FROM_EMAIL = "PeerPact <noreply@peerpact.example>"
    try:
        yield inbox
    finally:
        controller.stop()


def test_the_worker_delivers_over_smtp_with_every_header_a_mail_client_needs(smtp_server, bob):
    bob.language = "es"
    bob.save()
    notify(
        recipient=bob,
        kind="checkin.reminder",
        template="emails/notice",
        due_at=NOW,
        dedupe_key="smtp:1",
        context={"title": "Your update is due", "body": "Friday 18:00"},
        url="/c/x/",
        channels=("email",),
    )
    assert outbox.outbox_deliver_batch(now=NOW)
    [(sender, recipients, message)] = smtp_server.received
    assert sender == "noreply@peerpact.example" and recipients == [bob.email]
    assert message["Subject"] == "[PeerPact] Your update is due"
    assert message["Message-ID"].startswith("<outbox-") and message["X-PeerPact-Kind"] == "checkin.reminder"
    assert message["List-Unsubscribe"].startswith("<http://testserver/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_payload(decode=True).decode() for part in message.get_payload())
    assert "Hola, Bob:" in text  # written in bob's language
    assert "Friday 18:00" in text and "http://testserver/c/x/" in text
    assert "<html" in html and "http://testserver/c/x/" in html


def test_a_refused_recipient_is_retried_later_not_lost(smtp_server, bob, monkeypatch):
    async def refuse(server, session, envelope):
        return "451 Try again later"

    monkeypatch.setattr(smtp_server, "handle_DATA", refuse)
    notify(
        recipient=bob,
        kind="checkin.reminder",
        template="emails/notice",
        due_at=NOW,
        dedupe_key="smtp:2",
        context={"title": "t", "body": "b"},
        channels=("email",),
    )
    outbox.outbox_deliver_batch(now=NOW)
    from peerpact.notifications.models import Message, MessageState

    message = Message.objects.get()
    assert message.state == MessageState.PENDING and message.due_at > NOW and "451" in message.last_error
