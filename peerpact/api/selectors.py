from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from peerpact.api.models import ApiToken


def token_list_for_user(*, user: Any) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(user=user).select_related("community").order_by("revoked_at", "-created_at")
    )


def token_get_for_user(*, user: Any, token_id: int) -> ApiToken | None:
    """The user's own token; another person's is a 404."""
    return ApiToken.objects.filter(user=user, pk=token_id).select_related("community").first()
