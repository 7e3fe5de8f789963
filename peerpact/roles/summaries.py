"""The cycle summary: drafted from the check-ins, edited and published by the summarizer.

Only check-ins shared with the whole circle are quoted (wins, blockers, help, next steps); for the
others the draft says no more than the board does: whether the update came in.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Checkin, CheckinVisibility, Cycle
from peerpact.checkins.schedule import State
from peerpact.circles.models import Membership, MembershipStatus
from peerpact.goals.models import Commitment
from peerpact.notifications.notify import notify
from peerpact.roles import access
from peerpact.roles.models import CycleSummary


def _state_label(state: State | None) -> str:
    labels = {
        State.ON_TIME: _("checked in on time"),
        State.LATE: _("checked in late"),
        State.MISSED: _("no update"),
        State.EXCUSED: _("excused"),
        State.PENDING: _("not in yet"),
        State.GRACE: _("not in yet"),
    }
    return labels.get(state, "") if state else ""


def summary_draft(cycle: Cycle, *, now: datetime | None = None) -> str:
    """A markdown draft of the cycle: done/missed per person, wins, blockers, help, next steps."""
    now = now or timezone.now()
    table = checkin_selectors.grid(circle=cycle.circle, cycles=[cycle], now=max(now, cycle.opens_at))
    shared_by: set[int] = set()
    lines, wins, blockers, helps = [], [], [], []
    checked_in = counted = 0
    for row in table.rows:
        cell = row.cells[0]
        if cell.state is None:
            continue  # joined after the cycle
        counted += 1
        checked_in += cell.state in (State.ON_TIME, State.LATE)
        name = row.membership.user.name
        line = f"- {name}: {_state_label(cell.state)}"
        if cell.total:
            line += " · " + _("%(done)s of %(total)s commitments done") % {
                "done": cell.done,
                "total": cell.total,
            }
        lines.append(line)
        checkin = cell.checkin
        if checkin is None or not _shared(checkin):
            continue
        shared_by.add(row.membership.pk)
        if checkin.wins.strip():
            wins.append(f"- {name}: {_one_line(checkin.wins)}")
        if checkin.blockers.strip():
            blockers.append(f"- {name}: {_one_line(checkin.blockers)}")
        if checkin.help_request.strip():
            helps.append(f"- {name}: {_one_line(checkin.help_request)}")
    steps: dict[int, list[str]] = defaultdict(list)
    for membership_id, text in Commitment.objects.filter(
        membership_id__in=shared_by, cycle__circle_id=cycle.circle_id, cycle__index=cycle.index + 1
    ).values_list("membership_id", "text"):
        steps[membership_id].append(text)
    names = {row.membership.pk: row.membership.user.name for row in table.rows}
    next_steps = [f"- {names[m]}: {'; '.join(texts)}" for m, texts in steps.items()]
    parts = [
        _("Cycle %(n)s: %(done)s of %(total)s members checked in.")
        % {"n": cycle.index, "done": checked_in, "total": counted}
    ]
    for title, items in (
        (_("Commitments"), lines),
        (_("Wins"), wins),
        (_("Blockers"), blockers),
        (_("Help requests"), helps),
        (_("Next steps"), next_steps),
    ):
        if items:
            parts.append(f"### {title}\n\n" + "\n".join(items))
    return "\n\n".join(parts) + "\n"


def _shared(checkin: Checkin) -> bool:
    """Submitted, shared with the whole circle, and not hidden by moderation."""
    if not checkin.is_submitted or checkin.visibility != CheckinVisibility.CIRCLE:
        return False
    return bool(getattr(checkin, "is_visible", True))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def summary_get(*, cycle: Cycle) -> CycleSummary | None:
    return CycleSummary.objects.filter(cycle=cycle).select_related("author").first()


def summary_save(*, cycle: Cycle, actor: Any, text: str) -> CycleSummary:
    """Save the summary text (a draft until published; a published one stays published)."""
    if not access.can_edit_summary(actor, cycle):
        raise PermissionDenied(
            _("Only this cycle's summarizer, the facilitator or an organizer can edit it.")
        )
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a few lines before saving.")})
    with transaction.atomic():
        summary, _created = CycleSummary.objects.select_for_update().get_or_create(
            cycle=cycle, defaults={"text": text, "author": actor}
        )
        summary.text, summary.author = text, actor
        summary.full_clean(exclude=["cycle"])
        summary.save()
    return summary


def summary_publish(*, cycle: Cycle, actor: Any, text: str, now: datetime | None = None) -> CycleSummary:
    """Save and share the summary with the circle; members are told once, however often it is edited."""
    now = now or timezone.now()
    if cycle.opens_at > now:
        raise ValidationError(_("This cycle has not started yet."))
    summary = summary_save(cycle=cycle, actor=actor, text=text)
    if summary.published_at is None:
        CycleSummary.objects.filter(pk=summary.pk, published_at__isnull=True).update(published_at=now)
        summary.refresh_from_db()
    circle = cycle.circle
    url = reverse(
        "roles:summary",
        kwargs={"community": circle.community.slug, "circle": circle.slug, "index": cycle.index},
    )
    readers = Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE).select_related("user")
    for membership in readers:
        if membership.user_id == getattr(actor, "pk", None):
            continue
        notify(
            recipient=membership.user,
            kind="circle.summary",
            template="emails/cycle_summary",
            due_at=now,
            dedupe_key=f"summary:{summary.pk}:{membership.pk}",
            url=url,
            context={
                "title": circle.name,
                "circle": circle.name,
                "cycle": cycle.index,
                "author": getattr(actor, "name", ""),
                "text": summary.text,
            },
        )
    return summary


def digest_extra(cycle: Cycle) -> dict[str, object]:
    """For the circle digest: this cycle's published summary, or the previous one's if it came too
    late for its own digest."""
    summary = (
        CycleSummary.objects.filter(cycle=cycle, published_at__isnull=False).select_related("author").first()
    )
    if summary is None:
        earlier = (
            CycleSummary.objects.filter(
                cycle__circle_id=cycle.circle_id, cycle__index=cycle.index - 1, published_at__isnull=False
            )
            .select_related("author", "cycle")
            .first()
        )
        if earlier is not None and earlier.published_at and earlier.published_at > earlier.cycle.grace_until:
            summary = earlier
    if summary is None:
        return {}
    return {
        "summary": {
            "cycle": summary.cycle.index,
            "text": summary.text,
            "author": summary.author.name if summary.author else "",
        }
    }
