from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from peerpact.checkins.models import Cycle
from peerpact.circles.models import Membership
from peerpact.roles import services, summaries
from peerpact.roles.models import CircleRole, CycleSummary, RoleAssignment, RoleKind, SwapRequest, SwapState
from peerpact.roles.tests.conftest import START

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def u(name, circle, **kwargs):
    return reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **kwargs})


def seat_of(user, circle):
    return Membership.objects.get(circle=circle, user=user)


def holds(circle, kind, user, index=1):
    services.roles_ensure(circle=circle)
    assignment, _created = RoleAssignment.objects.update_or_create(
        role=CircleRole.objects.get(circle=circle, kind=kind),
        cycle=Cycle.objects.get(circle=circle, index=index),
        defaults={"membership": seat_of(user, circle), "assigned_at": START},
    )
    return assignment


def test_roles_page_hands_out_roles_and_shows_duties_next_cycle_and_load(client, weekly, bob):
    client.force_login(bob)
    response = client.get(u("roles:index", weekly))
    html = response.content.decode()
    assert response.status_code == 200
    assert RoleAssignment.objects.filter(cycle__circle=weekly, cycle__index=1).count() == 3
    for text in (
        "This cycle (cycle 1)",
        "Next cycle (cycle 2)",
        "Check-in lead",
        "runs this cycle",
        "Load per member",
    ):
        assert text.lower() in html.lower()
    assert "Add a role" not in html  # members do not manage roles


def test_a_member_asks_to_swap_with_htmx_and_the_other_accepts(client, weekly, alice, bob):
    assignment = holds(weekly, RoleKind.LEAD, bob)
    client.force_login(bob)
    response = client.post(
        u("roles:swap-request", weekly, assignment_id=assignment.pk),
        {"offered_to": seat_of(alice, weekly).pk, "message": "Travelling"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Bob asks Alice to take Check-in lead" in html and "Travelling" in html
    swap = SwapRequest.objects.get()
    client.force_login(alice)
    response = client.post(u("roles:swap-decide", weekly, swap_id=swap.pk), {"decision": "accept"}, **HTMX)
    assert response.status_code == 200 and "took over from Bob" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.membership.user == alice


def test_without_javascript_a_swap_answer_redirects_with_a_message(client, weekly, alice, bob):
    assignment = holds(weekly, RoleKind.TRACKER, alice)
    swap = services.swap_request(assignment=assignment, actor=alice, offered_to=seat_of(bob, weekly))
    client.force_login(bob)
    response = client.post(
        u("roles:swap-decide", weekly, swap_id=swap.pk), {"decision": "decline"}, follow=True
    )
    assert response.redirect_chain[-1][0] == u("roles:index", weekly)
    assert "Alice keeps the role" in response.content.decode()
    swap.refresh_from_db()
    assert swap.state == SwapState.DECLINED


def test_a_bad_swap_request_re_renders_with_the_reason(client, weekly, bob):
    assignment = holds(weekly, RoleKind.LEAD, bob)
    client.force_login(bob)
    response = client.post(
        u("roles:swap-request", weekly, assignment_id=assignment.pk), {"offered_to": "999999"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_facilitator_adds_and_edits_roles_bad_input_keeps_the_text(client, weekly, alice):
    client.force_login(alice)
    response = client.post(u("roles:role-add", weekly), {"new-name": "", "new-duties": "Keeps the time"})
    assert response.status_code == 400 and "Keeps the time" in response.content.decode()
    response = client.post(
        u("roles:role-add", weekly), {"new-name": "Timekeeper", "new-duties": "Keeps the time"}
    )
    assert response.status_code == 302
    role = CircleRole.objects.get(circle=weekly, name="Timekeeper")
    response = client.post(
        u("roles:role-edit", weekly, role_id=role.pk), {"name": "Timekeeper", "duties": "Rings"}
    )
    role.refresh_from_db()
    assert response.status_code == 302 and role.duties == "Rings" and not role.is_active


def test_summary_editor_is_prefilled_with_the_draft_saves_and_publishes(client, weekly, alice, bob, clock):
    holds(weekly, RoleKind.SUMMARIZER, bob)
    c1 = Cycle.objects.get(circle=weekly, index=1)
    clock.move_to(c1.grace_until + timedelta(hours=1))
    client.force_login(bob)
    edit = u("roles:summary-edit", weekly, index=1)
    response = client.get(edit)
    assert response.status_code == 200 and "0 of 2 members checked in" in response.content.decode()
    response = client.post(edit, {"text": "Draft one", "action": "save"}, **HTMX)
    assert response.status_code == 200 and "Draft saved" in response.content.decode()
    assert CycleSummary.objects.get().published_at is None
    client.force_login(alice)
    assert "not published yet" in client.get(u("roles:summary", weekly, index=1)).content.decode().lower()
    client.force_login(bob)
    response = client.post(edit, {"text": "**Great** week", "action": "publish"})
    assert response.status_code == 302 and response["Location"] == u("roles:summary", weekly, index=1)
    client.force_login(alice)
    html = client.get(u("roles:summary", weekly, index=1)).content.decode()
    assert "<strong>Great</strong> week" in html and "By Bob" in html


def test_summary_text_is_sanitized(client, weekly, alice):
    c1 = Cycle.objects.get(circle=weekly, index=1)
    summaries.summary_publish(cycle=c1, actor=alice, text="<script>alert(1)</script> hi")
    client.force_login(alice)
    html = client.get(u("roles:summary", weekly, index=1)).content.decode()
    assert "<script>alert(1)" not in html


def test_empty_summary_is_refused_and_kept(client, weekly, alice):
    client.force_login(alice)
    response = client.post(u("roles:summary-edit", weekly, index=1), {"text": "", "action": "publish"})
    assert response.status_code == 400


def test_summary_of_a_cycle_not_started_is_not_found(client, weekly, alice):
    client.force_login(alice)
    assert client.get(u("roles:summary-edit", weekly, index=2)).status_code == 404


def test_board_and_home_show_roles_this_cycle(client, weekly, alice, bob):
    holds(weekly, RoleKind.SUMMARIZER, bob)
    client.force_login(bob)
    board = client.get(u("checkins:board", weekly)).content.decode()
    assert "Roles this cycle" in board and "Write the cycle summary" in board
    home = client.get(reverse("home")).content.decode()
    assert "Your role this week" in home and "Summarizer" in home
    client.force_login(alice)
    assert "Your role this week" not in client.get(reverse("home")).content.decode()
