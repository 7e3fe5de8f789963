from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.goals.models import Direction, Goal
from peerpact.goals.services import GOAL_FIELDS
from peerpact.lib.forms import LinesField

MILESTONE_MAX_LENGTH = 160
MILESTONES_MAX = 20


class GoalForm(forms.ModelForm):
    """A goal's fields. The view passes a copy of the goal: the service compares against the original."""

    class Meta:
        model = Goal
        fields = list(GOAL_FIELDS)
        widgets = {
            "why": forms.Textarea(attrs={"rows": 3}),
            "direction": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"direction": _("How you measure it")}
        help_texts = {
            "why": _("Peers can remind you of this when it gets hard."),
            "baseline": _("Where you are today, in the unit above."),
            "target": _("Where you want to be. Not needed for a done / not done goal."),
            "due_on": _("Optional."),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        direction = cleaned.get("direction")
        target_missing = cleaned.get("target") is None and "target" not in self.errors
        if direction and direction != Direction.DONE and target_missing:
            # The model refuses this too (measured_goal_has_target); say it on the field instead.
            self.add_error(
                "target",
                _("Set a target to measure against, or choose “%(done)s”.") % {"done": Direction.DONE.label},
            )
        starts_on, due_on = cleaned.get("starts_on"), cleaned.get("due_on")
        if starts_on and due_on and due_on < starts_on:
            self.add_error("due_on", _("The due date cannot be before the start date."))
        return cleaned


class GoalCreateForm(GoalForm):
    milestones = LinesField(
        label=_("Milestones"),
        required=False,
        help_text=_("Optional. One per line, in the order you expect to reach them."),
    )

    def clean_milestones(self) -> list[str]:
        lines: list[str] = self.cleaned_data["milestones"]
        if len(lines) > MILESTONES_MAX:
            raise forms.ValidationError(
                _("At most %(count)d milestones, please: keep the big steps."),
                params={"count": MILESTONES_MAX},
            )
        too_long = [line for line in lines if len(line) > MILESTONE_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                _("Keep each milestone under %(max)d characters."), params={"max": MILESTONE_MAX_LENGTH}
            )
        return lines


class MilestoneToggleForm(forms.Form):
    """The state the button asks for (not "flip it"), so a double submit cannot undo itself."""

    done = forms.TypedChoiceField(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )


class MilestoneAddForm(forms.Form):
    title = forms.CharField(label=_("New milestone"), max_length=160)
    due_on = forms.DateField(
        label=_("Due date (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
