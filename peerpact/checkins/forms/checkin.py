"""The one-screen check-in form: built per member and cycle from their commitments and goals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.checkins.models import CheckinVisibility
from peerpact.checkins.services import CheckinAnswers, CommitmentReview, NewCommitment
from peerpact.goals.models import Commitment, CommitmentStatus, Direction, Goal

NEW_ROWS = 3
REVIEW_CHOICES = [
    (CommitmentStatus.DONE, _("Done")),
    (CommitmentStatus.PARTIAL, _("Partly")),
    (CommitmentStatus.MISSED, _("Not done")),
]
CONFIDENCE_CHOICES = [
    ("1", _("1 · Struggling")),
    ("2", _("2")),
    ("3", _("3 · Okay")),
    ("4", _("4")),
    ("5", _("5 · Great")),
]


class CheckinForm(forms.Form):
    wins = forms.CharField(
        label=_("Wins"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What went well, big or small?"),
    )
    blockers = forms.CharField(
        label=_("Blockers"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What got in the way?"),
    )
    help_request = forms.CharField(
        label=_("Ask for help (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Peers see this on the board and can offer to help."),
    )
    confidence = forms.TypedChoiceField(
        label=_("How confident are you about the next cycle?"),
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    visibility = forms.ChoiceField(
        label=_("Who sees this update"),
        choices=CheckinVisibility.choices,
        initial=CheckinVisibility.CIRCLE,
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, due: list[Commitment], goals: list[Goal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.due = due
        self.goals = [g for g in goals if g.direction != Direction.DONE]
        self.all_goals = goals
        for commitment in due:
            self.fields[f"c{commitment.pk}_status"] = forms.ChoiceField(
                label=commitment.text,
                choices=REVIEW_CHOICES,
                required=False,
                widget=forms.RadioSelect,
                initial=commitment.status if commitment.status != CommitmentStatus.OPEN else None,
            )
            self.fields[f"c{commitment.pk}_note"] = forms.CharField(
                label=_("Note"), required=False, max_length=500, initial=commitment.note
            )
            self.fields[f"c{commitment.pk}_carry"] = forms.BooleanField(
                label=_("Carry it into the next cycle if unfinished"), required=False
            )
        for goal in self.goals:
            unit = f" ({goal.unit})" if goal.unit else ""
            self.fields[f"g{goal.pk}"] = forms.DecimalField(
                label=f"{goal.title}{unit}",
                required=False,
                max_digits=12,
                decimal_places=2,
                help_text=_("Your current number."),
            )
        goal_choices = [("", _("No goal"))] + [(str(g.pk), g.title) for g in goals]
        for i in range(NEW_ROWS):
            self.fields[f"n{i}_text"] = forms.CharField(
                label=_("Commitment %(n)s") % {"n": i + 1}, required=False, max_length=280
            )
            self.fields[f"n{i}_goal"] = forms.ChoiceField(
                label=_("For goal"), choices=goal_choices, required=False
            )
            self.fields[f"n{i}_quantity"] = forms.DecimalField(
                label=_("How much (optional)"), required=False, max_digits=12, decimal_places=2, min_value=0
            )

    # Grouped access for the template.
    def review_rows(self) -> list[tuple[Commitment, Any, Any, Any]]:
        return [(c, self[f"c{c.pk}_status"], self[f"c{c.pk}_note"], self[f"c{c.pk}_carry"]) for c in self.due]

    def progress_fields(self) -> list[tuple[Goal, Any]]:
        return [(g, self[f"g{g.pk}"]) for g in self.goals]

    def new_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"n{i}_text"], self[f"n{i}_goal"], self[f"n{i}_quantity"]) for i in range(NEW_ROWS)]

    def answers(self) -> CheckinAnswers:
        data = self.cleaned_data
        reviews = [
            CommitmentReview(
                commitment_id=c.pk,
                status=data[f"c{c.pk}_status"],
                note=data.get(f"c{c.pk}_note", ""),
                carry_forward=bool(data.get(f"c{c.pk}_carry")),
            )
            for c in self.due
            if data.get(f"c{c.pk}_status")
        ]
        progress: dict[int, Decimal] = {
            g.pk: data[f"g{g.pk}"] for g in self.goals if data.get(f"g{g.pk}") is not None
        }
        new = [
            NewCommitment(
                text=data[f"n{i}_text"],
                goal_id=int(data[f"n{i}_goal"]) if data.get(f"n{i}_goal") else None,
                quantity=data.get(f"n{i}_quantity"),
            )
            for i in range(NEW_ROWS)
            if data.get(f"n{i}_text", "").strip()
        ]
        return CheckinAnswers(
            wins=data["wins"],
            blockers=data["blockers"],
            help_request=data["help_request"],
            confidence=data.get("confidence"),
            visibility=data["visibility"],
            reviews=reviews,
            progress=progress,
            next_commitments=new,
        )
