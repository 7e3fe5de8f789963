from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from peerpact.circles.models import Circle
from peerpact.lib.forms import LinesField
from peerpact.lib.timezones import timezone_choices
from peerpact.programs import uploads
from peerpact.programs.models import Applied, Module, Program, ProgramStatus, RubricCriterion
from peerpact.programs.services.authoring import MODULE_FIELDS


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = ["title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ProgramStatus.choices)


class DuplicateForm(forms.Form):
    title = forms.CharField(label=_("Title of the copy"), max_length=160, required=False)


class ModuleForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = list(MODULE_FIELDS)
        widgets = {
            "content": forms.Textarea(attrs={"rows": 10}),
            "action_challenge": forms.Textarea(attrs={"rows": 3}),
            "calibration_example": forms.Textarea(attrs={"rows": 4}),
            "calibration_review": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if settings.PROGRAM_VIDEO_EMBEDS:
            self.fields["video_url"].help_text = _(
                "Optional. YouTube and Vimeo links, and https links to .mp4, .webm or .ogv files, play on "
                "the module page (YouTube without cookies, Vimeo without tracking). Other links are shown "
                "as a link that opens the video."
            )


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=120)
    levels = forms.CharField(
        label=_("Levels"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One level per line: score | label | description. For example: 3 | Strong | Tried it twice."
        ),
    )

    def clean_levels(self) -> list[dict[str, Any]]:
        levels = []
        for line in self.cleaned_data["levels"].splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) < 2:
                raise forms.ValidationError(_("Write each level as: score | label | description."))
            levels.append({"score": parts[0], "label": parts[1], "description": " | ".join(parts[2:])})
        return levels


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("For example: Spring 2026."))
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices, initial="UTC")
    huddles = forms.ModelMultipleChoiceField(
        label=_("Huddles"),
        queryset=Circle.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Circles that go through the program together. Their members are enrolled."),
    )

    def __init__(self, *args: Any, community: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        huddles = self.fields["huddles"]
        assert isinstance(huddles, forms.ModelMultipleChoiceField)
        huddles.queryset = Circle.objects.filter(community=community).exclude(status="archived")


class EnrollForm(forms.Form):
    email = forms.EmailField(label=_("Email of a community member"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files at once; each is checked by the service (type, content, size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(uploads.ALLOWED_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, (list, tuple)) else [data]
        return [item for item in items if item]


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=_("What did you do?"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you tried, what happened, what you learned."),
    )
    links = LinesField(label=_("Links (optional)"), required=False, help_text=_("One web address per line."))
    uploads = MultipleFileField(
        label=_("Files (optional)"),
        required=False,
        help_text=_("Up to %(count)d files: PDF, images, text, office documents.")
        % {"count": uploads.MAX_FILES},
    )
    remove_attachments = forms.MultipleChoiceField(
        label=_("Remove files"), required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(self, *args: Any, attachments: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if attachments:
            remove = self.fields["remove_attachments"]
            assert isinstance(remove, forms.MultipleChoiceField)
            remove.choices = [(str(a.pk), a.original_name) for a in attachments]
        else:
            del self.fields["remove_attachments"]


class RubricScoresForm(forms.Form):
    """One level per rubric criterion (radio buttons), before the form's own fields."""

    def __init__(self, *args: Any, criteria: list[RubricCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        fields = {}
        for criterion in criteria:
            fields[f"criterion_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.name,
                coerce=int,
                widget=forms.RadioSelect,
                choices=[
                    (
                        level["score"],
                        f"{level['score']} · {level['label']}"
                        + (f" — {level['description']}" if level.get("description") else ""),
                    )
                    for level in criterion.levels
                ],
            )
        self.fields = {**fields, **self.fields}

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}


class ReviewForm(RubricScoresForm):
    feedback = forms.CharField(
        label=_("Written feedback"),
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Name one thing that worked and one thing to try next. Be kind and specific."),
    )


class CalibrationForm(RubricScoresForm):
    """A learner's review of the calibration example: the rubric only."""


class ReferenceForm(RubricScoresForm):
    explanation = forms.CharField(
        label=_("Why these scores"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Learners read this next to their own scores once they have calibrated."),
    )


class CalibrationSetupForm(forms.Form):
    is_on = forms.BooleanField(
        label=_("Calibration round before peer review"),
        required=False,
        help_text=_(
            "Learners review the example with the rubric and compare with your reference review before "
            "their peer reviews of this module open."
        ),
    )
    example = forms.CharField(
        label=_("Example submission"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Write or paste an example of what a learner might share for this module."),
    )


class RateForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("How helpful was this review?"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(1, _("1 · not helpful")), (2, "2"), (3, "3"), (4, "4"), (5, _("5 · very helpful"))],
    )


class FollowUpForm(forms.Form):
    applied = forms.ChoiceField(
        label=_("Did you apply what you learned?"), choices=Applied.choices, widget=forms.RadioSelect
    )
    how = forms.CharField(
        label=_("How? What happened?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    make_commitment = forms.BooleanField(
        label=_("Make it a commitment in my circle's next check-in"), required=False
    )
    commitment_text = forms.CharField(label=_("The commitment"), required=False, max_length=280)


class HighlightForm(forms.Form):
    on = forms.TypedChoiceField(choices=[("true", "true"), ("false", "false")], coerce=lambda v: v == "true")
    note = forms.CharField(required=False, max_length=300)
