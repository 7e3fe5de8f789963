"""Reads for pulses and re-engagement cases. Pulse results leave here only as aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.functional import Promise

from peerpact.circles.models import Circle, Membership
from peerpact.engagement.models import (
    PULSE_QUESTIONS,
    SCALE,
    Pulse,
    PulseAnswer,
    ReengagementCase,
)

# Results are shown only from this many answers on: fewer could point at a person.
MIN_ANSWERS = 3


def pulse_latest(*, circle: Circle, now: datetime) -> Pulse | None:
    """The newest pulse that has opened (open or closed)."""
    return Pulse.objects.filter(circle=circle, opens_at__lte=now).select_related("cycle").first()


def pulse_open_for(*, circle: Circle, now: datetime) -> Pulse | None:
    return (
        Pulse.objects.filter(circle=circle, opens_at__lte=now, closes_at__gt=now)
        .select_related("cycle")
        .first()
    )


def pulse_answer_of(*, pulse: Pulse, membership: Membership | None) -> PulseAnswer | None:
    """The member's own answer, for their own form only."""
    if membership is None:
        return None
    return PulseAnswer.objects.filter(pulse=pulse, membership=membership).first()


@dataclass
class Bar:
    score: int
    count: int
    percent: int


@dataclass
class QuestionResult:
    key: str
    question: str | Promise
    average: float
    distribution: list[Bar]


@dataclass
class PulseResults:
    """What anyone may see of a pulse: how many answered and, from MIN_ANSWERS on, the aggregates."""

    pulse: Pulse
    count: int
    questions: list[QuestionResult] = field(default_factory=list)
    open_answers: list[str] = field(default_factory=list)
    needed: int = MIN_ANSWERS

    @property
    def is_shown(self) -> bool:
        return self.count >= MIN_ANSWERS

    @property
    def overall(self) -> float | None:
        if not self.questions:
            return None
        return round(sum(q.average for q in self.questions) / len(self.questions), 1)


def aggregate(pulse: Pulse, rows: list[tuple[int, ...]], texts: list[str]) -> PulseResults:
    """Averages and distributions per question; open answers sorted alphabetically, so their order
    says nothing about who wrote them or when. Below MIN_ANSWERS nothing but the count."""
    results = PulseResults(pulse=pulse, count=len(rows))
    if not results.is_shown:
        return results
    for position, (key, question) in enumerate(PULSE_QUESTIONS):
        values = [row[position] for row in rows]
        bars = [
            Bar(score=s, count=values.count(s), percent=round(100 * values.count(s) / len(values)))
            for s in SCALE
        ]
        results.questions.append(
            QuestionResult(
                key=key, question=question, average=round(sum(values) / len(values), 1), distribution=bars
            )
        )
    results.open_answers = sorted((t for t in texts if t), key=str.casefold)
    return results


def pulse_results(*, pulse: Pulse) -> PulseResults:
    """The aggregated results of one pulse (one query; the membership column is never read)."""
    keys = [key for key, _question in PULSE_QUESTIONS]
    rows = list(PulseAnswer.objects.filter(pulse=pulse).values_list(*keys, "open_answer"))
    return aggregate(pulse, [tuple(row[:-1]) for row in rows], [row[-1] for row in rows])


def pulse_results_many(*, pulses: list[Pulse]) -> dict[int, PulseResults]:
    """Results of several pulses in one query (the community overview)."""
    keys = [key for key, _question in PULSE_QUESTIONS]
    grouped: dict[int, list[tuple]] = {p.pk: [] for p in pulses}
    for row in PulseAnswer.objects.filter(pulse__in=pulses).values_list("pulse_id", *keys, "open_answer"):
        grouped[row[0]].append(row[1:])
    return {
        p.pk: aggregate(p, [tuple(r[:-1]) for r in grouped[p.pk]], [r[-1] for r in grouped[p.pk]])
        for p in pulses
    }


def cases_open(*, circle: Circle) -> list[ReengagementCase]:
    """Open re-engagement cases of a circle, for its facilitators and organizers."""
    return list(
        ReengagementCase.objects.open()
        .filter(membership__circle=circle)
        .select_related("membership__user", "started_cycle", "peer")
        .order_by("-step", "created_at")
    )
