from __future__ import annotations

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

    def __init__(self, *args: Any, preference: Preference, **kwargs: Any) -> None:
        initial = {
            "quiet_from": preference.quiet_from,
            "quiet_until": preference.quiet_until,
            "daily_cap": preference.daily_cap,
        }
        for kind in all_kinds():
            for channel in Channel.values:
                initial[self.field_name(kind.name, channel)] = preference.wants(kind.name, channel)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.kinds = all_kinds()
        for kind in self.kinds:
            for channel, label in Channel.choices:
                self.fields[self.field_name(kind.name, channel)] = forms.BooleanField(
                    label=f"{kind.label}: {label}", required=False
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

    def rows(self) -> list[tuple[Any, list[Any]]]:
        return [(kind, [self[self.field_name(kind.name, c)] for c in Channel.values]) for kind in self.kinds]

    def muted(self) -> list[str]:
        return [
            f"{kind.name}:{channel}"
            for kind in self.kinds
            for channel in Channel.values
            if not self.cleaned_data.get(self.field_name(kind.name, channel))
        ]
