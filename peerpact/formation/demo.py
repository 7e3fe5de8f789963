"""Demo data: an intake of 60 applicants, closed, with the solver's proposal ready to review.

`fake_answers` is also what the tests use to fill realistic pools.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model

from peerpact.circles.models import Circle
from peerpact.communities.models import CommunityMembership, CommunityRole
from peerpact.formation.models import FormationRun, Intake, QuestionKind, RunStatus
from peerpact.formation.services import intakes as intake_services
from peerpact.formation.services.intakes import ApplicationInput
from peerpact.formation.services.runs import run_execute

TITLE = "Founders' circles, winter"
POOL_SIZE = 60
# Where demo applicants live, and how their evenings fall: (zone, weight).
ZONES = [
    ("Europe/Madrid", 5),
    ("Europe/London", 3),
    ("Europe/Berlin", 3),
    ("America/New_York", 3),
    ("America/Mexico_City", 2),
    ("Europe/Lisbon", 2),
    ("Africa/Lagos", 1),
    ("America/Bogota", 1),
]
LANGUAGES_BY_ZONE = {
    "Europe/Madrid": ["es", "en"],
    "America/Mexico_City": ["es", "en"],
    "America/Bogota": ["es", "en"],
}
FIRST = [
    "Aisha", "Ben", "Carmen", "Deepak", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jamal", "Kasia",
    "Luis", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sanjay", "Tomás", "Uma", "Victor",
    "Wen", "Ximena", "Yusuf", "Zara", "Amara", "Bruno", "Chloé", "Dmitri",
]  # fmt: skip
LAST = ["Alvarez", "Brooks", "Chen", "Diallo", "Eriksen", "Fischer", "García", "Haddad", "Iyer", "Jones"]


def fake_answers(
    intake: Intake, rng: random.Random, *, zone: str | None = None, identity_rate: float = 0.25
) -> ApplicationInput:
    """A plausible application: evenings and a weekend morning in the applicant's zone, one or two
    languages, a stage, intentions, skills, answers to the custom questions."""
    zone = zone or rng.choices([z for z, _w in ZONES], weights=[w for _z, w in ZONES])[0]
    hours: set[int] = set()
    evening = rng.choice([18, 19])
    for day in rng.sample(range(5), rng.randint(3, 5)):
        hours.update(day * 24 + h for h in range(evening, evening + 3))
    if rng.random() < 0.6:
        hours.update(5 * 24 + h for h in range(10, 12))  # Saturday morning
    if rng.random() < 0.3:
        hours.update(day * 24 + h for day in range(5) for h in (12, 13))  # lunch breaks
    languages = [x for x in LANGUAGES_BY_ZONE.get(zone, ["en"]) if x in intake.language_options] or [
        intake.language_options[0]
    ]
    if "en" in languages and rng.random() < 0.15:
        languages = ["en"]
    stages = len(intake.stage_labels)
    stage = min(stages - 1, max(0, round(rng.triangular(0, stages - 1, stages / 2))))
    skills = list(intake.skill_options)
    have = rng.sample(skills, min(len(skills), rng.randint(1, 3)))
    want = rng.sample([s for s in skills if s not in have], min(len(skills) - len(have), rng.randint(1, 2)))
    answers: dict[str, Any] = {}
    identity: dict[str, list[str]] = {}
    for q in intake.questions.all():
        if q.kind == QuestionKind.CHOICE:
            answers[q.key] = rng.choice(q.options)
        elif q.kind == QuestionKind.MULTI:
            answers[q.key] = rng.sample(q.options, rng.randint(1, min(2, len(q.options))))
        elif q.kind == QuestionKind.SCALE:
            answers[q.key] = rng.randint(q.scale_min, q.scale_max)
        elif q.kind == QuestionKind.IDENTITY and rng.random() < identity_rate:
            identity[q.key] = [rng.choice(q.options)]
    return ApplicationInput(
        timezone=zone,
        availability=sorted(hours),
        languages=languages,
        stage=stage,
        intentions=rng.sample(
            intake.intention_options, min(len(intake.intention_options), rng.randint(1, 2))
        ),
        skills_have=have,
        skills_want=want,
        preferred_size=rng.choice([None, intake.size_min, intake.size_max]),
        answers=answers,
        identity=identity,
    )


def demo_intake(*, community: Any, organizer: Any, title: str = TITLE) -> Intake:
    """The intake the demo (and the browser journey) uses: two custom questions, one private one."""
    intake = intake_services.intake_create(
        community=community,
        actor=organizer,
        title=title,
        welcome="Tell us a little about where you are and when you can meet. "
        "We'll form circles of 4 to 6 founders who can actually meet, with skills that complement.",
        min_common_hours=2,
    )
    intake_services.question_add(
        intake=intake,
        actor=organizer,
        kind=QuestionKind.CHOICE,
        prompt="What are you building?",
        options=["A product", "A service business", "A non-profit", "Not sure yet"],
        direction="similar",
        weight=1.0,
    )
    intake_services.question_add(
        intake=intake,
        actor=organizer,
        kind=QuestionKind.SCALE,
        prompt="How much time a week can you give your project?",
        scale_min=1,
        scale_max=5,
        scale_min_label="A few hours",
        scale_max_label="Full time",
        direction="similar",
        weight=0.5,
    )
    intake_services.question_add(
        intake=intake,
        actor=organizer,
        kind=QuestionKind.IDENTITY,
        prompt="Do you identify as any of these? (private)",
        options=["A woman", "Non-binary", "First-generation founder"],
        protected_options=["A woman", "Non-binary"],
    )
    return intake


def seed(*, circles: list[Circle], now: datetime) -> None:
    """An intake of 60 fictional applicants, closed yesterday, with the solver's proposal to review."""
    if not circles:
        return
    community = circles[0].community
    if Intake.objects.filter(community=community, title=TITLE).exists():
        return
    owner = CommunityMembership.objects.get(community=community, role=CommunityRole.OWNER).user
    intake = demo_intake(community=community, organizer=owner)
    intake_services.intake_open(intake=intake, actor=owner, now=now - timedelta(days=10))
    rng = random.Random(7)
    user_model = get_user_model()
    people = []
    for i in range(POOL_SIZE):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        email = f"applicant{i + 1:02d}@example.com"
        user = user_model.objects.filter(email=email).first()
        if user is None:
            user = user_model(email=email, display_name=name)
            user.set_unusable_password()  # fictional; nobody logs in as them
            user.save()
        people.append(user)
    for i, user in enumerate(people):
        # Self-identification answered in the largest cluster only, so no protected group is left with
        # a single member who can meet nobody else of it (the solver would report that, with the reason).
        data = fake_answers(intake, rng, identity_rate=0.0)
        if data.timezone == "Europe/Madrid":
            data = fake_answers(intake, random.Random(i), zone=data.timezone, identity_rate=0.5)
        user.timezone = data.timezone
        user.save(update_fields=["timezone"])
        if i % 15 == 3:  # a few friends who asked to be together
            data.with_emails = [people[i + 1].email]
        intake_services.application_save(
            intake=intake, user=user, data=data, now=now - timedelta(days=9 - i % 8)
        )
    intake_services.intake_close(intake=intake, actor=owner, now=now - timedelta(days=1))
    run = FormationRun.objects.create(
        intake=intake, requested_by=owner, requested_at=now, status=RunStatus.RUNNING, started_at=now
    )
    run_execute(run=run, now=now)
