"""Safety panels for other apps' pages: `{% load safety %}` then

- `{% report_button "checkin" checkin %}`: a small "Report" form for peers, a "Moderate" link for organizers;
- `{% moderation_banner "checkin" checkin %}`: "hidden/removed by a moderator" for those who still see it;
- `{% charter_banner circle %}`: asks a member to re-accept a charter that changed since they accepted it;
- `{% block_button user %}`: block (or unblock) one person, privately;
- `{% moderation_link community %}`: organizers' way into the moderation queue, with the open count;
- `{% circle_safety_links circle %}`: raise a concern, read the charter.
"""

from __future__ import annotations

from typing import Any

from django import template

from peerpact.circles import access as circle_access
from peerpact.safety import access, registry, selectors
from peerpact.safety.forms import ReportForm
from peerpact.safety.models import Block

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("safety/partials/_report_button.html", takes_context=True)
def report_button(context: template.Context, kind_name: str, obj: Any) -> dict[str, Any]:
    user = _user(context)
    kind = registry.get(kind_name)
    if kind is None or obj is None or user is None or not getattr(user, "is_authenticated", False):
        return {"show": False}
    community = kind.circle_of(obj).community
    moderate = access.can_moderate(user, community)
    can_report = not moderate and obj.is_visible and access.can_report(user, kind, obj)
    return {
        "show": moderate or can_report,
        "moderate": moderate,
        "community": community,
        "kind": kind,
        "obj": obj,
        "form": ReportForm(auto_id=f"report-{kind.name}-{obj.pk}-%s"),
        "already": selectors.report_of(reporter=user, kind=kind.name, object_id=obj.pk)
        if can_report
        else None,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("safety/partials/_moderation_banner.html", takes_context=True)
def moderation_banner(context: template.Context, kind_name: str, obj: Any) -> dict[str, Any]:
    user = _user(context)
    kind = registry.get(kind_name)
    if kind is None or obj is None or obj.is_visible:
        return {"show": False}
    community = kind.circle_of(obj).community
    author = kind.author_of(obj)
    return {
        "show": True,
        "obj": obj,
        "kind": kind,
        "community": community,
        "is_author": author is not None and user is not None and author.pk == user.pk,
        "moderate": user is not None and access.can_moderate(user, community),
    }


@register.inclusion_tag("safety/partials/_charter_banner.html", takes_context=True)
def charter_banner(context: template.Context, circle: Any) -> dict[str, Any]:
    user = _user(context)
    if user is None or circle is None:
        return {"show": False}
    return {"show": selectors.needs_charter_reaccept(user=user, circle=circle), "circle": circle}


@register.inclusion_tag("safety/partials/_block_button.html", takes_context=True)
def block_button(context: template.Context, person: Any) -> dict[str, Any]:
    user = _user(context)
    if user is None or not getattr(user, "is_authenticated", False) or person is None or person.pk == user.pk:
        return {"show": False}
    request = context["request"]
    if "_blocked_ids" not in request.__dict__:  # one query per page, however many buttons
        request.__dict__["_blocked_ids"] = set(
            Block.objects.filter(blocker=user).values_list("blocked_id", flat=True)
        )
    cache = request.__dict__["_blocked_ids"]
    return {
        "show": True,
        "person": person,
        "is_blocked": person.pk in cache,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("safety/partials/_moderation_link.html", takes_context=True)
def moderation_link(context: template.Context, community: Any) -> dict[str, Any]:
    user = _user(context)
    if user is None or community is None or not access.can_moderate(user, community):
        return {"show": False}
    return {"show": True, "community": community, "open": selectors.open_report_count(community=community)}


@register.inclusion_tag("safety/partials/_circle_safety_links.html", takes_context=True)
def circle_safety_links(context: template.Context, circle: Any) -> dict[str, Any]:
    user = _user(context)
    if user is None or circle is None:
        return {"show": False}
    membership = circle_access.membership_in(user, circle)
    return {"show": membership is not None and membership.is_seated, "circle": circle}
