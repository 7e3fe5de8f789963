"""Hypothesis on the main forms, through the real views: arbitrary unicode, huge numbers and odd dates
never make a 5xx or an uncaught exception; refused input comes back as a 400 form with the person's
text kept; good input is saved exactly.

PEERPACT_FUZZ_EXAMPLES sets the examples per form (`make soak` raises it).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpact.feedback.models import Comment
from peerpact.goals.models import Goal
from tests.reliability.figures import knob, record
from tests.reliability.test_double_submit import bob_checkin, u

pytestmark = pytest.mark.django_db
EXAMPLES = knob("PEERPACT_FUZZ_EXAMPLES", 12)
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

ODD_VALUES = [
    "", " ", "\x00", "\t\n", "0", "-1", "-0", "1e309", "9" * 400, "NaN", "inf", "0x10", "1,5", "٣",
    "2026-02-30", "0000-01-01", "9999-12-31", "10000-01-01", "2026-13-01", "31/12/2026",
    "<script>alert(1)</script>", "'; DROP TABLE x; --", "a" * 5000, "\u202e\u0645\u0631\u062d\u0628\u0627",
    "🧗‍♀️" * 50, "null", "[]", "{}",
]  # fmt: skip
odd = st.one_of(
    st.text(max_size=300),
    st.sampled_from(ODD_VALUES),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
    st.floats().map(repr),
)
# Text a person might type: any letters, marks, numbers, punctuation, symbols and spaces; no control
# characters; nothing to strip at the ends.
PLAIN = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=80
).filter(lambda s: s == s.strip() and not re.search(r"\s\s", s))


def check(response: Any, counts: Counter[str], form: str, kept: dict[str, str]) -> None:
    """No server error; a refused form is a 400 that still shows what the person typed."""
    counts[form] += 1
    assert response.status_code < 500, (form, response.status_code)
    if response.status_code == 400:
        page = response.content.decode()
        for field, value in kept.items():
            if PLAIN_RE.fullmatch(value):
                assert escape(value) in page, f"{form}: {field}={value!r} was not kept"


PLAIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9 .,!?-]{0,60}")  # echoed unchanged by any widget


@pytest.fixture
def counts() -> Counter[str]:
    return Counter()


def test_the_goal_form_takes_any_input_without_a_server_error(client, weekly, bob, counts) -> None:
    client.force_login(bob)
    url = u("goals:create", weekly)
    base = {"title": "Run", "direction": "increase", "unit": "km", "target": "10", "visibility": "circle"}
    base.update(status="active", starts_on="2026-01-05", baseline="0")

    @fuzz
    @given(
        field=st.sampled_from(
            ["title", "why", "unit", "baseline", "target", "starts_on", "due_on", "milestones"]
        ),
        value=odd,
        direction=st.sampled_from(["increase", "decrease", "done", "sideways", ""]),
    )
    def post(field: str, value: str, direction: str) -> None:
        data = {**base, "direction": direction, field: value}
        check(client.post(url, data), counts, "goal", {"title": data["title"], "why": data.get("why", "")})

    post()
    record("form fuzz: goal", fuzz_cases=counts["goal"], server_errors=0)


def test_a_good_goal_is_saved_exactly(client, weekly, bob, counts) -> None:
    client.force_login(bob)
    url = u("goals:create", weekly)

    @fuzz
    @given(title=PLAIN, why=PLAIN, target=st.decimals(min_value=1, max_value=10**6, places=2))
    def post(title: str, why: str, target: Any) -> None:
        counts["good goal"] += 1
        data = {"title": title, "why": why, "direction": "increase", "unit": "km", "target": str(target)}
        response = client.post(
            url,
            {**data, "visibility": "circle", "status": "active", "starts_on": "2026-01-05", "baseline": "0"},
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
        goal = Goal.objects.filter(membership__user=bob).latest("pk")
        assert (goal.title, goal.why, goal.target) == (title, why, target)

    post()
    record("form fuzz: good goals", fuzz_cases=counts["good goal"], server_errors=0)


def test_the_check_in_form_takes_any_input_without_a_server_error(client, weekly, bob, counts) -> None:
    client.force_login(bob)
    url = u("checkins:checkin", weekly)

    @fuzz
    @given(
        wins=odd,
        blockers=odd,
        help=odd,
        version=st.sampled_from(["0", "1", "-1", "", "9" * 40, "x"]),
        visibility=st.sampled_from(["circle", "facilitators", "public", ""]),
        extra=st.tuples(st.sampled_from(["confidence", "mood", "next_commitments"]), odd),
    )
    def post(
        wins: str, blockers: str, help: str, version: str, visibility: str, extra: tuple[str, str]
    ) -> None:
        data = {"wins": wins, "blockers": blockers, "help_request": help, "version": version}
        data.update({"visibility": visibility, extra[0]: extra[1]})
        check(client.post(url, data), counts, "check-in", {"wins": wins, "blockers": blockers})

    post()
    record("form fuzz: check-in", fuzz_cases=counts["check-in"], server_errors=0)


def test_the_comment_form_keeps_or_saves_any_text(client, weekly, bob, counts) -> None:
    checkin = bob_checkin(weekly, bob)
    client.force_login(bob)
    url = u("feedback:comment-add", weekly, checkin_id=checkin.pk)

    @fuzz
    @given(body=st.one_of(odd, PLAIN))
    def post(body: str) -> None:
        response = client.post(url, {"comment-body": body})
        check(response, counts, "comment", {"comment-body": body})
        if PLAIN_RE.fullmatch(body) and response.status_code == 302:
            assert Comment.objects.filter(checkin=checkin, body=body).exists()

    post()
    record("form fuzz: comment", fuzz_cases=counts["comment"], server_errors=0)


def test_the_circle_invitation_form_takes_any_input(client, circle, alice, counts) -> None:
    client.force_login(alice)
    url = reverse("circles:members", kwargs={"community": circle.community.slug, "circle": circle.slug})

    @fuzz
    @given(email=st.one_of(odd, st.emails().map(str)), message=odd)
    def post(email: str, message: str) -> None:
        check(client.post(url, {"email": email, "message": message}), counts, "invite", {"message": message})

    post()
    record("form fuzz: circle invitation", fuzz_cases=counts["invite"], server_errors=0)


def test_the_intake_application_takes_any_answers(client, open_intake, bob, counts) -> None:
    from peerpact.formation.tests.test_apply_views import apply_url, form_data

    client.force_login(bob)
    url = apply_url(open_intake)
    fields = ["timezone", "stage", "preferred_size", "with_emails", "not_with_emails", "note", "languages"]

    @fuzz
    @given(field=st.sampled_from(fields), value=odd, scale=odd)
    def post(field: str, value: str, scale: str) -> None:
        data = form_data(open_intake, **{field: value, f"q_{open_intake.q.scale.pk}": scale})
        check(client.post(url, data), counts, "intake", {"note": data.get("note", "")})

    post()
    record("form fuzz: intake application", fuzz_cases=counts["intake"], server_errors=0)
