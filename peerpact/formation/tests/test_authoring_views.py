"""Organizer pages: who gets in, what forms keep on bad input, and that identity answers never show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from conftest import START
from peerpact.formation.models import Intake, IntakeQuestion, IntakeStatus
from peerpact.formation.services import intakes as services
from peerpact.formation.tests.conftest import IDENTITY_OPTIONS

pytestmark = pytest.mark.django_db


def url(name: str, intake: Any, **extra: Any) -> str:
    return reverse(
        f"formation:{name}", kwargs={"community": intake.community.slug, "intake": intake.pk, **extra}
    )


def intake_form(**changes: Any) -> dict[str, str]:
    data = {
        "title": "Summer pool",
        "welcome": "Hello",
        "closes_at": "",
        "cohort": "",
        "stage_labels": "New\nGrowing\nSeasoned",
        "intention_options": "Learn\nShip",
        "skill_options": "Writing\nDesign",
        "language_options": "en\nes",
        "size_min": "4",
        "size_max": "6",
        "min_common_hours": "2",
        "require_common_language": "on",
        "weight_stage": "1",
        "weight_intentions": "1",
        "weight_skills": "1.5",
        "weight_with": "1",
    }
    return {**data, **changes}


# -- who gets in -----------------------------------------------------------------------------------


def test_organizers_see_the_intake_list_with_applicant_counts(
    client: Any, otto: Any, bob_application: Any
) -> None:
    client.force_login(otto)
    response = client.get(
        reverse("formation:list", kwargs={"community": bob_application.intake.community.slug})
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Spring circles" in body and "<td>1</td>" in body and "Open for applications" in body


def test_members_are_told_why_they_cannot_author(
    client: Any, bob: Any, circle: Any, open_intake: Any
) -> None:
    client.force_login(bob)
    for page in (
        reverse("formation:list", kwargs={"community": open_intake.community.slug}),
        url("detail", open_intake),
    ):
        response = client.get(page)
        assert response.status_code == 403
        assert "Only the community&#x27;s organizers run intakes" in response.content.decode()


def test_outsiders_get_a_404_and_anonymous_a_login(client: Any, carol: Any, open_intake: Any) -> None:
    page = url("applications", open_intake)
    response = client.get(page)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(carol)
    assert client.get(page).status_code == 404


def test_another_communitys_intake_is_a_404_through_our_url(
    client: Any, olivia: Any, community: Any, other_community: Any, carol: Any, clock: Any
) -> None:
    theirs = services.intake_create(community=other_community, actor=carol, title="Theirs")
    client.force_login(olivia)
    page = reverse("formation:detail", kwargs={"community": community.slug, "intake": theirs.pk})
    assert client.get(page).status_code == 404


def test_the_community_page_links_organizers_to_intakes(
    client: Any, olivia: Any, bob: Any, circle: Any
) -> None:
    page = reverse("communities:detail", kwargs={"slug": circle.community.slug})
    link = reverse("formation:list", kwargs={"community": circle.community.slug})
    client.force_login(olivia)
    assert link in client.get(page).content.decode()
    client.force_login(bob)
    assert link not in client.get(page).content.decode()


# -- intakes ---------------------------------------------------------------------------------------


def test_create_a_draft_intake(client: Any, otto: Any, community: Any, clock: Any) -> None:
    client.force_login(otto)
    response = client.post(reverse("formation:create", kwargs={"community": community.slug}), intake_form())
    intake = Intake.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", intake)
    assert (intake.status, intake.stage_labels, intake.language_options) == (
        IntakeStatus.DRAFT,
        ["New", "Growing", "Seasoned"],
        ["en", "es"],
    )
    assert intake.weight_skills == 1.5 and intake.require_common_language


def test_the_create_form_offers_the_default_options(client: Any, otto: Any, community: Any) -> None:
    client.force_login(otto)
    body = client.get(reverse("formation:create", kwargs={"community": community.slug})).content.decode()
    assert "Learn from peers" in body and 'type="datetime-local"' in body


def test_closing_time_is_read_in_the_organizers_zone(
    client: Any, otto: Any, community: Any, clock: Any
) -> None:
    otto.timezone = "Asia/Tokyo"
    otto.save(update_fields=["timezone"])
    client.force_login(otto)
    client.post(
        reverse("formation:create", kwargs={"community": community.slug}),
        intake_form(closes_at="2026-02-01T09:00"),
    )
    intake = Intake.objects.get()
    assert intake.closes_at == datetime(2026, 2, 1, 0, 0, tzinfo=UTC)
    edit = client.get(url("edit", intake)).content.decode()
    assert 'value="2026-02-01T09:00"' in edit


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"size_min": "6", "size_max": "4"}, "The largest circle cannot be smaller than the smallest."),
        ({"language_options": "en\nklingon"}, "Unknown language codes: klingon"),
        ({"stage_labels": "Just one"}, "Give at least 2 options."),
    ],
)
def test_bad_intake_input_rerenders_with_the_text_kept(
    client: Any, otto: Any, community: Any, clock: Any, changes: dict[str, str], message: str
) -> None:
    client.force_login(otto)
    response = client.post(
        reverse("formation:create", kwargs={"community": community.slug}),
        intake_form(title="Keep this title", welcome="Keep this welcome", **changes),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "Keep this title" in body and "Keep this welcome" in body
    assert not Intake.objects.exists()


def test_edit_has_no_cohort_and_saves(client: Any, olivia: Any, intake: Any) -> None:
    client.force_login(olivia)
    assert 'name="cohort"' not in client.get(url("edit", intake)).content.decode()
    response = client.post(url("edit", intake), intake_form(title="Renamed", closes_at="2026-01-20T10:00"))
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.title == "Renamed" and intake.skill_options == ["Writing", "Design"]


def test_open_and_close_from_the_detail_page(client: Any, olivia: Any, intake: Any) -> None:
    client.force_login(olivia)
    detail = client.get(url("detail", intake)).content.decode()
    assert f"http://testserver/apply/{intake.token}/" in detail and 'value="open"' in detail
    client.post(url("status", intake), {"action": "open"})
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.OPEN
    assert 'value="close"' in client.get(url("detail", intake)).content.decode()
    client.post(url("status", intake), {"action": "close"})
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.CLOSED


def test_opening_after_the_closing_time_says_why(client: Any, olivia: Any, intake: Any, clock: Any) -> None:
    clock.move_to(START + timedelta(days=8))
    client.force_login(olivia)
    response = client.post(url("status", intake), {"action": "open"}, follow=True)
    assert "The closing time has passed" in response.content.decode()
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DRAFT


def test_status_is_post_only(client: Any, olivia: Any, intake: Any) -> None:
    client.force_login(olivia)
    assert client.get(url("status", intake)).status_code == 405


# -- questions -------------------------------------------------------------------------------------


def test_add_an_identity_question(client: Any, olivia: Any, intake: Any) -> None:
    client.force_login(olivia)
    response = client.post(
        url("question-create", intake),
        {
            "kind": "identity",
            "prompt": "Are you a parent?",
            "options": "Yes\nNo",
            "protected_options": "Yes",
            "scale_min": "1",
            "scale_max": "5",
            "weight": "1",
            "direction": "similar",
        },
    )
    assert response.status_code == 302
    question = intake.questions.get(prompt="Are you a parent?")
    assert (question.kind, question.protected_options, question.weight) == ("identity", ["Yes"], 0.0)


def test_a_bad_question_rerenders_with_the_text_kept(client: Any, olivia: Any, intake: Any) -> None:
    client.force_login(olivia)
    response = client.post(
        url("question-create", intake),
        {
            "kind": "identity",
            "prompt": "Kept prompt",
            "options": "First kept\nSecond kept",
            "protected_options": "",
            "scale_min": "1",
            "scale_max": "5",
            "weight": "1",
            "direction": "similar",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose at least one group" in body and "Kept prompt" in body and "Second kept" in body


def test_edit_a_question_but_not_its_kind(client: Any, olivia: Any, intake: Any) -> None:
    client.force_login(olivia)
    question = intake.q.choice
    response = client.post(
        url("question-edit", intake, question=question.pk),
        {
            "kind": "multi",  # disabled on the form: ignored
            "prompt": "Mornings, afternoons or evenings?",
            "options": "Mornings\nAfternoons\nEvenings",
            "scale_min": "1",
            "scale_max": "5",
            "weight": "2",
            "direction": "similar",
        },
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.kind, question.options, question.weight) == (
        "choice",
        ["Mornings", "Afternoons", "Evenings"],
        2,
    )


def test_delete_and_move_questions(client: Any, olivia: Any, intake: Any) -> None:
    client.force_login(olivia)
    client.post(url("question-move", intake, question=intake.q.scale.pk), {"direction": "up"})
    assert list(intake.questions.values_list("pk", flat=True)) == [
        intake.q.scale.pk,
        intake.q.choice.pk,
        intake.q.identity.pk,
    ]
    client.post(url("question-delete", intake, question=intake.q.choice.pk))
    assert not IntakeQuestion.objects.filter(pk=intake.q.choice.pk).exists()


def test_a_question_of_another_intake_is_a_404(client: Any, olivia: Any, intake: Any, community: Any) -> None:
    other = services.intake_create(community=community, actor=olivia, title="Other")
    client.force_login(olivia)
    response = client.post(url("question-delete", other, question=intake.q.choice.pk))
    assert response.status_code == 404
    assert IntakeQuestion.objects.filter(pk=intake.q.choice.pk).exists()


# -- applications ----------------------------------------------------------------------------------


def test_applications_are_readable_in_the_applicants_zone(
    client: Any, otto: Any, bob_application: Any
) -> None:
    client.force_login(otto)
    body = client.get(url("applications", bob_application.intake)).content.decode()
    assert "Bob" in body and "Finding my feet" in body and "English" in body
    assert "Mon 18:00–20:00" in body and "Wed 18:00–19:00" in body and "America/New_York" in body
    assert "alice@example.com" in body and "dave@example.com" in body
    assert "Evenings" in body and "I travel in March." in body


def test_withdrawn_applications_are_listed_apart(
    client: Any, otto: Any, bob: Any, bob_application: Any
) -> None:
    services.application_withdraw(application=bob_application, user=bob, now=START)
    client.force_login(otto)
    body = client.get(url("applications", bob_application.intake)).content.decode()
    assert "0 applicants" in body
    withdrawn = body[body.index('id="withdrawn-title"') :]
    assert "Bob" in withdrawn


def test_identity_answers_are_on_no_organizer_page(client: Any, olivia: Any, bob_application: Any) -> None:
    intake = bob_application.intake
    client.force_login(olivia)
    pages = [
        url("applications", intake),
        reverse("formation:list", kwargs={"community": intake.community.slug}),
    ]
    for page in pages:
        body = client.get(page).content.decode()
        assert not [option for option in IDENTITY_OPTIONS if option in body], page
        assert intake.q.identity.prompt not in body, page


def test_identity_answers_are_not_in_the_admin(client: Any, make_user: Any, bob_application: Any) -> None:
    root = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(root)
    pages = [
        reverse("admin:formation_application_changelist"),
        reverse("admin:formation_application_change", args=[bob_application.pk]),
        reverse("admin:formation_application_changelist") + "?q=Zeta",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.content.decode()
        assert "Zeta group" not in body and 'name="identity"' not in body, page
    # Searching by a private answer finds nobody.
    assert "0 applications" in client.get(pages[2]).content.decode()
