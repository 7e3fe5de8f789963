from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.circles.models import Purpose
from peerpact.insights.selectors import NO_TAG, Filters

PERIODS = [
    (4, _("Last 4 weeks")),
    (12, _("Last 12 weeks")),
    (26, _("Last 26 weeks")),
    (52, _("Last 52 weeks")),
]
DEFAULT_WEEKS = 12


class DashboardFilterForm(forms.Form):
    """The dashboard's GET filters. Invalid values fall back to the default view (and say so)."""

    def __init__(self, data: Any, *, circles: list[tuple[int, str]], tags: list[str]) -> None:
        super().__init__(data)
        self.fields["circle"] = forms.TypedChoiceField(
            label=_("Circle"),
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", _("All circles")), *circles],
        )
        self.fields["purpose"] = forms.ChoiceField(
            label=_("Purpose"), required=False, choices=[("", _("Any purpose")), *Purpose.choices]
        )
        self.fields["pilot"] = forms.ChoiceField(
            label=_("Pilot tag"),
            required=False,
            choices=[("", _("All circles")), (NO_TAG, _("Without a pilot tag")), *((t, t) for t in tags)],
        )
        self.fields["weeks"] = forms.TypedChoiceField(
            label=_("Period"),
            required=False,
            coerce=int,
            empty_value=None,
            choices=PERIODS,
            initial=DEFAULT_WEEKS,
        )

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters(weeks=DEFAULT_WEEKS)
        data = self.cleaned_data
        return Filters(
            circle=data.get("circle"),
            purpose=data.get("purpose") or None,
            pilot=data.get("pilot") or None,
            weeks=data.get("weeks") or DEFAULT_WEEKS,
        )
