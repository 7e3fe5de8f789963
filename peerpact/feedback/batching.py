"""Batched peer-activity notifications: one message per person for a burst of comments, feedback,
kudos and help offers on their check-ins and wins.

A person's unsent items go out together once nothing new has arrived for `QUIET_FOR` (10 minutes), or
once the oldest has waited `AT_MOST` (1 hour), whichever comes first.

Nothing is lost and nothing is sent twice, with any number of workers: inside one transaction a worker
claims the person's unsent items with a compare-and-set UPDATE (`batch_key` from empty to its own
token; a second worker's UPDATE then matches nothing), names the batch after its first item (a stable
dedupe key) and queues the message in the outbox. A crash rolls the claim back with the message, so
the items wait for the next pass. Anonymous feedback is listed as "Someone": the message context never
holds its author.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _

from peerpact.accounts.models import User
from peerpact.feedback.models import (
    EMOJI,
    ActivityKind,
    Comment,
    Feedback,
    HelpOffer,
    Kudos,
    PeerActivity,
    Reaction,
)
from peerpact.notifications.notify import notify
from peerpact.safety.selectors import blocks_between

logger = logging.getLogger(__name__)

KIND = "peer.activity"
TEMPLATE = "emails/peer_activity"
QUIET_FOR = timedelta(minutes=10)
AT_MOST = timedelta(hours=1)
EXCERPT = 160
PEOPLE_PER_PASS = 50


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def recipients_due(*, now: datetime) -> list[int]:
    """People whose unsent activity has been quiet long enough, or whose oldest item waited long enough."""
    rows = (
        PeerActivity.objects.unsent()
        .filter(created_at__lte=now)
        .values("recipient_id")
        .annotate(first=Min("created_at"), last=Max("created_at"))
    )
    return [
        row["recipient_id"] for row in rows if row["last"] <= now - QUIET_FOR or row["first"] <= now - AT_MOST
    ][:PEOPLE_PER_PASS]


def _item(activity: PeerActivity) -> dict[str, Any] | None:
    """What the message says about one item; None if it should not be mentioned any more."""
    actor_name = "" if activity.anonymous else activity.actor.name
    item: dict[str, Any] = {"kind": activity.kind, "who": actor_name, "url": activity.url}
    if activity.kind == ActivityKind.COMMENT:
        comment = Comment.objects.visible().filter(pk=activity.object_id).first()
        if comment is None:
            return None
        item["text"] = _excerpt(comment.body)
    elif activity.kind == ActivityKind.FEEDBACK:
        feedback = Feedback.objects.visible().filter(pk=activity.object_id).first()
        if feedback is None:
            return None
        item["text"] = _excerpt(feedback.worked or feedback.suggestion or feedback.question)
    elif activity.kind == ActivityKind.KUDOS:
        kudos = Kudos.objects.filter(pk=activity.object_id).first()
        if kudos is None:
            return None
        reaction = Reaction(kudos.reaction)
        item["text"] = f"{EMOJI[reaction]} {reaction.label}"
        item["target"] = kudos.target_kind
    elif activity.kind == ActivityKind.HELP_OFFER:
        offer = HelpOffer.objects.filter(pk=activity.object_id).first()
        if offer is None:
            return None
        item["text"] = _excerpt(offer.message)
    return item


def batch_send(*, recipient: User, now: datetime) -> bool:
    """Claim and queue everything unsent for one person now (the worker unit checks the timing first)."""
    token = f"claim:{uuid.uuid4().hex}"
    with transaction.atomic():
        candidates = list(
            PeerActivity.objects.unsent()
            .filter(recipient=recipient, created_at__lte=now)
            .values_list("pk", flat=True)
        )
        if not candidates:
            return False
        # Compare-and-set: only rows still unsent become ours; a competing worker's claim matches none.
        won = PeerActivity.objects.filter(pk__in=candidates, batch_key="").update(batch_key=token)
        if not won:
            return False
        claimed = list(
            PeerActivity.objects.filter(batch_key=token)
            .select_related("actor", "circle")
            .order_by("created_at", "pk")
        )
        key = f"peer-activity:{recipient.pk}:{claimed[0].pk}"
        PeerActivity.objects.filter(batch_key=token).update(batch_key=key, sent_at=now)
        items = []
        for activity in claimed:
            # A block made after the item was recorded still keeps the two apart.
            if blocks_between(activity.actor, recipient):
                continue
            item = _item(activity)
            if item is not None:
                items.append(item)
        if not items:
            return True  # claimed and settled: there is nothing left worth telling
        circles = sorted({a.circle.name for a in claimed})
        notify(
            recipient=recipient,
            kind=KIND,
            template=TEMPLATE,
            context={"title": str(_("News from your circle")), "circles": circles, "items": items},
            due_at=now,
            dedupe_key=key,
            url=items[0]["url"] if len(items) == 1 else "",
        )
    return True


def peer_activity_send(*, now: datetime) -> bool:
    """Worker unit: queue one message per person whose activity batch is ready. True if it did work."""
    busy = False
    for recipient_id in recipients_due(now=now):
        try:
            recipient = User.objects.get(pk=recipient_id)
            busy = batch_send(recipient=recipient, now=now) or busy
        except Exception:
            # One bad row must not stop the others; its items stay unsent and are retried next pass.
            logger.exception("peer activity: could not send the batch for user %s", recipient_id)
    return busy
