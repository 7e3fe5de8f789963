from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from conftest import seat
from peerpact.programs import services

# Monday 2 March 2026, 09:00 UTC. Cohorts start that day; module 1 is due 7 days later.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEVELS = [
    {"score": 1, "label": "Not yet", "description": "Planned, not tried"},
    {"score": 2, "label": "Tried", "description": "Tried it once"},
    {"score": 3, "label": "Strong", "description": "Tried it and reflected"},
]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def program(community: Any, olivia: Any) -> Any:
    """Published, with two modules (k=2, due after 7 and 14 days), each with a two-criterion rubric."""
    program = services.program_create(community=community, actor=olivia, title="Lead with feedback")
    for n, title in enumerate(["Ask for feedback", "Give feedback"], start=1):
        module = services.module_create(
            program=program,
            actor=olivia,
            title=title,
            content="Read **this**.",
            action_challenge=f"Try challenge {n} this week.",
            due_days=7 * n,
            reviews_k=2,
        )
        services.criterion_add(module=module, actor=olivia, name="Action taken", levels=LEVELS)
        services.criterion_add(module=module, actor=olivia, name="Reflection", levels=LEVELS)
    services.program_set_status(program=program, actor=olivia, status="published")
    return program


@pytest.fixture
def module(program: Any) -> Any:
    return program.modules.get(position=1)


@pytest.fixture
def make_circle(community: Any, olivia: Any, make_user: Callable[..., Any]) -> Callable[..., Any]:
    """A circle with `size` members (and optionally a facilitator who is not a learner)."""
    from peerpact.circles import services as circle_services
    from peerpact.circles.models import MemberRole, Membership

    counter = iter(range(1000))

    def make(name: str, size: int, facilitator: Any = None) -> Any:
        created = circle_services.circle_create(
            community=community,
            creator=olivia,
            name=name,
            facilitate=False,
            charter="Be kind.",
            status="active",
        )
        if facilitator is not None:
            seat(created, facilitator, olivia)
            circle_services.membership_set_role(
                actor=olivia,
                membership=Membership.objects.get(circle=created, user=facilitator),
                role=MemberRole.FACILITATOR,
            )
        for _ in range(size):
            n = next(counter)
            seat(
                created,
                make_user(f"learner{n}.{name.lower().replace(' ', '')}@example.com", f"Learner {n}"),
                olivia,
            )
        return created

    return make


@pytest.fixture
def cohort(program: Any, circle: Any, olivia: Any) -> Any:
    """`program` run with `circle` as its huddle: bob is enrolled, alice (facilitator) leads it."""
    return services.cohort_create(
        program=program, actor=olivia, name="Spring", starts_on=date(2026, 3, 2), huddles=[circle], now=START
    )


def submit(cohort: Any, module: Any, user: Any, text: str = "I tried it.", **extra: Any) -> Any:
    return services.submission_save(cohort=cohort, module=module, actor=user, text=text, now=START, **extra)
