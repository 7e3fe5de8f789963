"""The weekly organizer report: how each circle of a community did in its last finished cycle.

A worker unit. Every Monday from 08:00 in each organizer's own time zone, owners and organizers get one
message per community they run (dedupe key per person, community and ISO week), through `notify`, so
their muted kinds, quiet hours and daily cap apply.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from django.urls import reverse

from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Cycle
from peerpact.checkins.schedule import State
from peerpact.circles.models import Circle, CircleStatus
from peerpact.communities.models import Community, CommunityMembership, CommunityRole
from peerpact.notifications.models import Message
from peerpact.notifications.notify import notify

REPORT_WEEKDAY = 0  # Monday
REPORT_TIME = time(8, 0)
STALE_AFTER = timedelta(hours=12)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _report_moment(now: datetime, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """This week's Monday 08:00 in `zone`, if it has passed (and not long ago)."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=(local.weekday() - REPORT_WEEKDAY) % 7)
    moment = datetime.combine(monday, REPORT_TIME).replace(tzinfo=zone, fold=0)
    if moment > now or now - moment > STALE_AFTER:
        return None
    return moment


def community_health(*, community: Community, now: datetime) -> list[dict[str, object]]:
    """Per active circle: members, check-ins in the last finished cycle, misses, open help requests."""
    rows = []
    for circle in (
        Circle.objects.filter(community=community).exclude(status=CircleStatus.ARCHIVED).order_by("name")
    ):
        last = Cycle.objects.filter(circle=circle, grace_until__lt=now).order_by("-index").first()
        if last is None:
            continue
        table = checkin_selectors.grid(circle=circle, cycles=[last], now=now)
        states = [row.cells[0].state for row in table.rows]
        rows.append(
            {
                "circle": circle.name,
                "cycle": last.index,
                "members": len(states),
                "checked_in": sum(1 for s in states if s in (State.ON_TIME, State.LATE)),
                "missed": sum(1 for s in states if s == State.MISSED),
                "help": sum(
                    1 for row in table.rows if row.cells[0].checkin and row.cells[0].checkin.help_request
                ),
            }
        )
    return rows


def organizer_reports(*, now: datetime) -> bool:
    """Worker unit: queue this week's report for every owner and organizer whose Monday morning has come."""
    queued = False
    managers = CommunityMembership.objects.filter(
        role__in=[CommunityRole.OWNER, CommunityRole.ORGANIZER], user__is_active=True
    ).select_related("user", "community")
    pending = []
    for membership in managers:
        moment = _report_moment(now, _zone(membership.user.timezone))
        if moment is None:
            continue
        week = moment.strftime("%G-W%V")
        pending.append((membership, moment, f"report:{membership.user_id}:{membership.community_id}:{week}"))
    if not pending:
        return False
    existing = set(
        Message.objects.filter(dedupe_key__in=[f"{key}:email" for _m, _t, key in pending]).values_list(
            "dedupe_key", flat=True
        )
    )
    health: dict[int, list[dict[str, object]]] = {}
    for membership, moment, key in pending:
        if f"{key}:email" in existing:
            continue
        community = membership.community
        if community.pk not in health:
            health[community.pk] = community_health(community=community, now=now)
        notify(
            recipient=membership.user,
            kind="community.report",
            template="emails/organizer_report",
            due_at=moment,
            dedupe_key=key,
            url=reverse("communities:detail", kwargs={"slug": community.slug}),
            context={"title": community.name, "community": community.name, "circles": health[community.pk]},
        )
        queued = True
    return queued
