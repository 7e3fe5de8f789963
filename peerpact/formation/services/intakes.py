"""Intakes, their questions, and applications: every write before the solver runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpact.communities import access as community_access
from peerpact.formation import access
from peerpact.formation.models import (
    MAX_OPTIONS,
    MAX_QUESTIONS,
    Application,
    Direction,
    Intake,
    IntakeQuestion,
    IntakeStatus,
    QuestionKind,
)
from peerpact.lib.timezones import is_valid_timezone

HOURS_PER_WEEK = 168
MAX_PAIRS = 5  # "want to be with" / "not with" addresses per applicant
INTAKE_FIELDS = (  # in the order the intake form shows them
    "title",
    "welcome",
    "closes_at",
    "stage_labels",
    "intention_options",
    "skill_options",
    "language_options",
    "size_min",
    "size_max",
    "min_common_hours",
    "require_common_language",
    "weight_stage",
    "weight_intentions",
    "weight_skills",
    "weight_with",
)
QUESTION_FIELDS = {
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
}


def default_options() -> dict[str, list[str]]:
    """Built-in question options in the organizer's language; they can edit every one."""
    return {
        "stage_labels": [
            _("Just starting"),
            _("Finding my feet"),
            _("Established"),
            _("Experienced"),
            _("Seasoned, helping others"),
        ],
        "intention_options": [
            _("Stay accountable to a goal"),
            _("Learn from peers"),
            _("Grow a business or project"),
            _("Change careers"),
            _("Build a habit"),
            _("Support others"),
        ],
        "skill_options": [
            _("Planning"),
            _("Writing"),
            _("Public speaking"),
            _("Data analysis"),
            _("Design"),
            _("Sales"),
            _("Marketing"),
            _("Leadership"),
            _("Software development"),
            _("Fundraising"),
        ],
        "language_options": [code for code, _name in settings.LANGUAGES],
    }


def clean_options(values: Iterable[Any], *, name: str, minimum: int = 0) -> list[str]:
    """Trimmed, de-duplicated (case-insensitively) option labels, in the given order."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        text = str(value).strip()
        if text and text.casefold() not in seen:
            if len(text) > 80:
                raise ValidationError({name: _("Keep each option under 80 characters.")})
            seen.add(text.casefold())
            out.append(text)
    if len(out) > MAX_OPTIONS:
        raise ValidationError({name: _("Offer at most %(n)d options.") % {"n": MAX_OPTIONS}})
    if len(out) < minimum:
        raise ValidationError({name: _("Give at least %(n)d options.") % {"n": minimum}})
    return out


def _clean_languages(codes: Iterable[Any]) -> list[str]:
    cleaned = clean_options((str(c).strip().lower() for c in codes), name="language_options", minimum=1)
    unknown = [c for c in cleaned if c not in LANG_INFO or "name" not in LANG_INFO[c]]
    if unknown:
        raise ValidationError(
            {"language_options": _("Unknown language codes: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    return cleaned


def _require_manager(actor: Any, community: Any) -> None:
    if not access.can_manage_intakes(actor, community):
        raise PermissionDenied(_("Only the community's organizers run intakes."))


def _apply_fields(intake: Intake, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(INTAKE_FIELDS)
    if unknown:
        raise TypeError(f"unknown intake fields: {sorted(unknown)}")
    for name in ("intention_options", "skill_options"):
        if name in fields:
            fields[name] = clean_options(fields[name], name=name)
    if "stage_labels" in fields:
        fields["stage_labels"] = clean_options(fields["stage_labels"], name="stage_labels", minimum=2)
    if "language_options" in fields:
        fields["language_options"] = _clean_languages(fields["language_options"])
    if "title" in fields:
        fields["title"] = str(fields["title"]).strip()
    for name, value in fields.items():
        setattr(intake, name, value)
    if intake.size_min > intake.size_max:
        raise ValidationError({"size_max": _("The largest circle cannot be smaller than the smallest.")})
    intake.full_clean(exclude=["community", "cohort", "created_by"])


def intake_create(*, community: Any, actor: Any, title: str, cohort: Any = None, **fields: Any) -> Intake:
    """Start a draft intake with the built-in questions' default options."""
    _require_manager(actor, community)
    if cohort is not None and cohort.program.community_id != community.pk:
        raise ValidationError({"cohort": _("The cohort must belong to this community.")})
    intake = Intake(community=community, cohort=cohort, created_by=actor)
    values: dict[str, Any] = {**default_options(), **fields, "title": title}
    _apply_fields(intake, values)
    intake.save()
    return intake


def intake_update(*, intake: Intake, actor: Any, **fields: Any) -> Intake:
    """Change an intake's text, options or solver settings (not once its circles are created)."""
    _require_manager(actor, intake.community)
    if intake.is_applied:
        raise ValidationError(_("The circles of this intake are created; it can no longer change."))
    _apply_fields(intake, fields)
    intake.save()
    return intake


def intake_open(*, intake: Intake, actor: Any, now: datetime) -> Intake:
    """Open (or reopen) the intake for applications."""
    _require_manager(actor, intake.community)
    if intake.is_applied:
        raise ValidationError(_("The circles of this intake are created; it cannot reopen."))
    if intake.closes_at is not None and intake.closes_at <= now:
        raise ValidationError({"closes_at": _("The closing time has passed. Move it later first.")})
    intake.status = IntakeStatus.OPEN
    intake.opened_at = intake.opened_at or now
    intake.save(update_fields=["status", "opened_at"])
    return intake


def intake_close(*, intake: Intake, actor: Any, now: datetime) -> Intake:
    """Stop taking applications and answer changes."""
    _require_manager(actor, intake.community)
    if intake.status != IntakeStatus.OPEN:
        raise ValidationError(_("Only an open intake can be closed."))
    intake.status = IntakeStatus.CLOSED
    intake.closed_at = now
    intake.save(update_fields=["status", "closed_at"])
    return intake


def intakes_close_due(*, now: datetime) -> bool:
    """Worker unit: close open intakes whose closing time has come."""
    closed = Intake.objects.filter(status=IntakeStatus.OPEN, closes_at__lte=now).update(
        status=IntakeStatus.CLOSED, closed_at=now
    )
    return closed > 0


# -- questions -----------------------------------------------------------------------------------------


def _clean_question(question: IntakeQuestion) -> None:
    question.prompt = question.prompt.strip()
    if question.kind in (QuestionKind.CHOICE, QuestionKind.MULTI, QuestionKind.IDENTITY):
        question.options = clean_options(question.options, name="options", minimum=2)
    else:
        question.options = []
    if question.kind == QuestionKind.IDENTITY:
        question.protected_options = [o for o in question.options if o in set(question.protected_options)]
        if not question.protected_options:
            raise ValidationError(
                {"protected_options": _("Choose at least one group that must never be alone in a circle.")}
            )
        # Identity answers only guard against isolation: never scored, never required.
        question.required = False
        question.weight = 0.0
        question.direction = Direction.IGNORE
    else:
        question.protected_options = []
    if question.kind == QuestionKind.SCALE and not (
        question.scale_min < question.scale_max <= question.scale_min + 10
    ):
        raise ValidationError(
            {"scale_max": _("A scale runs from a lower to a higher number, 2 to 11 steps.")}
        )
    question.full_clean(exclude=["intake"])


def question_add(*, intake: Intake, actor: Any, **fields: Any) -> IntakeQuestion:
    """Add a custom question at the end of the form."""
    _require_manager(actor, intake.community)
    if intake.is_applied:
        raise ValidationError(_("The circles of this intake are created; it can no longer change."))
    unknown = set(fields) - QUESTION_FIELDS
    if unknown:
        raise TypeError(f"unknown question fields: {sorted(unknown)}")
    with transaction.atomic():
        count = IntakeQuestion.objects.select_for_update().filter(intake=intake).count()
        if count >= MAX_QUESTIONS:
            raise ValidationError(_("An intake has at most %(n)d questions.") % {"n": MAX_QUESTIONS})
        question = IntakeQuestion(intake=intake, position=count, **fields)
        _clean_question(question)
        question.save()
    return question


def question_update(*, question: IntakeQuestion, actor: Any, **fields: Any) -> IntakeQuestion:
    """Change a question. Its kind is fixed once asked (answers would no longer fit)."""
    _require_manager(actor, question.intake.community)
    if question.intake.is_applied:
        raise ValidationError(_("The circles of this intake are created; it can no longer change."))
    unknown = set(fields) - QUESTION_FIELDS
    if unknown:
        raise TypeError(f"unknown question fields: {sorted(unknown)}")
    if "kind" in fields and fields["kind"] != question.kind:
        raise ValidationError({"kind": _("The kind of a question cannot change; add a new question.")})
    for name, value in fields.items():
        setattr(question, name, value)
    _clean_question(question)
    question.save()
    return question


def question_delete(*, question: IntakeQuestion, actor: Any) -> None:
    """Remove a question; answers already given to it are ignored from now on."""
    _require_manager(actor, question.intake.community)
    if question.intake.is_applied:
        raise ValidationError(_("The circles of this intake are created; it can no longer change."))
    question.delete()


def question_move(*, question: IntakeQuestion, actor: Any, offset: int) -> None:
    """Move a question up (-1) or down (+1) in the form."""
    _require_manager(actor, question.intake.community)
    with transaction.atomic():
        ordered = list(IntakeQuestion.objects.select_for_update().filter(intake=question.intake_id))
        index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
        target = max(0, min(len(ordered) - 1, index + offset))
        ordered.insert(target, ordered.pop(index))
        for position, q in enumerate(ordered):
            if q.position != position:
                q.position = position
                q.save(update_fields=["position"])


# -- applications --------------------------------------------------------------------------------------


@dataclass
class ApplicationInput:
    """What an applicant submits. `availability` holds weekly hours 0..167 in their own zone."""

    timezone: str
    availability: Sequence[int]
    languages: Sequence[str]
    stage: int
    intentions: Sequence[str] = ()
    skills_have: Sequence[str] = ()
    skills_want: Sequence[str] = ()
    preferred_size: int | None = None
    answers: dict[str, Any] = field(default_factory=dict)  # question key -> str | list[str] | int
    identity: dict[str, list[str]] = field(default_factory=dict)  # identity question key -> options
    with_emails: Sequence[str] = ()
    not_with_emails: Sequence[str] = ()
    note: str = ""


def _subset(values: Iterable[Any], allowed: Sequence[str], name: str, errors: dict[str, str]) -> list[str]:
    chosen = [str(v) for v in values]
    if any(v not in allowed for v in chosen):
        errors[name] = _("Choose from the options offered.")
    return [v for v in allowed if v in chosen]


def _clean_emails(values: Iterable[str], own: str, name: str, errors: dict[str, str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        email = str(raw).strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            errors[name] = _("“%(value)s” is not an email address.") % {"value": email}
            continue
        if email == own.lower():
            errors[name] = _("Leave out your own address.")
        elif email not in out:
            out.append(email)
    if len(out) > MAX_PAIRS:
        errors[name] = _("Name at most %(n)d people.") % {"n": MAX_PAIRS}
    return out


def _clean_answers(
    questions: Sequence[IntakeQuestion], data: ApplicationInput, errors: dict[str, str]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    answers: dict[str, Any] = {}
    identity: dict[str, list[str]] = {}
    for q in questions:
        name = f"q_{q.pk}"
        if q.is_identity:
            chosen = data.identity.get(q.key) or []
            picked = _subset(chosen, q.options, name, errors)
            if picked:
                identity[q.key] = picked
            continue
        value = data.answers.get(q.key)
        if value in (None, "", [], ()):
            if q.required:
                errors[name] = _("Please answer this question.")
            continue
        if q.kind == QuestionKind.CHOICE:
            if str(value) not in q.options:
                errors[name] = _("Choose from the options offered.")
            else:
                answers[q.key] = str(value)
        elif q.kind == QuestionKind.MULTI:
            values = value if isinstance(value, list | tuple) else [value]
            picked = _subset(values, q.options, name, errors)
            if picked:
                answers[q.key] = picked
        else:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = q.scale_min - 1
            if not q.scale_min <= number <= q.scale_max:
                errors[name] = _("Choose a value from %(lo)d to %(hi)d.") % {
                    "lo": q.scale_min,
                    "hi": q.scale_max,
                }
            else:
                answers[q.key] = number
    return answers, identity


def application_save(*, intake: Intake, user: Any, data: ApplicationInput, now: datetime) -> Application:
    """Apply, or change one's answers, while the intake is open. Every value is checked against the
    intake's options; errors name the form field they belong to."""
    if not access.may_apply(user, intake, now):
        if intake.cohort_id is not None and not community_access.can_view_community(user, intake.community):
            raise PermissionDenied(_("This intake is for members of the community."))
        raise PermissionDenied(_("This intake is not taking applications any more."))
    errors: dict[str, str] = {}
    if not is_valid_timezone(data.timezone):
        errors["timezone"] = _("Choose your time zone from the list.")
    hours = sorted({int(h) for h in data.availability if str(h).lstrip("-").isdigit()})
    if any(not 0 <= h < HOURS_PER_WEEK for h in hours) or len(hours) != len(set(data.availability)):
        errors["availability"] = _("Pick hours of the week from the grid.")
    elif not hours:
        errors["availability"] = _("Mark at least one hour a week when you could meet.")
    languages = _subset(data.languages, intake.language_options, "languages", errors)
    if not languages and "languages" not in errors:
        errors["languages"] = _("Choose at least one language you can talk in.")
    if not 0 <= data.stage < len(intake.stage_labels):
        errors["stage"] = _("Choose the stage closest to yours.")
    intentions = _subset(data.intentions, intake.intention_options, "intentions", errors)
    have = _subset(data.skills_have, intake.skill_options, "skills_have", errors)
    want = _subset(data.skills_want, intake.skill_options, "skills_want", errors)
    if data.preferred_size is not None and not intake.size_min <= data.preferred_size <= intake.size_max:
        errors["preferred_size"] = _("Choose a size from %(lo)d to %(hi)d.") % {
            "lo": intake.size_min,
            "hi": intake.size_max,
        }
    questions = list(intake.questions.all())
    answers, identity = _clean_answers(questions, data, errors)
    with_emails = _clean_emails(data.with_emails, user.email, "with_emails", errors)
    not_with = _clean_emails(data.not_with_emails, user.email, "not_with_emails", errors)
    if set(with_emails) & set(not_with):
        errors["not_with_emails"] = _("Someone is on both lists; keep them on one.")
    if len(data.note) > 2000:
        errors["note"] = _("Keep the note under 2,000 characters.")
    if errors:
        raise ValidationError(errors)
    values = {
        "timezone": data.timezone,
        "availability": hours,
        "languages": languages,
        "stage": data.stage,
        "intentions": intentions,
        "skills_have": have,
        "skills_want": want,
        "preferred_size": data.preferred_size,
        "answers": answers,
        "identity": identity,
        "with_emails": with_emails,
        "not_with_emails": not_with,
        "note": data.note.strip(),
        "withdrawn_at": None,
    }
    try:
        with transaction.atomic():
            application, _created = Application.objects.update_or_create(
                intake=intake, user=user, defaults=values
            )
    except IntegrityError:  # two tabs submitting the first application at once
        application, _created = Application.objects.update_or_create(
            intake=intake, user=user, defaults=values
        )
    return application


def application_withdraw(*, application: Application, user: Any, now: datetime) -> Application:
    """Take one's application back while the intake is open (it can be sent again later)."""
    if application.user_id != user.pk:
        raise PermissionDenied(_("Only the applicant can withdraw an application."))
    if not application.intake.accepts_answers(now):
        raise PermissionDenied(_("This intake is closed; ask the organizers to leave you out."))
    application.withdrawn_at = now
    application.save(update_fields=["withdrawn_at", "updated_at"])
    return application
