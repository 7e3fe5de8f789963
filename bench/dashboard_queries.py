"""The organizer dashboard at 1x (100 circles, 1,000 members) and 10x (1,000 circles, 10,000 members):
queries and time relative to a minimal page, in one run.

Usage: DEBUG=true .tools/bin/uv run --no-sync python -m bench.dashboard_queries

Builds a throwaway SQLite database with bulk_create (the builder of the insights query-count test: six
finished weekly cycles, mixed on-time/late/missed check-ins, comments, feedback, goals, pauses,
blackouts, ladder cases), then requests /c/<slug>/insights/ as an organizer. The query count must be
identical at both sizes; time is a ratio to /healthz measured in the same run.
"""

from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(), "bench.sqlite3")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from bench.page_queries import measure  # noqa: E402


def main() -> None:
    from peerpact.accounts.models import User
    from peerpact.communities import services as community_services
    from peerpact.insights.tests.test_dashboard_queries import build

    call_command("migrate", verbosity=0)
    results = {}
    for circles in (100, 1000):
        owner = User.objects.create_user(email=f"owner{circles}@example.com", password="x" * 12)
        community = community_services.community_create(creator=owner, name=f"Bench {circles}")
        build(community, circles=circles, members=10, tag=f"b{circles}")
        client = Client()
        client.force_login(owner)
        _, floor = measure(client, "/healthz", repeat=5)
        queries, seconds = measure(client, f"/c/{community.slug}/insights/", repeat=5)
        results[circles] = (queries, seconds, floor)
        ratio = seconds / floor
        print(f"{circles:>5} circles: {queries} queries, {seconds * 1000:.0f} ms, {ratio:.0f}x /healthz")
    same = results[100][0] == results[1000][0]
    print("query counts identical at both sizes" if same else "QUERY COUNTS GROW WITH DATA")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
