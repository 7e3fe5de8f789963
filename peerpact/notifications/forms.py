from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.notifications.kinds import all_kinds
from peerpact.notifications.models import Channel, Preference


class PreferenceForm(forms.Form):
    quiet_from = forms.TimeField(
        label=_("Quiet from"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_until = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In your own time zone. Messages due in between wait until the quiet hours end."),
    )
    daily_cap = forms.IntegerField(
        label=_("At most this many messages a day, per channel"), min_value=1, max_value=50, initial=6
    )

    def __init__(
        self, *args: Any, preference: Preference, channels: Sequence[str] | None = None, **kwargs: Any
    ) -> None:
        # The channels shown as columns; chat only for people with a chat target (the view decides).
        self.channels = [c for c in Channel.values if channels is None or c in channels]
        self.preference = preference
        initial = {
            "quiet_from": preference.quiet_from,
            "quiet_until": preference.quiet_until,
            "daily_cap": preference.daily_cap,
        }
        for kind in all_kinds():
            for channel in self.channels:
                initial[self.field_name(kind.name, channel)] = preference.wants(kind.name, channel)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.kinds = all_kinds()
        labels = dict(Channel.choices)
        for kind in self.kinds:
            for channel in self.channels:
                self.fields[self.field_name(kind.name, channel)] = forms.BooleanField(
                    label=f"{kind.label}: {labels[channel]}", required=False
                )

    @staticmethod
    def field_name(kind: str, channel: str) -> str:
        return f"{kind.replace('.', '__')}__{channel}"

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if bool(data.get("quiet_from")) != bool(data.get("quiet_until")):
            self.add_error(
                "quiet_until", _("Give both the start and the end of your quiet hours, or neither.")
            )
        return data

    def columns(self) -> list[Any]:
        labels = dict(Channel.choices)
        return [labels[channel] for channel in self.channels]

    def rows(self) -> list[tuple[Any, list[Any]]]:
        return [(kind, [self[self.field_name(kind.name, c)] for c in self.channels]) for kind in self.kinds]

    def muted(self) -> list[str]:
        # Choices for a channel not shown (chat, before a target exists) are kept as they were.
        kept = [entry for entry in self.preference.muted if entry.rpartition(":")[2] not in self.channels]
        return kept + [
            f"{kind.name}:{channel}"
            for kind in self.kinds
            for channel in self.channels
            if not self.cleaned_data.get(self.field_name(kind.name, channel))
        ]


class ChatTargetForm(forms.Form):
    url = forms.CharField(
        label=_("Apprise URL"),
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_(
            "For example discord://webhook_id/webhook_token, tgram://bot_token/chat_id or "
            "ntfys://ntfy.sh/your-topic; a Slack, Discord or Teams webhook address works as it is. "
            "It holds the keys to your chat, so we never show it in full again."
        ),
    )
    label = forms.CharField(
        label=_("Name"),
        max_length=80,
        required=False,
        help_text=_("So you recognise it later, e.g. My Slack."),
    )
