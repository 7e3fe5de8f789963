"""An intake's applications as solver input: people, questions, settings and pairs.

Availability is stored in each applicant's own zone; the solver works on UTC weekly hours, converted in
a reference week (the cohort's first week, or the week after the intake closes) so daylight-saving
differences between zones are those of the weeks the circles will actually meet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import time_format

from peerpact.formation.models import Application, Intake, IntakeQuestion, QuestionKind
from peerpact.formation.scoring import (
    HOURS_PER_WEEK,
    AnswerValue,
    Person,
    Question,
    Scorer,
    Settings,
    hour_blocks,
)


@dataclass
class Pool:
    intake: Intake
    applications: dict[str, Application]  # person id (application pk as text) -> application
    people: list[Person]
    questions: list[Question]
    custom_questions: list[IntakeQuestion]  # scored questions, in form order
    settings: Settings
    with_pairs: list[tuple[str, str]]
    not_with_pairs: list[tuple[str, str]]
    week_of: date

    def scorer(self) -> Scorer:
        return Scorer(
            self.people,
            questions=self.questions,
            settings=self.settings,
            with_pairs=self.with_pairs,
            not_with_pairs=self.not_with_pairs,
        )


def reference_week(intake: Intake, now: datetime) -> date:
    """The Monday of the week whose clock changes apply: the cohort's start, else after closing."""
    if intake.cohort_id is not None and intake.cohort is not None:
        day = intake.cohort.starts_on
    else:
        day = (intake.closes_at or now).date() + timedelta(days=7)
    return day - timedelta(days=day.weekday())


def local_to_utc_hours(hours: list[int], tz: str, week_of: date) -> frozenset[int]:
    """Weekly hours in zone `tz` (0 = Monday 00:00 there) as weekly UTC hours in the week of `week_of`."""
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError, OSError):
        zone = ZoneInfo("UTC")
    monday = datetime(week_of.year, week_of.month, week_of.day, tzinfo=zone)
    out = set()
    for h in hours:
        if 0 <= h < HOURS_PER_WEEK:
            local = monday + timedelta(hours=h)  # wall-clock arithmetic in `zone`
            utc = local.astimezone(UTC)
            out.add((utc.weekday() * 24 + utc.hour) % HOURS_PER_WEEK)
    return frozenset(out)


def protected_groups(questions: list[IntakeQuestion]) -> frozenset[str]:
    return frozenset(f"{q.key}:{o}" for q in questions if q.is_identity for o in q.protected_options)


def build_pool(intake: Intake, *, now: datetime) -> Pool:
    """Every active application of the intake as solver input (2 queries)."""
    questions = list(intake.questions.all())
    scored = [q for q in questions if not q.is_identity]
    apps = list(intake.applications.active().select_related("user").order_by("pk"))
    week_of = reference_week(intake, now)
    stages = len(intake.stage_labels)
    options = {
        "intentions": set(intake.intention_options),
        "skills": set(intake.skill_options),
        "languages": set(intake.language_options),
    }
    groups = protected_groups(questions)
    people: list[Person] = []
    by_id: dict[str, Application] = {}
    for app in apps:
        pid = str(app.pk)
        by_id[pid] = app
        answers: dict[str, AnswerValue] = {}
        for q in scored:
            value = app.answers.get(q.key)
            if q.kind == QuestionKind.MULTI and isinstance(value, list):
                answers[q.key] = frozenset(v for v in value if v in q.options)
            elif (q.kind == QuestionKind.CHOICE and value in q.options) or (
                q.kind == QuestionKind.SCALE and isinstance(value, int)
            ):
                answers[q.key] = value
        mine = (
            frozenset(f"{key}:{o}" for key, chosen in (app.identity or {}).items() for o in chosen) & groups
        )
        people.append(
            Person(
                id=pid,
                tz=app.timezone,
                hours=local_to_utc_hours(app.availability, app.timezone, week_of),
                languages=frozenset(x for x in app.languages if x in options["languages"]),
                stage=min(max(app.stage, 0), max(stages - 1, 0)),
                intentions=frozenset(x for x in app.intentions if x in options["intentions"]),
                skills_have=frozenset(x for x in app.skills_have if x in options["skills"]),
                skills_want=frozenset(x for x in app.skills_want if x in options["skills"]),
                answers=answers,
                groups=mine,
            )
        )
    preferred = [a.preferred_size for a in apps if a.preferred_size]
    size_preferred = None
    if preferred:
        size_preferred = min(max(round(median(preferred)), intake.size_min), intake.size_max)
    settings = Settings(
        size_min=intake.size_min,
        size_max=intake.size_max,
        size_preferred=size_preferred,
        min_common_hours=intake.min_common_hours,
        require_common_language=intake.require_common_language,
        protected_groups=groups,
        stage_span=max(1, stages - 1),
        weight_stage=intake.weight_stage,
        weight_intentions=intake.weight_intentions,
        weight_skills=intake.weight_skills,
        weight_with=intake.weight_with,
    )
    question_inputs = [
        Question(
            id=q.key,
            kind=q.kind,  # type: ignore[arg-type]
            weight=q.weight,
            direction=q.direction,  # type: ignore[arg-type]
            scale_min=float(q.scale_min),
            scale_max=float(q.scale_max),
        )
        for q in scored
    ]
    by_email = {app.user.email.lower(): str(app.pk) for app in apps if app.user.email}
    with_pairs: list[tuple[str, str]] = []
    not_with_pairs: list[tuple[str, str]] = []
    for app in apps:
        for email in app.with_emails:
            if email in by_email:
                with_pairs.append((str(app.pk), by_email[email]))
        for email in app.not_with_emails:
            if email in by_email:
                not_with_pairs.append((str(app.pk), by_email[email]))
    return Pool(
        intake=intake,
        applications=by_id,
        people=people,
        questions=question_inputs,
        custom_questions=scored,
        settings=settings,
        with_pairs=with_pairs,
        not_with_pairs=not_with_pairs,
        week_of=week_of,
    )


def utc_to_local_hours(hours_utc: Iterable[int], tz: str, week_of: date) -> list[int]:
    """Weekly UTC hours as weekly hours in zone `tz` (0 = Monday 00:00 there), in the week of `week_of`."""
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError, OSError):
        zone = ZoneInfo("UTC")
    start = datetime(week_of.year, week_of.month, week_of.day, tzinfo=UTC)
    out = set()
    for h in hours_utc:
        t = (start + timedelta(hours=h)).astimezone(zone)
        out.add((t.weekday() * 24 + t.hour) % HOURS_PER_WEEK)
    return sorted(out)


def format_blocks(local_hours: Iterable[int]) -> list[str]:
    """Weekly hours as localised blocks, e.g. "Tue 18:00-20:00" (en dash; day names and clock in the
    active language's format)."""
    out = []
    for start, length in hour_blocks(sorted(local_hours)):
        end = (start + length) % 24
        day = WEEKDAYS_ABBR[start // 24 % 7]
        begin = time_format(time(start % 24), "TIME_FORMAT")
        out.append(f"{day} {begin}–{time_format(time(end), 'TIME_FORMAT')}")
    return out
