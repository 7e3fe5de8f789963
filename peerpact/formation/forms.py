"""Forms of circle formation: the organizer's intake and question forms, and the applicant's form.

The forms only parse HTTP; the services (services/intakes.py) check every value and raise errors keyed by
these forms' field names, which the views attach with `add_service_errors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.text import format_lazy
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from peerpact.formation.models import Application, Intake, IntakeQuestion, QuestionKind
from peerpact.formation.services.intakes import (
    HOURS_PER_WEEK,
    INTAKE_FIELDS,
    QUESTION_FIELDS,
    ApplicationInput,
)
from peerpact.lib.forms import LinesField
from peerpact.lib.timezones import timezone_choices

PRIVATE_NOTE = _(
    "Private: only used so nobody is the only one of their group in a circle; nobody, including organizers, "
    "sees this answer."
)
WEIGHT_ATTRS = {"min": "0", "max": "5", "step": "0.5"}


def language_name(code: str) -> str:
    """'Español' style name of a language code, in the viewer's language; the code if unknown."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


class EmailListField(forms.CharField):
    """Addresses separated by new lines, commas, semicolons or spaces; the service checks each."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list | tuple):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part for part in re.split(r"[\s,;]+", str(text)) if part]


class _ServiceValidatedModelForm(forms.ModelForm):
    """A model form that only parses: the service validates and saves (building the instance here
    would validate twice and report some errors twice)."""

    def _post_clean(self) -> None:
        pass


class IntakeForm(_ServiceValidatedModelForm):
    """Title, welcome, closing time (in the viewer's zone), the built-in options and solver settings."""

    # JSON list fields of the model, edited one item a line (declared: a JSONField's form field is JSON).
    stage_labels = LinesField(
        label=_("Stages"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One a line, from the earliest stage to the furthest. At least two."),
    )
    intention_options = LinesField(
        label=_("Intentions"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("What people may want from their circle; one a line."),
    )
    skill_options = LinesField(
        label=_("Skills"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("Skills people bring or want to grow; one a line."),
    )
    language_options = LinesField(
        label=_("Languages"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Language codes, one a line (en, es, fr, de…)."),
    )

    field_order = ["title", "welcome", "closes_at", "cohort"]

    class Meta:
        model = Intake
        fields = [*INTAKE_FIELDS, "cohort"]
        widgets = {
            "welcome": forms.Textarea(attrs={"rows": 5}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "size_min": forms.NumberInput(attrs={"min": "2", "max": "12"}),
            "size_max": forms.NumberInput(attrs={"min": "2", "max": "12"}),
            "min_common_hours": forms.NumberInput(attrs={"min": "0", "max": "40"}),
            "weight_stage": forms.NumberInput(attrs=WEIGHT_ATTRS),
            "weight_intentions": forms.NumberInput(attrs=WEIGHT_ATTRS),
            "weight_skills": forms.NumberInput(attrs=WEIGHT_ATTRS),
            "weight_with": forms.NumberInput(attrs=WEIGHT_ATTRS),
        }
        help_texts = {
            "closes_at": _("In your time zone. Applicants can change their answers until then."),
            "weight_stage": _("0 to 5. 0 ignores it; higher counts more."),
        }

    def __init__(self, *args: Any, community: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A cohort is chosen once, when the intake starts: its circles and learners follow from it.
            del self.fields["cohort"]
        else:
            from peerpact.programs.models import Cohort

            cohort = self.fields["cohort"]
            cohort.queryset = (  # type: ignore[attr-defined]
                Cohort.objects.filter(program__community=community).select_related("program")
            )
            cohort.empty_label = _("None: form circles for the community")  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of intake_create / intake_update."""
        return {name: value for name, value in self.cleaned_data.items() if name in INTAKE_FIELDS}


class QuestionForm(_ServiceValidatedModelForm):
    """A custom question. The kind is fixed once the question exists."""

    class Meta:
        model = IntakeQuestion
        fields = sorted(QUESTION_FIELDS)
        widgets = {
            "kind": forms.RadioSelect,
            "direction": forms.RadioSelect,
            "weight": forms.NumberInput(attrs=WEIGHT_ATTRS),
            "scale_min": forms.NumberInput(attrs={"min": "-10", "max": "10"}),
            "scale_max": forms.NumberInput(attrs={"min": "-9", "max": "20"}),
        }
        help_texts = {
            "weight": _("0 to 5: how much this question counts when forming circles."),
            "required": _("Identity questions are always optional."),
        }

    options = LinesField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("For choice, several-choice and identity questions: one option a line, at least two."),
    )
    protected_options = LinesField(
        label=_("Protected groups"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "Identity questions only: the options (copied exactly, one a line) whose members must never be "
            "the only one of their group in a circle."
        ),
    )

    field_order = [
        "kind",
        "prompt",
        "help_text",
        "options",
        "protected_options",
        "scale_min",
        "scale_max",
        "scale_min_label",
        "scale_max_label",
        "weight",
        "direction",
        "required",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = QuestionKind.choices  # type: ignore[attr-defined]  # no blank radio
        if self.instance.pk:
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("The kind of a question cannot change; add a new question.")

    def service_fields(self) -> dict[str, Any]:
        fields = {name: value for name, value in self.cleaned_data.items() if name in QUESTION_FIELDS}
        if self.instance.pk:
            fields.pop("kind", None)
        return fields


# -- the applicant's form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridCell:
    value: int
    name: str  # the checkbox's accessible name, e.g. "Monday 18:00-19:00" (en dash)
    checked: bool


@dataclass(frozen=True)
class GridRow:
    label: str  # "18:00"
    cells: list[GridCell]


def _hour(h: int) -> str:
    return f"{h % 24:02d}:00"


class ApplicationForm(forms.Form):
    """An applicant's answers, built from the intake's options and questions."""

    timezone = forms.ChoiceField(
        label=_("Your time zone"),
        help_text=_("The hours below are in this zone."),
        widget=forms.Select(attrs={"data-detect-timezone": ""}),
    )
    availability = forms.TypedMultipleChoiceField(
        label=_("When could you meet?"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        intake: Intake,
        user: Any,
        application: Application | None = None,
    ) -> None:
        super().__init__(data, initial=self._initial(application, user), label_suffix="")
        self.intake = intake
        self.questions = list(intake.questions.all())
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]
        self.fields["availability"].choices = [  # type: ignore[attr-defined]
            (h, str(h)) for h in range(HOURS_PER_WEEK)
        ]
        self.fields["languages"] = forms.MultipleChoiceField(
            label=_("Languages you can hold a conversation in"),
            choices=[(code, language_name(code)) for code in intake.language_options],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        self.fields["stage"] = forms.TypedChoiceField(
            label=_("Which stage are you at?"),
            choices=list(enumerate(intake.stage_labels)),
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            required=False,
        )
        self.fields["intentions"] = self._checkboxes(
            _("What do you want from your circle?"), intake.intention_options
        )
        self.fields["skills_have"] = self._checkboxes(_("Skills you bring"), intake.skill_options)
        self.fields["skills_want"] = self._checkboxes(_("Skills you want to grow"), intake.skill_options)
        sizes = range(intake.size_min, intake.size_max + 1)
        self.fields["preferred_size"] = forms.TypedChoiceField(
            label=_("Preferred circle size"),
            choices=[("", _("No preference")), *((n, str(n)) for n in sizes)],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            required=False,
        )
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = self._question_field(question)
        self.fields["with_emails"] = EmailListField(
            label=_("People you would like to be with"),
            help_text=_("Their email addresses, one a line (at most 5). Only the organizers see them."),
            required=False,
        )
        self.fields["not_with_emails"] = EmailListField(
            label=_("People you would rather not be with"),
            help_text=_("Their email addresses, one a line (at most 5). Only the organizers see them."),
            required=False,
        )
        self.fields["note"] = forms.CharField(
            label=_("Anything else the organizers should know?"),
            widget=forms.Textarea(attrs={"rows": 3, "maxlength": "2000"}),
            required=False,
            strip=False,
        )

    @staticmethod
    def _initial(application: Application | None, user: Any) -> dict[str, Any]:
        if application is None:
            return {"timezone": getattr(user, "timezone", "UTC") or "UTC"}
        initial: dict[str, Any] = {
            "timezone": application.timezone,
            "availability": list(application.availability),
            "languages": list(application.languages),
            "stage": application.stage,
            "intentions": list(application.intentions),
            "skills_have": list(application.skills_have),
            "skills_want": list(application.skills_want),
            "preferred_size": application.preferred_size if application.preferred_size is not None else "",
            "with_emails": list(application.with_emails),
            "not_with_emails": list(application.not_with_emails),
            "note": application.note,
        }
        for key, value in {**application.answers, **application.identity}.items():
            initial[f"q_{key}"] = value
        return initial

    @staticmethod
    def _checkboxes(label: Any, options: list[str]) -> forms.MultipleChoiceField:
        return forms.MultipleChoiceField(
            label=label,
            choices=[(o, o) for o in options],
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )

    @staticmethod
    def _question_field(question: IntakeQuestion) -> forms.Field:
        label: Any = question.prompt
        if question.required:
            label = format_lazy("{} ({})", question.prompt, _("required"))
        help_text: Any = question.help_text
        if question.is_identity:
            help_text = format_lazy("{} {}", help_text, PRIVATE_NOTE) if help_text else PRIVATE_NOTE
        if question.kind == QuestionKind.CHOICE:
            return forms.ChoiceField(
                label=label,
                help_text=help_text,
                choices=[(o, o) for o in question.options],
                widget=forms.RadioSelect,
                required=False,
            )
        if question.kind in (QuestionKind.MULTI, QuestionKind.IDENTITY):
            return forms.MultipleChoiceField(
                label=label,
                help_text=help_text,
                choices=[(o, o) for o in question.options],
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
        lo, hi = question.scale_min, question.scale_max
        ends = {lo: question.scale_min_label, hi: question.scale_max_label}
        return forms.TypedChoiceField(
            label=label,
            help_text=help_text,
            choices=[(n, f"{n} – {ends[n]}" if ends.get(n) else str(n)) for n in range(lo, hi + 1)],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect(attrs={"class": "scale-choice"}),
            required=False,
        )

    # -- grouping for the template ------------------------------------------------------------------

    def question_fields(self) -> list[tuple[IntakeQuestion, forms.BoundField]]:
        return [(q, self[f"q_{q.pk}"]) for q in self.questions if not q.is_identity]

    def identity_fields(self) -> list[tuple[IntakeQuestion, forms.BoundField]]:
        return [(q, self[f"q_{q.pk}"]) for q in self.questions if q.is_identity]

    def availability_rows(self) -> list[GridRow]:
        """Hour rows by weekday columns of the availability grid, with what is ticked now."""
        value = self["availability"].value() or []
        chosen = {int(v) for v in value if str(v).isdigit()}
        return [
            GridRow(
                label=_hour(hour),
                cells=[
                    GridCell(
                        value=day * 24 + hour,
                        name=f"{WEEKDAYS[day]} {_hour(hour)}–{_hour(hour + 1)}",
                        checked=day * 24 + hour in chosen,
                    )
                    for day in range(7)
                ],
            )
            for hour in range(24)
        ]

    @staticmethod
    def weekdays() -> list[str]:
        return [str(WEEKDAYS[day]) for day in range(7)]

    def to_input(self) -> ApplicationInput:
        """What application_save checks and stores (call after is_valid())."""
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        identity: dict[str, list[str]] = {}
        for question in self.questions:
            value = data.get(f"q_{question.pk}")
            if question.is_identity:
                identity[question.key] = list(value or [])
            elif value not in (None, "", []):
                answers[question.key] = value
        return ApplicationInput(
            timezone=data.get("timezone") or "",
            availability=list(data.get("availability") or []),
            languages=list(data.get("languages") or []),
            stage=-1 if data.get("stage") is None else data["stage"],  # -1: the service says "choose one"
            intentions=list(data.get("intentions") or []),
            skills_have=list(data.get("skills_have") or []),
            skills_want=list(data.get("skills_want") or []),
            preferred_size=data.get("preferred_size"),
            answers=answers,
            identity=identity,
            with_emails=list(data.get("with_emails") or []),
            not_with_emails=list(data.get("not_with_emails") or []),
            note=data.get("note") or "",
        )
