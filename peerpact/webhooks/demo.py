"""Demo data: one switched-off webhook endpoint with a short delivery log, so the pages have something to
show. Its URL is on the reserved .invalid domain and it stays off, so the worker never calls anything."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from peerpact.circles.models import Circle
from peerpact.communities.models import CommunityMembership, CommunityRole
from peerpact.webhooks import signing
from peerpact.webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Endpoint

DESCRIPTION = "Demo: the team's CRM"


def seed(*, circles: list[Circle], now: datetime) -> None:
    """Add the endpoint and its log to the first demo circle's community (once)."""
    if not circles:
        return
    community = circles[0].community
    if Endpoint.objects.filter(community=community, description=DESCRIPTION).exists():
        return
    owner = CommunityMembership.objects.filter(community=community, role=CommunityRole.OWNER).first()
    endpoint = Endpoint.objects.create(
        community=community,
        url="https://crm.example.invalid/hooks/peerpact",
        description=DESCRIPTION,
        events=["checkin.submitted", "cycle.closed", "goal.achieved"],
        secret=signing.secret_generate(),
        is_active=False,
        disabled_at=now - timedelta(hours=2),
        disabled_reason="Demo endpoint: point it at your own receiver, then switch it on.",
        created_by=owner.user if owner else None,
    )
    circle = circles[0]
    data = {"circle": {"id": circle.pk, "slug": circle.slug, "name": circle.name}}
    log = [
        ("checkin.submitted", DeliveryState.SUCCEEDED, [200]),
        ("goal.achieved", DeliveryState.SUCCEEDED, [503, 200]),
        ("cycle.closed", DeliveryState.FAILED, [500] * 6),
    ]
    for hours, (event_type, state, codes) in enumerate(log, start=1):
        at = now - timedelta(days=1, hours=-hours)
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event_type=event_type,
            occurred_at=at,
            payload=data,
            state=state,
            attempts=len(codes),
            last_attempt_at=at,
            last_status_code=codes[-1],
            last_error="" if codes[-1] < 300 else f"HTTP {codes[-1]}",
            delivered_at=at if state == DeliveryState.SUCCEEDED else None,
        )
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                delivery=delivery,
                attempted_at=at + timedelta(minutes=i),
                status_code=code,
                error="" if code < 300 else f"HTTP {code}",
                duration_ms=120,
            )
            for i, code in enumerate(codes)
        )
