"""The applicant's form on the public link: apply, change until close, then read-only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from conftest import START
from peerpact.formation.models import Application
from peerpact.formation.services import intakes as services

pytestmark = pytest.mark.django_db


def apply_url(intake: Any) -> str:
    return reverse("intake:apply", kwargs={"token": intake.token})


def form_data(intake: Any, **changes: Any) -> dict[str, Any]:
    q = intake.q
    data: dict[str, Any] = {
        "timezone": "America/New_York",
        "availability": ["18", "19", "66"],
        "languages": ["en"],
        "stage": "1",
        "intentions": ["Learn from peers"],
        "skills_have": ["Writing"],
        "skills_want": ["Design"],
        "preferred_size": "5",
        f"q_{q.choice.pk}": "Evenings",
        f"q_{q.scale.pk}": "4",
        f"q_{q.identity.pk}": ["Omega group"],
        "with_emails": "alice@example.com",
        "not_with_emails": "dave@example.com",
        "note": "Mornings are hard for me.",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_anonymous_people_are_sent_to_log_in(client: Any, open_intake: Any) -> None:
    response = client.get(apply_url(open_intake))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={apply_url(open_intake)}"


def test_an_unknown_link_is_a_404(client: Any, bob: Any) -> None:
    client.force_login(bob)
    assert client.get(reverse("intake:apply", kwargs={"token": "nope"})).status_code == 404


def test_a_drafts_link_is_a_404_except_for_organizers_who_get_a_preview(
    client: Any, intake: Any, bob: Any, circle: Any, olivia: Any
) -> None:
    client.force_login(bob)
    assert client.get(apply_url(intake)).status_code == 404
    client.force_login(olivia)
    response = client.get(apply_url(intake))
    assert response.status_code == 200
    assert "Preview: this intake is a draft" in response.content.decode()
    assert client.post(apply_url(intake), form_data(intake)).status_code == 403
    assert not Application.objects.exists()


def test_the_form_shows_the_welcome_and_defaults_to_the_profile_zone(
    client: Any, open_intake: Any, erin: Any
) -> None:
    erin.timezone = "Asia/Kolkata"
    erin.save(update_fields=["timezone"])
    client.force_login(erin)  # anyone logged in with the link may apply to a community intake
    response = client.get(apply_url(open_intake))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Spring circles" in body and "<strong>Welcome!</strong>" in body
    assert '<option value="Asia/Kolkata" selected>' in body
    assert "Monday 18:00–19:00" in body and "<caption" in body
    assert "nobody, including organizers, sees this answer" in body
    assert "English" in body and ("Español" in body or "Spanish" in body)


def test_apply_then_change_the_answers(client: Any, open_intake: Any, bob: Any, circle: Any) -> None:
    client.force_login(bob)
    response = client.post(apply_url(open_intake), form_data(open_intake), follow=True)
    assert response.redirect_chain == [(apply_url(open_intake), 302)]
    body = response.content.decode()
    # The closing time (12 January 09:00 UTC) in bob's zone, New York.
    assert "Your answers are saved. You can change them until" in body and "4 a.m." in body
    application = Application.objects.get(user=bob)
    q = open_intake.q
    assert application.availability == [18, 19, 66] and application.stage == 1
    assert application.answers == {q.choice.key: "Evenings", q.scale.key: 4}
    assert application.identity == {q.identity.key: ["Omega group"]}
    assert application.with_emails == ["alice@example.com"]
    # Prefilled on the next visit, then changed.
    assert 'value="66" checked' in body and "Mornings are hard for me." in body
    client.post(apply_url(open_intake), form_data(open_intake, stage="3", availability=["20"]))
    application.refresh_from_db()
    assert (application.stage, application.availability) == (3, [20])


def test_bad_input_rerenders_with_the_text_kept(client: Any, open_intake: Any, bob: Any, circle: Any) -> None:
    client.force_login(bob)
    response = client.post(
        apply_url(open_intake),
        form_data(
            open_intake, availability=None, stage=None, with_emails="bob@example.com", note="Keep my words"
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Mark at least one hour a week" in body and "Leave out your own address." in body
    assert "Choose the stage closest to yours." in body
    q = open_intake.q
    assert "Keep my words" in body and f'value="Evenings" id="id_q_{q.choice.pk}_1" checked' in body
    assert f'value="Omega group" id="id_q_{q.identity.pk}_1" checked' in body
    assert not Application.objects.exists()


def test_a_required_question_left_empty_is_flagged_on_its_field(
    client: Any, open_intake: Any, bob: Any, circle: Any
) -> None:
    client.force_login(bob)
    response = client.post(
        apply_url(open_intake), form_data(open_intake, **{f"q_{open_intake.q.scale.pk}": None})
    )
    assert response.status_code == 400
    assert "Please answer this question." in response.content.decode()


def test_answers_are_read_only_after_the_close(
    client: Any, open_intake: Any, bob: Any, circle: Any, clock: Any
) -> None:
    client.force_login(bob)
    client.post(apply_url(open_intake), form_data(open_intake))
    clock.move_to(open_intake.closes_at + timedelta(minutes=1))
    response = client.get(apply_url(open_intake))
    body = response.content.decode()
    assert response.status_code == 200 and "This intake is closed" in body
    # The applicant's own summary includes their private answer: it is theirs.
    assert "Your answers" in body and "Omega group" in body and "Mon 18:00–20:00" in body
    assert 'name="availability"' not in body
    response = client.post(apply_url(open_intake), form_data(open_intake, stage="0"))
    assert response.status_code == 403 and "not taking applications" in response.content.decode()
    assert Application.objects.get(user=bob).stage == 1


def test_a_closed_intake_says_so_to_those_who_did_not_apply(
    client: Any, open_intake: Any, olivia: Any, dave: Any, other_circle: Any
) -> None:
    services.intake_close(intake=open_intake, actor=olivia, now=START)
    client.force_login(dave)
    body = client.get(apply_url(open_intake)).content.decode()
    assert "This intake is closed" in body and "You did not apply" in body


def test_withdraw_and_apply_again(client: Any, open_intake: Any, bob: Any, circle: Any) -> None:
    client.force_login(bob)
    client.post(apply_url(open_intake), form_data(open_intake))
    withdraw = reverse("intake:withdraw", kwargs={"token": open_intake.token})
    assert client.get(withdraw).status_code == 405
    response = client.post(withdraw, follow=True)
    assert "Your application is withdrawn" in response.content.decode()
    assert Application.objects.get(user=bob).withdrawn_at == START
    assert client.post(withdraw).status_code == 403  # nothing left to withdraw
    client.post(apply_url(open_intake), form_data(open_intake))
    assert Application.objects.get(user=bob).withdrawn_at is None


def test_withdrawing_without_an_application_says_why(client: Any, open_intake: Any, dave: Any) -> None:
    client.force_login(dave)
    response = client.post(reverse("intake:withdraw", kwargs={"token": open_intake.token}))
    assert response.status_code == 403 and "no application to withdraw" in response.content.decode()
