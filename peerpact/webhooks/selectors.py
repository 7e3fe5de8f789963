"""Reads for the webhook pages. The views have already checked that the asker manages the community."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from peerpact.communities.models import Community
from peerpact.webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Endpoint


def endpoint_list_for(*, community: Community) -> QuerySet[Endpoint]:
    """A community's endpoints with how many deliveries wait and how many failed."""
    return Endpoint.objects.filter(community=community).annotate(
        pending=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
    )


def delivery_log_for(*, endpoint: Endpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries, newest first, each with every attempt."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .order_by("-created_at", "-pk")
        .prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("attempted_at", "pk"))
        )
    )
