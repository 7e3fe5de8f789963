"""Applications in readable form: for organizers (never the private identity answers) and for the
applicant's own read-only summary (everything, it is theirs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from peerpact.formation.forms import language_name
from peerpact.formation.models import Application, IntakeQuestion
from peerpact.formation.scoring import hour_blocks, hour_label


@dataclass(frozen=True)
class AnswerRow:
    label: str
    value: str


@dataclass(frozen=True)
class ApplicantCard:
    application: Application
    rows: list[AnswerRow]


def availability_blocks(hours: Sequence[int]) -> list[str]:
    """Weekly hours (in the applicant's own zone) as 'Mon 18:00-20:00' blocks (en dash)."""
    return [f"{hour_label(start)}–{(start + length) % 24:02d}:00" for start, length in hour_blocks(hours)]


def _join(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "—"


def describe_application(
    application: Application, questions: Sequence[IntakeQuestion], *, own: bool = False
) -> list[AnswerRow]:
    """An application's answers in readable form, availability in the applicant's zone.

    Built field by field so that `identity` is only read when `own` is set (the applicant's own summary):
    organizer pages call this without it and never see the private answers.
    """
    intake = application.intake
    stages = intake.stage_labels
    stage = stages[application.stage] if 0 <= application.stage < len(stages) else str(application.stage)
    rows = [
        AnswerRow(_("Stage"), stage),
        AnswerRow(_("Intentions"), _join(list(application.intentions))),
        AnswerRow(_("Skills brought"), _join(list(application.skills_have))),
        AnswerRow(_("Skills wanted"), _join(list(application.skills_want))),
        AnswerRow(_("Languages"), _join([language_name(c) for c in application.languages])),
        AnswerRow(
            _("Available (%(zone)s time)") % {"zone": application.timezone},
            _join(availability_blocks(list(application.availability))),
        ),
        AnswerRow(
            _("Preferred circle size"),
            str(application.preferred_size) if application.preferred_size else _("No preference"),
        ),
    ]
    for question in questions:
        if question.is_identity:
            if own:
                picked = application.identity.get(question.key) or []
                rows.append(AnswerRow(question.prompt, _join([str(v) for v in picked])))
            continue
        value = application.answers.get(question.key)
        if isinstance(value, list):
            text = _join([str(v) for v in value])
        else:
            text = "—" if value in (None, "") else str(value)
        rows.append(AnswerRow(question.prompt, text))
    rows.append(AnswerRow(_("Want to be with"), _join(list(application.with_emails))))
    rows.append(AnswerRow(_("Rather not be with"), _join(list(application.not_with_emails))))
    if application.note:
        rows.append(AnswerRow(_("Note"), application.note))
    return rows
