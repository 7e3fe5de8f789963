"""Fixtures of the formation tests. The intake fixtures freeze the clock at START (Monday 2026-01-05
09:00 UTC, root conftest's `clock`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import START
from peerpact.formation.demo import demo_intake, fake_answers
from peerpact.formation.models import Application, Intake
from peerpact.formation.services import intakes as services
from peerpact.formation.services.intakes import ApplicationInput

# Identity options are made unlike any other text of the pages, so a test can look for them in HTML.
IDENTITY_OPTIONS = ["Zeta group", "Omega group", "Rho group"]


@pytest.fixture
def intake(clock: Any, community: Any, olivia: Any) -> Any:
    """A draft intake of `community` closing a week after START, with three questions of olivia's
    (`intake.q`: choice, scale, identity)."""
    created = services.intake_create(
        community=community,
        actor=olivia,
        title="Spring circles",
        welcome="**Welcome!** Tell us about you.",
        closes_at=START + timedelta(days=7),
        language_options=["en", "es"],
    )
    choice = services.question_add(
        intake=created,
        actor=olivia,
        kind="choice",
        prompt="Mornings or evenings?",
        options=["Mornings", "Evenings"],
    )
    scale = services.question_add(
        intake=created,
        actor=olivia,
        kind="scale",
        prompt="How much structure do you like?",
        scale_min=1,
        scale_max=5,
        scale_min_label="Loose",
        scale_max_label="Strict",
        required=True,
    )
    identity = services.question_add(
        intake=created,
        actor=olivia,
        kind="identity",
        prompt="Which group do you belong to?",
        options=IDENTITY_OPTIONS,
        protected_options=["Zeta group"],
    )
    created.q = SimpleNamespace(choice=choice, scale=scale, identity=identity)
    return created


@pytest.fixture
def open_intake(intake: Any, olivia: Any) -> Any:
    """`intake`, open for applications since START."""
    services.intake_open(intake=intake, actor=olivia, now=START)
    return intake


@pytest.fixture
def application_input(open_intake: Any) -> ApplicationInput:
    """Valid answers to `open_intake`: Monday 18:00-20:00 and Wednesday 18:00-19:00 in New York."""
    q = open_intake.q
    return ApplicationInput(
        timezone="America/New_York",
        availability=[18, 19, 66],
        languages=["en"],
        stage=1,
        intentions=["Learn from peers"],
        skills_have=["Writing"],
        skills_want=["Design"],
        preferred_size=5,
        answers={q.choice.key: "Evenings", q.scale.key: 4},
        identity={q.identity.key: ["Zeta group"]},
        with_emails=["alice@example.com"],
        not_with_emails=["dave@example.com"],
        note="I travel in March.",
    )


@pytest.fixture
def bob_application(open_intake: Any, bob: Any, circle: Any, application_input: ApplicationInput) -> Any:
    """bob's application to `open_intake` (bob is a member of `community` through `circle`)."""
    return services.application_save(intake=open_intake, user=bob, data=application_input, now=START)


# -- pools for the solver runs and the review page (the clock there is frozen at POOL_NOW) -------------

POOL_NOW = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pool_intake(community: Any, otto: Any) -> Intake:
    """The demo intake's questions, open, organized by otto; empty until `add_applicants`."""
    intake = demo_intake(community=community, organizer=otto, title="Winter pool")
    return services.intake_open(intake=intake, actor=otto, now=POOL_NOW)


@pytest.fixture
def add_applicants(make_user: Callable[..., Any]) -> Callable[..., list[Application]]:
    """`add(intake, n, seed=, zone=)`: n new people apply with plausible answers (fake_answers)."""

    def add(
        intake: Intake, n: int, *, seed: int = 1, zone: str | None = "Europe/Madrid"
    ) -> list[Application]:
        rng = random.Random(seed)
        out = []
        start = intake.applications.count()
        for i in range(n):
            user = make_user(f"applicant{start + i}@example.com", f"Applicant {start + i}")
            data = fake_answers(intake, rng, zone=zone)
            out.append(services.application_save(intake=intake, user=user, data=data, now=POOL_NOW))
        return out

    return add
