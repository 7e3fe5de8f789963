from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.circles.models import Circle
from peerpact.lib.forms import LinesField


class CircleForm(forms.ModelForm):
    application_questions = LinesField(
        label=_("Application questions"),
        required=False,
        help_text=_("One question per line. Asked when someone requests to join."),
    )

    class Meta:
        model = Circle
        fields = [
            "name",
            "purpose",
            "description",
            "charter",
            "size_cap",
            "timezone",
            "visibility",
            "join_policy",
            "application_questions",
            "status",
            "pilot_tag",
            "allow_anonymous_feedback",
            "pulse_every_cycles",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "charter": forms.Textarea(attrs={"rows": 8}),
            "visibility": forms.RadioSelect,
            "join_policy": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left empty (or posted by an older form), the pulse keeps the circle's current setting.
        self.fields["pulse_every_cycles"].required = False

    def clean_pulse_every_cycles(self) -> int:
        value = self.cleaned_data.get("pulse_every_cycles")
        return self.instance.pulse_every_cycles if value is None else value


class CircleInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("People outside the community get an invitation to join it too."),
    )
    message = forms.CharField(
        label=_("Personal message"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class JoinForm(forms.Form):
    """Application answers (one field per question) and the charter acceptance."""

    accept_charter = forms.BooleanField(label=_("I have read the charter and agree to it."), required=False)

    def __init__(self, *args: Any, questions: list[str], answers_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for index, question in enumerate(questions):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question,
                required=answers_required,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields([f"answer_{i}" for i in range(len(questions))] + ["accept_charter"])

    def answers(self) -> list[str]:
        return [self.cleaned_data.get(f"answer_{i}", "") for i in range(len(self.questions))]


class AcceptInvitationForm(forms.Form):
    accept_charter = forms.BooleanField(label=_("I have read the charter and agree to it."), required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    message = forms.CharField(
        label=_("Message to them (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RemoveForm(forms.Form):
    message = forms.CharField(
        label=_("Message to them (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
