"""Forms for the thread of a check-in, help offers and kudos. Services do the real checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.circles.models import Circle
from peerpact.feedback.models import BODY_MAX, PROMPT_MAX, Reaction


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=BODY_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FeedbackForm(forms.Form):
    worked = forms.CharField(
        label=_("What worked"),
        required=False,
        max_length=PROMPT_MAX,
        help_text=_("Name one specific thing they did well."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    suggestion = forms.CharField(
        label=_("One suggestion"),
        required=False,
        max_length=PROMPT_MAX,
        help_text=_("One small, concrete thing to try next — just one."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    question = forms.CharField(
        label=_("A question"),
        required=False,
        max_length=PROMPT_MAX,
        help_text=_("Ask rather than tell: a question that helps them think it through."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, circle: Circle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if circle.allow_anonymous_feedback:
            self.fields["anonymous"] = forms.BooleanField(
                label=_("Give this anonymously"),
                required=False,
                help_text=_(
                    "Your name is hidden from everyone in the circle, the receiver included. "
                    "The community's organizers can still see it, to keep the circle safe."
                ),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(name) or "").strip() for name in ("worked", "suggestion", "question")):
            raise forms.ValidationError(_("Answer at least one of the three prompts."))
        return data


class HelpOfferForm(forms.Form):
    message = forms.CharField(
        label=_("How you can help (optional)"),
        required=False,
        max_length=PROMPT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What helped? (optional)"),
        required=False,
        max_length=500,
    )


class KudosForm(forms.Form):
    reaction = forms.ChoiceField(choices=Reaction.choices)
    # The state the button asks for ("1" give, "0" take back): sent twice, it still means the same.
    # Left out (older pages), the reaction flips.
    give = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", required=False, empty_value=None
    )
