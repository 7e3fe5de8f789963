"""Query counts and render times of the key pages at two data sizes, measured in one run.

Usage: DEBUG=true .tools/bin/uv run --no-sync python -m bench.page_queries

Builds a throwaway SQLite database, fills one circle with `members` people and `cycles` weeks of
check-ins (through the services), then requests each page with the test client. The query count must
be identical at both sizes; the time is reported as a ratio to a minimal page (/healthz) in the same
run, never as an absolute target.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(), "bench.sqlite3")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

PAGES = ["/", "board/", "tracker/", "checkin/", "goals/", "schedule/"]


def build(members: int, cycles: int) -> tuple[str, object]:
    from peerpact.accounts.models import User
    from peerpact.checkins import services
    from peerpact.checkins.models import Cycle
    from peerpact.checkins.services import CheckinAnswers, NewCommitment, RhythmSpec
    from peerpact.circles import services as circle_services
    from peerpact.communities import services as community_services
    from peerpact.goals import services as goal_services

    def user(email: str) -> User:
        return User.objects.create_user(email=email, password="x" * 12, display_name=email.split("@")[0])

    tag = f"{members}x{cycles}"
    owner = user(f"owner-{tag}@example.com")
    community = community_services.community_create(creator=owner, name=f"Bench {tag}")
    circle = circle_services.circle_create(community=community, creator=owner, name="Bench", size_cap=20)
    start = datetime.now(UTC) - timedelta(weeks=cycles)
    services.rhythm_set(circle=circle, actor=owner, spec=RhythmSpec(weekdays=["FR"]), now=start)
    seats = []
    for i in range(members - 1):
        person = user(f"m{i}-{tag}@example.com")
        community_services.community_member_add(community=community, user=person)
        circle_services.circle_invite(circle=circle, actor=owner, email=person.email)
        seats.append(
            circle_services.membership_accept_invitation(circle=circle, user=person, charter_accepted=True)
        )
    from peerpact.circles.models import Membership

    Membership.objects.filter(circle=circle).update(joined_at=start - timedelta(days=1))
    services.cycles_ensure(circle=circle, now=datetime.now(UTC))
    for membership in Membership.objects.filter(circle=circle).select_related("user"):
        goal = goal_services.goal_create(
            membership=membership, actor=membership.user, title="Read", target=100
        )
        for cycle in Cycle.objects.filter(circle=circle, deadline_at__lt=datetime.now(UTC)).order_by("index"):
            services.checkin_submit(
                membership=membership,
                cycle=cycle,
                actor=membership.user,
                expected_version=None,
                now=cycle.deadline_at - timedelta(hours=2),
                answers=CheckinAnswers(
                    wins="ok", progress={goal.pk: cycle.index}, next_commitments=[NewCommitment("Read")]
                ),
            )
    return f"/c/{community.slug}/circles/{circle.slug}/", owner


def measure(client: Client, url: str, repeat: int = 15) -> tuple[int, float]:
    reset_queries()  # the log is a bounded deque: once full, a capture would count nothing
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - began)
    return len(captured.captured_queries), statistics.median(times)


def main() -> None:
    call_command("migrate", verbosity=0)
    with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
        sizes = [(4, 4), (16, 40)]
        results = {}
        for members, cycles in sizes:
            base, owner = build(members, cycles)
            client = Client()
            client.force_login(owner)
            _, floor = measure(client, "/healthz")
            results[(members, cycles)] = {
                page: measure(client, page if page == "/" else base + page) for page in PAGES
            } | {"floor": (0, floor)}
    small, large = (results[s] for s in sizes)
    print(f"{'page':<12} {'queries 4x4':>12} {'queries 16x40':>14} {'ratio 4x4':>10} {'ratio 16x40':>12}")
    failed = False
    for page in PAGES:
        (q1, t1), (q2, t2) = small[page], large[page]
        failed |= q1 != q2
        print(f"{page:<12} {q1:>12} {q2:>14} {t1 / small['floor'][1]:>10.1f} {t2 / large['floor'][1]:>12.1f}")
    print("query counts identical at both sizes" if not failed else "QUERY COUNTS GROW WITH DATA")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
