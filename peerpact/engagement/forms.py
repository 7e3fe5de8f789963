from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.engagement.models import PULSE_OPEN_QUESTION, PULSE_QUESTIONS, SCALE

SCALE_LABELS = {
    1: _("1 — strongly disagree"),
    2: _("2"),
    3: _("3"),
    4: _("4"),
    5: _("5 — strongly agree"),
}


class PulseForm(forms.Form):
    """The fixed questions on a 1 to 5 scale, and one open question."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, question in PULSE_QUESTIONS:
            self.fields[key] = forms.TypedChoiceField(
                label=question,
                choices=[(s, SCALE_LABELS[s]) for s in SCALE],
                coerce=int,
                widget=forms.RadioSelect,
            )
        self.fields["open_answer"] = forms.CharField(
            label=PULSE_OPEN_QUESTION,
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("Optional. Shown to the circle without your name, in alphabetical order."),
        )

    def scores(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key, _question in PULSE_QUESTIONS}
