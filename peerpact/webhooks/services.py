"""Every write to webhook endpoints and deliveries, and the event subscriber that queues deliveries.

Lower apps never import this one: their services call `notifications.events.emit(...)`, and
`event_record` (subscribed in apps.py) turns each event into one delivery row per active endpoint of
the community that subscribed to it. The worker sends them (delivery.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.communities.models import Community
from peerpact.notifications import chat
from peerpact.notifications.events import Event
from peerpact.webhooks import access, payloads, signing
from peerpact.webhooks.models import Delivery, DeliveryState, Endpoint

# A handful per community is plenty; a cap keeps one organizer from fanning every event out without end.
MAX_ENDPOINTS = 20
# After a rotation the old secret keeps signing (a second signature) this long.
ROTATION_OVERLAP = timedelta(hours=24)
# cycle.closed is found by a scheduler: a cycle that closed while the worker was down longer than this
# is not announced (the receiver would rather miss it than get last month's news).
CYCLE_CLOSED_LOOKBACK = timedelta(days=1)
_CYCLE_CLOSED_NAMESPACE = uuid.UUID("5d1f3c1e-8a57-4f0e-9c43-7f4a2f7b3c21")


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_HOSTS", False))


def url_problem(url: str) -> str | None:
    """Why this endpoint URL may not be used (a sentence for the organizer), or None if it may.

    HTTPS only (plain HTTP too with DEBUG or WEBHOOKS_ALLOW_PRIVATE_HOSTS); no credentials in the URL;
    no host inside the server's own network unless WEBHOOKS_ALLOW_PRIVATE_HOSTS — the same guard as the
    chat targets (notifications/chat.py), checked on save and again before every attempt.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        _port = parts.port
    except ValueError:
        return _("Enter a valid URL, such as https://example.com/hooks/peerpact.")
    allowed = ("https", "http") if settings.DEBUG or _allow_private() else ("https",)
    if parts.scheme not in allowed:
        return _("The URL must start with https://.")
    if not host:
        return _("Enter a valid URL, such as https://example.com/hooks/peerpact.")
    if parts.username or parts.password:
        return _("Leave the user name and password out of the URL; the signature proves who is sending.")
    if not _allow_private() and chat.host_is_internal(host):
        return _(
            "This URL points inside the server's own network (localhost or a private address), "
            "which is not allowed here."
        )
    return None


def _require_manager(actor: Any, community: Community) -> None:
    if not access.can_manage_webhooks(actor, community):
        raise PermissionDenied(_("Only the community's organizers manage its webhooks."))


def _clean(url: str, description: str, events: list[str]) -> tuple[str, str, list[str]]:
    url, description = url.strip(), description.strip()
    problem = url_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    chosen = [name for name in payloads.EVENT_NAMES if name in set(events)]
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    return url, description, chosen


def endpoint_create(
    *, community: Community, actor: Any, url: str, events: list[str], description: str = ""
) -> Endpoint:
    """Add an endpoint with a fresh secret; it receives the chosen events from now on."""
    _require_manager(actor, community)
    url, description, chosen = _clean(url, description, events)
    if Endpoint.objects.filter(community=community).count() >= MAX_ENDPOINTS:
        raise ValidationError(
            _("This community already has %(count)d endpoints. Remove one first.") % {"count": MAX_ENDPOINTS}
        )
    endpoint = Endpoint(
        community=community,
        url=url,
        description=description,
        events=chosen,
        secret=signing.secret_generate(),
        created_by=actor,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_update(
    *, endpoint: Endpoint, actor: Any, url: str, events: list[str], description: str = ""
) -> Endpoint:
    """Change an endpoint's URL, description or events (deliveries already queued keep their URL's fate)."""
    _require_manager(actor, endpoint.community)
    endpoint.url, endpoint.description, endpoint.events = _clean(url, description, events)
    endpoint.full_clean()
    endpoint.save(update_fields=["url", "description", "events"])
    return endpoint


def endpoint_delete(*, endpoint: Endpoint, actor: Any) -> None:
    """Remove an endpoint with its delivery log."""
    _require_manager(actor, endpoint.community)
    endpoint.delete()


def endpoint_secret_rotate(*, endpoint: Endpoint, actor: Any, now: datetime) -> Endpoint:
    """Give the endpoint a new secret; the old one keeps signing too for ROTATION_OVERLAP."""
    _require_manager(actor, endpoint.community)
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + ROTATION_OVERLAP
    endpoint.secret = signing.secret_generate()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint


def endpoint_enable(*, endpoint: Endpoint, actor: Any) -> Endpoint:
    """Switch an endpoint back on with a clean failure count; what queued up meanwhile goes out."""
    _require_manager(actor, endpoint.community)
    endpoint.is_active, endpoint.disabled_at, endpoint.disabled_reason = True, None, ""
    endpoint.consecutive_failures, endpoint.failing_since = 0, None
    endpoint.save(
        update_fields=["is_active", "disabled_at", "disabled_reason", "consecutive_failures", "failing_since"]
    )
    return endpoint


def endpoint_disable(*, endpoint: Endpoint, actor: Any, now: datetime) -> Endpoint:
    """Pause an endpoint by hand: no new deliveries are queued for it, queued ones wait."""
    _require_manager(actor, endpoint.community)
    endpoint.is_active, endpoint.disabled_at = False, now
    endpoint.disabled_reason = _("Turned off by %(name)s.") % {"name": getattr(actor, "name", "") or actor}
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    return endpoint


def event_record(event: Event) -> list[Delivery]:
    """Subscriber: queue the event for every active endpoint of its community that wants it.

    Runs inside the emitting service's transaction (see notifications/events.py), so the rows commit with
    the change. All endpoints get the same event id: it names the event, not the attempt.
    """
    if event.type not in payloads.BUILDERS:
        return []
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(community_id=event.community_id, is_active=True)
        if endpoint.wants(event.type)
    ]
    if not endpoints:
        return []
    data = payloads.build(event.type, event.subject)
    return _queue(endpoints, event_id=uuid.uuid4(), event_type=event.type, at=event.occurred_at, data=data)


def _queue(
    endpoints: list[Endpoint], *, event_id: uuid.UUID, event_type: str, at: datetime, data: dict[str, Any]
) -> list[Delivery]:
    due = timezone.now()
    return Delivery.objects.bulk_create(
        [
            Delivery(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                occurred_at=at,
                payload=data,
                next_attempt_at=due,
            )
            for endpoint in endpoints
        ]
    )


def cycles_closed_record(*, now: datetime) -> bool:
    """Worker unit: queue `cycle.closed` for cycles that closed lately. True if it queued anything.

    The event id is derived from the cycle, and (endpoint, event id) is unique, so any number of passes
    and workers queue each once. An endpoint added after a cycle closed does not hear about it.
    """
    from peerpact.checkins.models import Cycle
    from peerpact.circles.models import Membership, MembershipStatus

    endpoints: dict[int, list[Endpoint]] = {}
    for endpoint in Endpoint.objects.filter(is_active=True):
        if endpoint.wants("cycle.closed"):
            endpoints.setdefault(endpoint.community_id, []).append(endpoint)
    if not endpoints:
        return False
    cycles = list(
        Cycle.objects.filter(
            circle__community_id__in=endpoints, closes_at__lte=now, closes_at__gt=now - CYCLE_CLOSED_LOOKBACK
        )
        .select_related("circle")
        .annotate(
            checked_in=Count("checkins", filter=Q(checkins__submitted_at__isnull=False)),
            on_time=Count("checkins", filter=Q(checkins__submitted_at__lte=F("deadline_at"))),
        )
    )
    if not cycles:
        return False
    ids = {cycle.pk: uuid.uuid5(_CYCLE_CLOSED_NAMESPACE, f"cycle.closed:{cycle.pk}") for cycle in cycles}
    done = set(Delivery.objects.filter(event_id__in=ids.values()).values_list("endpoint_id", "event_id"))
    members = dict(
        Membership.objects.filter(
            circle_id__in={cycle.circle_id for cycle in cycles}, status=MembershipStatus.ACTIVE
        )
        .values("circle_id")
        .annotate(n=Count("pk"))
        .values_list("circle_id", "n")
    )
    queued = False
    for cycle in cycles:
        event_id = ids[cycle.pk]
        fresh = [
            endpoint
            for endpoint in endpoints[cycle.circle.community_id]
            if endpoint.created_at <= cycle.closes_at and (endpoint.pk, event_id) not in done
        ]
        if not fresh:
            continue
        cycle.members = members.get(cycle.circle_id, 0)  # type: ignore[attr-defined]
        with transaction.atomic():
            _queue(
                fresh,
                event_id=event_id,
                event_type="cycle.closed",
                at=cycle.closes_at,
                data=payloads.cycle_closed(cycle),
            )
        queued = True
    return queued


def delivery_retry(*, delivery: Delivery, actor: Any, now: datetime) -> Delivery:
    """Give a failed delivery a fresh round of attempts, the first one due now."""
    _require_manager(actor, delivery.endpoint.community)
    if delivery.state != DeliveryState.FAILED:
        raise ValidationError(_("Only a failed delivery can be retried."))
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, claimed_by=""
    )
    delivery.refresh_from_db()
    return delivery


def endpoint_test_send(*, endpoint: Endpoint, actor: Any, now: datetime) -> Delivery:
    """Send a `ping` event to the endpoint right away (even a disabled one) and return how it went.

    A ping gets one attempt and does not count towards the endpoint's failures.
    """
    from peerpact.webhooks import delivery as sender

    _require_manager(actor, endpoint.community)
    [ping] = _queue(
        [endpoint], event_id=uuid.uuid4(), event_type=payloads.PING, at=now, data=payloads.ping(endpoint)
    )
    sender.delivery_send_now(delivery=ping, now=now)
    ping.refresh_from_db()
    return ping
