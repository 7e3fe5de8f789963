"""Shared fixtures: the personas of STYLE.md, built through services, and the browser setup."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

# `receiver`: an HTTP server on loopback that records what Apprise posts (chat tests of any app).
pytest_plugins = ["peerpact.notifications.tests.chat_receiver"]

# Playwright's sync API runs an event loop in the test thread; live_server's ORM calls are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"


# The longest tests (about a minute each) run first, so pytest-xdist spreads them over its workers
# instead of leaving one worker a tail of them at the end of the run.
LONGEST_FIRST = ("tests/browser/test_every_page.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))  # stable: otherwise as collected
    if os.environ.get("PEERPACT_SKIP_BROWSER") and os.environ.get("CI") != "true":
        skip = pytest.mark.skip(reason="Chromium is not installed (PEERPACT_SKIP_BROWSER)")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session", autouse=True)
def _test_media_removed() -> Iterator[None]:
    """Uploads in tests go to a per-process temporary MEDIA_ROOT (settings); remove it at the end."""
    yield
    import shutil

    from django.conf import settings

    if "peerpact-test-media-" in str(settings.MEDIA_ROOT):
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings: Any) -> Iterator[None]:
    settings.SITE_URL = "http://testserver"
    yield
    # A request in another language leaves it active in this thread (LocaleMiddleware activates it for
    # each request and never resets it); the next test starts in English, as a fresh request would.
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    """Create a verified user (allauth EmailAddress included) with the shared test password."""
    from allauth.account.models import EmailAddress

    from peerpact.accounts.models import User

    def make(email: str, name: str = "", tz: str = "UTC", **extra: Any) -> User:
        user = User.objects.create_user(
            email=email, password=PASSWORD, display_name=name, timezone=tz, **extra
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def olivia(make_user: Callable[..., Any]) -> Any:
    """Owner and organizer of `community`."""
    return make_user("olivia@example.com", "Olivia", "Europe/London")


@pytest.fixture
def otto(make_user: Callable[..., Any], community: Any) -> Any:
    """An organizer (not owner) of `community`."""
    from peerpact.communities import services
    from peerpact.communities.models import CommunityRole

    user = make_user("otto@example.com", "Otto")
    services.community_member_add(community=community, user=user, role=CommunityRole.ORGANIZER)
    return user


@pytest.fixture
def alice(make_user: Callable[..., Any]) -> Any:
    """Facilitates `circle`."""
    return make_user("alice@example.com", "Alice", "Europe/Madrid")


@pytest.fixture
def bob(make_user: Callable[..., Any]) -> Any:
    """A member of `circle`."""
    return make_user("bob@example.com", "Bob", "America/New_York")


@pytest.fixture
def dave(make_user: Callable[..., Any]) -> Any:
    """A member of `other_circle`, in the same community as `circle`."""
    return make_user("dave@example.com", "Dave", "Asia/Kolkata")


@pytest.fixture
def carol(make_user: Callable[..., Any]) -> Any:
    """Owner of another community; a stranger to `community`."""
    return make_user("carol@example.com", "Carol", "Australia/Sydney")


@pytest.fixture
def erin(make_user: Callable[..., Any]) -> Any:
    """Signed in, but in no community at all."""
    return make_user("erin@example.com", "Erin")


@pytest.fixture
def community(olivia: Any) -> Any:
    from peerpact.communities import services

    return services.community_create(creator=olivia, name="Northwind", description="Test community")


def seat(circle: Any, user: Any, actor: Any) -> Any:
    """Put `user` into `circle` the way a person would: invitation, then accepting the charter."""
    from peerpact.circles import services as circle_services
    from peerpact.communities import services as community_services

    community_services.community_member_add(community=circle.community, user=user)
    circle_services.circle_invite(circle=circle, actor=actor, email=user.email)
    return circle_services.membership_accept_invitation(circle=circle, user=user, charter_accepted=True)


@pytest.fixture
def circle(community: Any, olivia: Any, alice: Any, bob: Any) -> Any:
    """A private, invite-only circle facilitated by alice with bob as member."""
    from peerpact.circles import services
    from peerpact.circles.models import MemberRole, Membership

    created = services.circle_create(
        community=community,
        creator=olivia,
        name="Weekly Wins",
        facilitate=False,
        charter="Be kind. Be honest.",
        status="active",
    )
    seat(created, alice, olivia)
    services.membership_set_role(
        actor=olivia,
        membership=Membership.objects.get(circle=created, user=alice),
        role=MemberRole.FACILITATOR,
    )
    seat(created, bob, alice)
    return created


@pytest.fixture
def other_circle(community: Any, olivia: Any, dave: Any) -> Any:
    """Another private circle of `community`, with dave as its only member."""
    from peerpact.circles import services

    created = services.circle_create(community=community, creator=olivia, name="Job Search", facilitate=False)
    seat(created, dave, olivia)
    return created


@pytest.fixture
def other_community(carol: Any) -> Any:
    from peerpact.communities import services

    return services.community_create(creator=carol, name="Elsewhere")


# Monday 2026-01-05 09:00 UTC: where app tests with a weekly rhythm freeze the clock (their conftest
# makes `clock` autouse, so people join at that moment).
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    """The clock frozen at START; move it with `clock.move_to(...)`."""
    import time_machine

    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def weekly(circle: Any, alice: Any, clock: Any) -> Any:
    """`circle` on Europe/Madrid time (UTC+1 in winter): updates due Fridays 18:00 with a 24 h grace
    period, reviews Mondays 19:00. Cycle 1 opens at START and is due Friday 9 January, 17:00 UTC."""
    from datetime import date, time

    from django.utils import timezone

    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.services import RhythmSpec
    from peerpact.circles import services as circle_services

    circle_services.circle_update(circle=circle, actor=alice, timezone="Europe/Madrid")
    circle.refresh_from_db()
    checkin_services.rhythm_set(
        circle=circle,
        actor=alice,
        spec=RhythmSpec(
            preset="weekly",
            weekdays=["FR"],
            deadline_time=time(18, 0),
            starts_on=date(2026, 1, 1),
            grace_hours=24,
            review_weekday="MO",
            review_location="https://meet.example/wins",
        ),
    )
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    return circle
