"""Role panels for pages of lower apps: the check-in board and the home page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from peerpact.roles import access, selectors
from peerpact.roles.models import CircleRole, CycleSummary, RoleKind

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`mapping[key]`, or None: for dicts keyed by id in templates."""
    return mapping.get(key) if mapping else None


@register.inclusion_tag("roles/partials/_panel.html", takes_context=True)
def roles_panel(context: Any, circle: Any, cycle: Any) -> dict[str, Any]:
    """ "Roles this cycle" on the board: who holds what, and the cycle's summary."""
    user = context["request"].user
    if cycle is None or not access.can_view_roles(user, circle):
        return {"show": False}
    held = selectors.assignments_in(cycle=cycle)
    roles = list(CircleRole.objects.filter(circle=circle, is_active=True))
    summary = CycleSummary.objects.filter(cycle=cycle).only("pk", "published_at").first()
    summarizer = next((held.get(r.pk) for r in roles if r.kind == RoleKind.SUMMARIZER), None)
    return {
        "show": True,
        "community": circle.community,
        "circle": circle,
        "cycle": cycle,
        "lines": [(role, held.get(role.pk)) for role in roles],
        "viewer_id": user.pk,
        "published": summary is not None and summary.published_at is not None,
        "may_write": summarizer is not None and summarizer.membership.user_id == user.pk,
    }


@register.inclusion_tag("roles/partials/_my_roles.html", takes_context=True)
def my_roles(context: Any) -> dict[str, Any]:
    """ "Your role this week" on the home page, for every circle the signed-in person holds one in."""
    user = context["request"].user
    now = context.get("now") or timezone.now()
    return {"assignments": selectors.roles_for_user(user=user, now=now)}
