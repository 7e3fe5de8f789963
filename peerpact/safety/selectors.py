"""Reads for safety: blocks, reports, concerns. Other apps ask `blocks_between` before one person may
reach another (comments, feedback, kudos, help offers, notifications caused by them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from peerpact.safety.models import Block


def blocks_between(a: Any, b: Any) -> bool:
    """True if either person has blocked the other."""
    if a is None or b is None or a.pk == b.pk:
        return False
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def blocked_by(user: Any) -> set[int]:
    """Ids of everyone `user` blocked or who blocked `user` (to filter lists in one query)."""
    pairs = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list("blocker_id", "blocked_id")
    return {other for pair in pairs for other in pair if other != user.pk}
