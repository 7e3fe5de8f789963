"""The organizer pages: create (with bad input kept), reveal and rotate, test-send, the log, retry."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from peerpact.webhooks.models import Delivery, DeliveryState, Endpoint


def _login(client, user):
    assert client.login(email=user.email, password=PASSWORD)


def test_an_organizer_adds_an_endpoint_and_sees_its_secret(client, otto, community, hooks) -> None:
    _login(client, otto)
    url = reverse("webhooks:create", kwargs={"community": community.slug})
    assert 'type="checkbox"' in client.get(url).content.decode()
    response = client.post(
        url, {"url": hooks.url(), "description": "CRM", "events": ["checkin.submitted", "cycle.closed"]}
    )
    endpoint = Endpoint.objects.get(description="CRM")
    assert response["Location"] == reverse(
        "webhooks:secret", kwargs={"community": community.slug, "endpoint": endpoint.pk}
    )
    assert endpoint.events == ["checkin.submitted", "cycle.closed"] and endpoint.created_by == otto
    page = client.get(response["Location"])
    assert endpoint.secret in page.content.decode() and page["Cache-Control"] == "no-store"
    detail = client.get(
        reverse("webhooks:detail", kwargs={"community": community.slug, "endpoint": endpoint.pk})
    )
    assert (
        endpoint.secret not in detail.content.decode() and endpoint.masked_secret in detail.content.decode()
    )


def test_a_bad_url_is_refused_and_the_form_keeps_what_was_typed(client, olivia, community, settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    _login(client, olivia)
    url = reverse("webhooks:create", kwargs={"community": community.slug})
    response = client.post(url, {"url": "https://10.1.2.3/hook", "description": "Mine"})
    body = response.content.decode()
    assert response.status_code == 400
    assert (
        "inside the server" in body
        and "https://10.1.2.3/hook" in body
        and "Choose at least one event" in body
    )
    assert not Endpoint.objects.exists()


def test_test_send_shows_the_answer_with_and_without_htmx(client, olivia, endpoint, hooks) -> None:
    _login(client, olivia)
    url = reverse("webhooks:test", kwargs={"community": endpoint.community.slug, "endpoint": endpoint.pk})
    partial = client.post(url, headers={"HX-Request": "true"})
    assert "The endpoint answered 200." in partial.content.decode()
    hooks.status = 500
    page = client.post(url, follow=True)
    assert "Test event not delivered: HTTP 500" in page.content.decode()
    assert [r.path for r in hooks.received] == ["/hook", "/hook"]


def test_the_delivery_log_pages_and_a_failed_row_can_be_retried(client, olivia, endpoint) -> None:
    now = timezone.now()
    rows = [
        Delivery(
            endpoint=endpoint,
            event_type="goal.achieved",
            occurred_at=now,
            payload={},
            state=DeliveryState.FAILED,
        )
        for _ in range(30)
    ]
    Delivery.objects.bulk_create(rows)
    _login(client, olivia)
    detail = reverse(
        "webhooks:detail", kwargs={"community": endpoint.community.slug, "endpoint": endpoint.pk}
    )
    first = client.get(detail).content.decode()
    assert first.count("Retry now") == 25 and "Page 1 of 2" in first
    second = client.get(detail + "?page=2", headers={"HX-Request": "true"})
    assert second.content.decode().count("Retry now") == 5 and "<html" not in second.content.decode()
    failed = Delivery.objects.filter(state=DeliveryState.FAILED).first()
    retry = reverse(
        "webhooks:retry",
        kwargs={"community": endpoint.community.slug, "endpoint": endpoint.pk, "delivery": failed.pk},
    )
    assert "Queued again" in client.post(retry, follow=True).content.decode()
    failed.refresh_from_db()
    assert failed.state == DeliveryState.PENDING and failed.attempts == 0


def test_a_switched_off_endpoint_can_be_switched_on_again(client, olivia, endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False,
        disabled_at=timezone.now(),
        disabled_reason="11 failed attempts",
        consecutive_failures=11,
    )
    _login(client, olivia)
    detail = reverse(
        "webhooks:detail", kwargs={"community": endpoint.community.slug, "endpoint": endpoint.pk}
    )
    assert "11 failed attempts" in client.get(detail).content.decode()
    state = reverse("webhooks:state", kwargs={"community": endpoint.community.slug, "endpoint": endpoint.pk})
    client.post(state, {"active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


def test_members_are_told_why_and_outsiders_see_nothing(
    client, bob, carol, circle, other_community, endpoint
) -> None:
    url = reverse("webhooks:list", kwargs={"community": endpoint.community.slug})
    _login(client, bob)
    refused = client.get(url)
    assert refused.status_code == 403 and "organizers manage its webhooks" in refused.content.decode()
    _login(client, carol)
    assert client.get(url).status_code == 404


def test_the_demo_seed_adds_a_switched_off_endpoint_once(circle) -> None:
    from peerpact.webhooks import demo

    demo.seed(circles=[circle], now=timezone.now())
    demo.seed(circles=[circle], now=timezone.now())
    endpoint = Endpoint.objects.get(description=demo.DESCRIPTION)
    assert not endpoint.is_active and endpoint.deliveries.count() == 3
