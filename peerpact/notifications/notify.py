"""`notify`: the one way apps send something to a person. It honours their preferences.

For each channel the person has not muted for this kind, a message is put in the outbox (chat only
when they have an active chat target of their own):

- due times that fall in the person's quiet hours (in their own time zone) move to the end of them;
- once the day's cap for a channel is reached (counted on the person's local calendar day), further
  messages for that day are kept as `cancelled` with the reason, so nothing vanishes silently.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from peerpact.notifications import outbox
from peerpact.notifications.models import Channel, ChatTarget, Message, MessageState, Preference

# Chat only reaches people who added a chat target of their own; for everyone else it is skipped.
DEFAULT_CHANNELS = (Channel.INAPP, Channel.EMAIL, Channel.CHAT)


def preference_for(user: Any) -> Preference:
    preference, _created = Preference.objects.get_or_create(user=user)
    return preference


def _zone(user: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # spans midnight, e.g. 22:00-07:00


def after_quiet_hours(when: datetime, *, preference: Preference, zone: zoneinfo.ZoneInfo) -> datetime:
    """`when`, or the first moment after it that is outside the quiet hours (local wall time).

    Usually that is the quiet hours' end on the right day. Around a DST change the end time can be
    missing (spring-forward: wake at the switch) or happen twice (fall-back: the second time may be the
    one still ahead); those rare cases are settled by walking forward minute by minute.
    """
    start, end = preference.quiet_from, preference.quiet_until
    if start is None or end is None:
        return when

    def quiet(instant: datetime) -> bool:
        return _in_quiet_hours(instant.astimezone(zone).time().replace(tzinfo=None), start, end)

    if not quiet(when):
        return when
    local = when.astimezone(zone)
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    guess = max(datetime.combine(day, end).replace(tzinfo=zone, fold=0).astimezone(UTC), when)
    if not quiet(guess) and quiet(guess - timedelta(minutes=1)):
        return guess
    step = when.replace(second=0, microsecond=0)
    for _ in range(26 * 60):  # a quiet window is under 24 h, plus a DST hour
        step += timedelta(minutes=1)
        if not quiet(step):
            return step
    return guess


@dataclass
class Sent:
    channel: str
    message: Message
    created: bool


def notify(
    *,
    recipient: Any,
    kind: str,
    template: str,
    context: dict[str, Any],
    due_at: datetime,
    dedupe_key: str,
    url: str = "",
    channels: tuple[str, ...] = DEFAULT_CHANNELS,
) -> list[Sent]:
    """Queue `kind` for `recipient` on every channel they have not muted. Idempotent per dedupe key."""
    preference = preference_for(recipient)
    zone = _zone(recipient)
    results = []
    for channel in channels:
        if not preference.wants(kind, channel):
            continue
        if channel == Channel.CHAT and not ChatTarget.objects.active().personal(recipient).exists():
            continue
        due = after_quiet_hours(due_at, preference=preference, zone=zone)
        message, created = outbox.message_enqueue(
            recipient=recipient,
            kind=kind,
            channel=channel,
            template=template,
            context=context,
            due_at=due,
            dedupe_key=f"{dedupe_key}:{channel}",
            url=url,
        )
        if created and _over_daily_cap(message, preference=preference, zone=zone):
            Message.objects.filter(pk=message.pk).update(
                state=MessageState.CANCELLED, last_error="daily cap reached"
            )
            message.state = MessageState.CANCELLED
        results.append(Sent(channel=channel, message=message, created=created))
    return results


def _over_daily_cap(message: Message, *, preference: Preference, zone: zoneinfo.ZoneInfo) -> bool:
    local_day = message.due_at.astimezone(zone).date()
    start = datetime.combine(local_day, time.min).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.combine(local_day + timedelta(days=1), time.min).replace(tzinfo=zone).astimezone(UTC)
    same_day = Message.objects.filter(
        recipient_id=message.recipient_id,
        channel=message.channel,
        due_at__gte=start,
        due_at__lt=end,
        pk__lt=message.pk,
    ).exclude(state=MessageState.CANCELLED)
    return same_day.count() >= preference.daily_cap


@dataclass(frozen=True)
class Notice:
    """One `notify` call, for `notify_many`."""

    recipient: Any
    kind: str
    template: str
    context: dict[str, Any]
    due_at: datetime
    dedupe_key: str
    url: str = ""
    channels: tuple[str, ...] = DEFAULT_CHANNELS


CHUNK = 20_000  # ids or keys per IN list, rows per INSERT


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def notify_many(notices: Sequence[Notice]) -> int:
    """`notify` for many people at once (a scheduler's pass), with the same rules. Returns how many
    messages it created.

    It runs a fixed handful of queries per CHUNK people or messages, never one per person: preferences
    and chat targets are read in bulk (a person without a preference row gets the defaults; no row is
    created), the rows are inserted in bulk (a dedupe key already present is skipped, also against a
    concurrent pass: the unique key decides), and the daily caps are counted from one read of the
    recipients' messages around those days. Should two passes race, both may count the same row as
    created; it exists once.
    """
    if not notices:
        return 0
    user_ids = sorted({n.recipient.pk for n in notices})
    preferences: dict[int, Preference] = {}
    chat_owners: set[int] = set()
    wants_chat = any(Channel.CHAT in n.channels for n in notices)
    for ids in _chunks(user_ids):
        preferences.update((p.user_id, p) for p in Preference.objects.filter(user_id__in=ids))
        if wants_chat:
            chat_owners.update(
                ChatTarget.objects.active().filter(owner_id__in=ids).values_list("owner_id", flat=True)
            )
    zones: dict[int, zoneinfo.ZoneInfo] = {}
    rows: dict[str, Message] = {}
    for notice in notices:
        user_id = notice.recipient.pk
        preference = preferences.get(user_id) or Preference(user_id=user_id)
        zone = zones.setdefault(user_id, _zone(notice.recipient))
        for channel in notice.channels:
            if not preference.wants(notice.kind, channel):
                continue
            if channel == Channel.CHAT and user_id not in chat_owners:
                continue
            key = f"{notice.dedupe_key}:{channel}"
            rows.setdefault(
                key,
                Message(
                    recipient=notice.recipient,
                    kind=notice.kind,
                    channel=channel,
                    template=notice.template,
                    context=notice.context,
                    due_at=after_quiet_hours(notice.due_at, preference=preference, zone=zone),
                    dedupe_key=key,
                    url=notice.url,
                ),
            )
    existing: set[str] = set()
    for keys in _chunks(list(rows)):
        existing.update(Message.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    new = [message for key, message in rows.items() if key not in existing]
    if not new:
        return 0
    Message.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    _daily_caps_apply(new, preferences=preferences, zones=zones)
    return len(new)


def _local_day(instant: datetime, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    day = instant.astimezone(zone).date()
    start = datetime.combine(day, time.min).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min).replace(tzinfo=zone).astimezone(UTC)
    return start, end


def _daily_caps_apply(
    new: list[Message], *, preferences: dict[int, Preference], zones: dict[int, zoneinfo.ZoneInfo]
) -> None:
    """Cancel the new messages past a person's daily cap, as `notify` would have, one at a time."""
    new_keys = {m.dedupe_key for m in new}
    channels = sorted({m.channel for m in new})
    recipients = sorted({m.recipient_id for m in new if m.recipient_id is not None})
    spans = [_local_day(m.due_at, zones[m.recipient_id]) for m in new if m.recipient_id is not None]
    since, until = min(s for s, _e in spans), max(e for _s, e in spans)
    seen: dict[tuple[int, str, datetime], int] = {}
    over: list[int] = []
    for ids in _chunks(recipients):
        around = (
            Message.objects.filter(
                recipient_id__in=ids, channel__in=channels, due_at__gte=since, due_at__lt=until
            )
            .exclude(state=MessageState.CANCELLED)
            .order_by("pk")
            .values_list("pk", "recipient_id", "channel", "due_at", "dedupe_key")
        )
        for pk, user_id, channel, due_at, key in around:
            day = _local_day(due_at, zones.get(user_id) or zoneinfo.ZoneInfo("UTC"))[0]
            earlier = seen.get((user_id, channel, day), 0)
            cap = preferences[user_id].daily_cap if user_id in preferences else Preference().daily_cap
            if key in new_keys and earlier >= cap:
                over.append(pk)  # cancelled rows do not count against later ones
                continue
            seen[(user_id, channel, day)] = earlier + 1
    for ids in _chunks(over):
        Message.objects.filter(pk__in=ids).update(
            state=MessageState.CANCELLED, last_error="daily cap reached"
        )


def notifications_cancel(*, dedupe_prefix: str) -> int:
    """Withdraw messages that have not gone out yet (e.g. a reminder once the check-in is in)."""
    return Message.objects.filter(dedupe_key__startswith=dedupe_prefix, state=MessageState.PENDING).update(
        state=MessageState.CANCELLED, last_error="no longer needed"
    )


def notify_group_chat(
    *,
    scope: str,
    scope_id: int,
    kind: str,
    template: str,
    context: dict[str, Any],
    due_at: datetime,
    dedupe_key: str,
    url: str = "",
    language: str = "",
    zone: str = "",
) -> int:
    """Queue `kind` for every active chat target of a group (e.g. a circle's channel). Returns how many.

    One outbox row per target, keyed `<dedupe_key>:chat:<target>`, so schedulers may call this as often as
    they like. The group has no person: the text is rendered in `language` and times shown in `zone`.
    No preferences apply — whoever manages the group chose to add the channel.
    """
    created = 0
    for target in ChatTarget.objects.active().for_scope(scope, scope_id):
        _message, new = outbox.message_enqueue(
            recipient=None,
            chat_target=target,
            kind=kind,
            channel=Channel.CHAT,
            template=template,
            context={**context, GROUP_LANGUAGE: language, GROUP_ZONE: zone},
            due_at=due_at,
            dedupe_key=f"{dedupe_key}:chat:{target.pk}",
            url=url,
        )
        created += new
    return created


# In a group message's context; templates cannot read names starting with "_".
GROUP_LANGUAGE, GROUP_ZONE = "_language", "_zone"
