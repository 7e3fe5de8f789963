"""Who may see or change what in circle formation.

Organizers (community owners and organizers) run intakes and see applications, except the private
self-identification answers, which no page shows to anyone. An applicant sees only their own answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peerpact.communities import access as community_access
from peerpact.formation.models import Intake


def can_manage_intakes(user: Any, community: Any) -> bool:
    return community_access.is_community_manager(user, community)


def can_manage_intake(user: Any, intake: Intake) -> bool:
    return can_manage_intakes(user, intake.community)


def may_apply(user: Any, intake: Intake, now: datetime) -> bool:
    """Logged-in people with the link may apply while the intake is open; a cohort's intake is for
    members of its community (learners are enrolled on apply)."""
    if not getattr(user, "is_authenticated", False) or not intake.accepts_answers(now):
        return False
    return intake.cohort_id is None or community_access.can_view_community(user, intake.community)
