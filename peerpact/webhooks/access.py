"""Who may manage a community's webhooks: its owner and organizers, nobody else."""

from __future__ import annotations

from typing import Any

from peerpact.communities import access as community_access
from peerpact.communities.models import Community


def can_manage_webhooks(user: Any, community: Community) -> bool:
    return community_access.is_community_manager(user, community)
