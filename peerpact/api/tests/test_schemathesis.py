"""Property-based run of the whole OpenAPI schema (schemathesis) against the live WSGI app: no 5xx."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpact.api import services
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.circles.models import Membership
from peerpact.goals import services as goal_services
from tests.reliability.figures import knob, record

pytestmark = pytest.mark.django_db
EXAMPLES_PER_OPERATION = knob("PEERPACT_FUZZ_EXAMPLES", 12)  # `make soak` raises it


@contextmanager
def connection_kept_open():
    """The WSGI handler closes "old" connections per request, which would end the test's transaction
    (Django's own test client disconnects this for the same reason)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def more_real_ids(weekly, bob, alice) -> dict[str, int]:
    """Objects for the feedback, notification and program operations (peerpact/*/api.py)."""
    from django.utils import timezone

    from peerpact.notifications import outbox
    from peerpact.programs import services as program_services

    olivia = weekly.community.memberships.get(role="owner").user
    program = program_services.program_create(community=weekly.community, actor=olivia, title="Fuzz")
    module = program_services.module_create(program=program, actor=olivia, title="M", action_challenge="Do")
    program_services.program_set_status(program=program, actor=olivia, status="published")
    now = timezone.now()
    cohort = program_services.cohort_create(
        program=program, actor=olivia, name="C", starts_on=now.date(), huddles=[weekly], now=now
    )
    submission = program_services.submission_save(cohort=cohort, module=module, actor=bob, text="t", now=now)
    message, _created = outbox.message_enqueue(
        recipient=bob,
        kind="test.notice",
        channel="inapp",
        template="emails/notice",
        context={"title": "Hi", "body": "Hello"},
        due_at=now,
        dedupe_key="fuzz-notice",
    )
    outbox.outbox_deliver_batch(now=now)
    return {
        "program_id": program.pk,
        "cohort_id": cohort.pk,
        "submission_id": submission.pk,
        "message_id": message.pk,
    }


def test_no_request_the_schema_allows_makes_the_server_fail(weekly, bob, alice) -> None:
    seat = Membership.objects.get(circle=weekly, user=bob)
    goal = goal_services.goal_create(membership=seat, actor=bob, title="Run", target=10, milestones=["5 km"])
    checkin = checkin_services.checkin_submit(
        membership=seat,
        cycle=Cycle.objects.get(circle=weekly, index=1),
        actor=bob,
        answers=checkin_services.CheckinAnswers(wins="w"),
        expected_version=None,
    )
    real = {
        "community_id": weekly.community_id,
        "circle_id": weekly.pk,
        "checkin_id": checkin.pk,
        "goal_id": goal.pk,
        **more_real_ids(weekly, bob, alice),
    }
    headers = {
        "Authorization": f"Bearer {services.token_create(user=bob, name='fuzz', scope='write').secret}"
    }
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    with connection_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 15
        for operation in operations:

            @given(case=operation.as_strategy(), use_real_ids=st.booleans())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def call(case, use_real_ids: bool) -> None:
                if use_real_ids and case.path_parameters:
                    case.path_parameters = {k: real.get(k, v) for k, v in case.path_parameters.items()}
                response = case.call(headers=headers)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} {case.body!r} → {response.status_code}"
                    )

            call()
    record(
        "schemathesis",
        operations=len(operations),
        fuzz_cases=sum(statuses.values()),
        server_errors=len(failures),
    )
    assert not failures, failures
    # The run reached real objects, not only 404s and validation errors.
    assert statuses[200] >= 20, statuses
