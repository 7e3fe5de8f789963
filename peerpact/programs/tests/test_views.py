from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peerpact.communities import services as community_services
from peerpact.programs import selectors, services
from peerpact.programs.models import Applied, Enrollment, FollowUp, ModuleView, ReviewAssignment, Submission
from peerpact.programs.tests.conftest import START, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def pia(cohort, olivia, make_user):
    """A second learner of the cohort, in no circle."""
    user = make_user("pia@example.com", "Pia")
    community_services.community_member_add(community=cohort.program.community, user=user)
    services.enrollment_add(cohort=cohort, actor=olivia, user=user, now=START)
    return user


def url(name, cohort, **kwargs):
    return reverse(name, kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk, **kwargs})


def test_the_gallery_opens_only_after_my_own_submission(client, cohort, module, bob, pia):
    submit(cohort, module, pia, "Pia asked her team for feedback")
    client.force_login(bob)
    page = client.get(url("programs:module", cohort, module_id=module.pk)).content.decode()
    assert "Pia asked her team" not in page and "Share your own action first" in page
    response = client.post(
        url("programs:submit", cohort, module_id=module.pk),
        {"text": "Bob asked his manager", "links": "https://example.com/notes"},
    )
    assert response.status_code == 302
    page = client.get(url("programs:module", cohort, module_id=module.pk)).content.decode()
    assert "Pia asked her team" in page and "Bob asked his manager" in page


def test_the_facilitator_sees_the_gallery_and_picks_highlights(client, cohort, module, alice, pia):
    submission = submit(cohort, module, pia, "Pia asked her team for feedback")
    client.force_login(alice)
    page = client.get(url("programs:module", cohort, module_id=module.pk)).content.decode()
    assert "Pia asked her team" in page
    client.post(url("programs:highlight", cohort, submission_id=submission.pk), {"on": "true"})
    assert Submission.objects.get(pk=submission.pk).highlight.chosen_by == alice
    assert not ModuleView.objects.filter(enrollment__user=alice).exists()  # leads are not learners


def test_opening_a_module_records_the_first_view(client, cohort, module, bob):
    client.force_login(bob)
    client.get(url("programs:module", cohort, module_id=module.pk))
    client.get(url("programs:module", cohort, module_id=module.pk))
    assert ModuleView.objects.filter(enrollment__user=bob, module=module).count() == 1


def test_a_bad_upload_re_renders_the_form_with_the_text_kept(client, cohort, module, bob):
    client.force_login(bob)
    response = client.post(
        url("programs:submit", cohort, module_id=module.pk),
        {"text": "My careful write-up", "uploads": [SimpleUploadedFile("x.html", b"<p>hi</p>")]},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "My careful write-up" in body and "not accepted" in body
    assert not Submission.objects.exists()


def test_attachments_are_served_as_downloads_to_the_cohort_only(
    client, cohort, module, bob, pia, alice, dave, carol, erin, otto, other_circle
):
    submission = submit(cohort, module, bob, files=[SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")])
    link = url("programs:attachment", cohort, attachment_id=submission.attachments.get().pk)
    for person, status in [
        (bob, 200),
        (alice, 200),
        (otto, 200),
        (pia, 404),
        (dave, 404),
        (carol, 404),
        (erin, 404),
    ]:
        client.force_login(person)
        response = client.get(link)
        assert response.status_code == status, person
        if status == 200:
            assert response["Content-Disposition"].startswith('attachment; filename="plan.pdf"')
            assert response["X-Content-Type-Options"] == "nosniff"
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    # pia sees the gallery (and bob's file) once she has submitted.
    submit(cohort, module, pia)
    client.force_login(pia)
    assert client.get(link).status_code == 200
    client.logout()
    assert client.get(link).status_code == 302


def test_a_reviewer_can_open_the_file_before_submitting_herself(client, cohort, module, bob, alice):
    submission = submit(cohort, module, bob, files=[SimpleUploadedFile("n.txt", b"notes")])
    services.reviews_allocate(module=module, cohort=cohort, now=START)
    client.force_login(alice)
    assert (
        client.get(
            url("programs:attachment", cohort, attachment_id=submission.attachments.get().pk)
        ).status_code
        == 200
    )


def test_a_review_through_the_pages_then_feedback_and_rating(client, cohort, module, bob, pia):
    submit(cohort, module, bob)
    submit(cohort, module, pia)
    services.reviews_allocate(module=module, cohort=cohort, now=START)
    task = ReviewAssignment.objects.get(reviewer=pia)
    client.force_login(pia)
    form = client.get(url("programs:review", cohort, assignment_id=task.pk))
    assert form.status_code == 200 and "I tried it." in form.content.decode()
    task.refresh_from_db()
    assert task.started_at is not None  # opening it starts it: bob's submission is now frozen
    data = {f"criterion_{c.pk}": "3" for c in module.criteria.all()}
    assert (
        client.post(
            url("programs:review", cohort, assignment_id=task.pk), {**data, "feedback": ""}
        ).status_code
        == 400
    )
    response = client.post(
        url("programs:review", cohort, assignment_id=task.pk), {**data, "feedback": "Specific and brave."}
    )
    assert response.status_code == 302
    client.force_login(bob)
    page = client.get(url("programs:feedback", cohort, module_id=module.pk)).content.decode()
    assert "Specific and brave." in page and "Strong" in page
    assert (
        client.post(url("programs:review-rate", cohort, assignment_id=task.pk), {"helpful": "5"}).status_code
        == 302
    )
    assert task.review.__class__.objects.get(pk=task.review.pk).helpful == 5
    # Someone else's review task is a 404, even for an organizer-looking URL guess.
    client.force_login(pia)
    other = ReviewAssignment.objects.exclude(reviewer=pia).first()
    assert client.get(url("programs:review", cohort, assignment_id=other.pk)).status_code == 404


def test_insights_show_the_implementation_gap(cohort, module, bob, pia, olivia, make_user):
    third = make_user("quinn@example.com", "Quinn")
    community_services.community_member_add(community=cohort.program.community, user=third)
    services.enrollment_add(cohort=cohort, actor=olivia, user=third, now=START)
    for user in (bob, pia, third):
        services.module_view_record(
            enrollment=Enrollment.objects.get(cohort=cohort, user=user), module=module, now=START
        )
    submit(cohort, module, bob)
    submit(cohort, module, pia)
    later = cohort.followup_at(module)
    services.followups_send(now=later)
    for user, applied in ((bob, Applied.YES), (pia, Applied.NO)):
        followup = FollowUp.objects.get(enrollment__user=user)
        services.followup_answer(followup=followup, actor=user, applied=applied, how="", now=later)
    data = selectors.cohort_insights(cohort=cohort, now=later)
    first = data.modules[0]
    assert (first.enrolled, first.viewed, first.submitted, first.viewed_no_action) == (3, 3, 2, 1)
    assert (first.applied_yes, first.applied_partly, first.applied_no) == (1, 0, 1)
    assert first.completion_percent == 67 and first.missed == 1
    risk = {row.enrollment.user.email: row.risk for row in data.learners}
    assert risk["quinn@example.com"] == "high"  # missed both modules by then


def test_time_to_feedback_is_measured_from_submission_to_first_review(cohort, module, bob, alice):
    submit(cohort, module, bob)
    [task] = services.reviews_allocate(module=module, cohort=cohort, now=START)
    services.review_submit(
        assignment=task,
        actor=alice,
        scores={c.pk: 2 for c in module.criteria.all()},
        feedback="Nice",
        now=START + timedelta(hours=30),
    )
    data = selectors.cohort_insights(cohort=cohort, now=START + timedelta(days=2))
    assert data.modules[0].median_hours_to_feedback == 30.0
    assert data.modules[0].reviews_done == 1


def test_the_csv_has_a_row_per_learner_and_module(client, cohort, module, bob, alice):
    submit(cohort, module, bob)
    client.force_login(alice)
    response = client.get(url("programs:insights-csv", cohort))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["learner", "huddle", "enrollment", "module", "status"]
    assert [r[4] for r in rows[1:]] == ["submitted", "open"]
    assert rows[1][0] == "Bob" and rows[1][1] == "Weekly Wins"


def test_learners_do_not_see_insights(client, cohort, bob):
    client.force_login(bob)
    response = client.get(url("programs:insights", cohort))
    assert response.status_code == 403 and "facilitators" in response.content.decode()


def test_the_follow_up_page_makes_a_commitment(client, cohort, module, bob, alice, circle):
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.services import RhythmSpec

    checkin_services.rhythm_set(circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]), now=START)
    submit(cohort, module, bob)
    services.followups_send(now=cohort.followup_at(module))
    followup = FollowUp.objects.get()
    client.force_login(bob)
    assert client.get(url("programs:followup", cohort, followup_id=followup.pk)).status_code == 200
    response = client.post(
        url("programs:followup", cohort, followup_id=followup.pk),
        {
            "applied": "partly",
            "how": "Tried once",
            "make_commitment": "on",
            "commitment_text": "Try it twice",
        },
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.commitment.text == "Try it twice"


def test_authoring_through_the_pages(client, community, olivia, circle):
    client.force_login(olivia)
    response = client.post(
        reverse("programs:create", kwargs={"community": community.slug}), {"title": "Habits"}
    )
    assert response.status_code == 302
    slug = "habits"
    kw = {"community": community.slug, "program": slug}
    module = {
        "title": "Tiny habits",
        "content": "Start *small*.\n\n<script>alert(1)</script>",
        "video_url": "https://video.example/tiny",
        "video_title": "Tiny habits talk",
        "action_challenge": "Pick one tiny habit.",
        "due_days": "7",
        "reviews_k": "2",
        "review_days": "5",
        "followup_weeks": "3",
    }
    response = client.post(reverse("programs:module-create", kwargs=kw), module)
    assert response.status_code == 302
    from peerpact.programs.models import Module, Program

    created = Module.objects.get(title="Tiny habits")
    response = client.post(
        reverse("programs:rubric", kwargs={**kw, "module_id": created.pk}),
        {"name": "Clarity", "levels": "1 | Vague | \n2 | Clear | Anyone could do it"},
    )
    assert response.status_code == 302 and created.criteria.get().scores == [1, 2]
    client.post(reverse("programs:status", kwargs=kw), {"status": "published"})
    assert Program.objects.get(slug=slug).is_published
    response = client.post(
        reverse("programs:cohort-create", kwargs=kw),
        {"name": "First run", "starts_on": "2026-03-02", "timezone": "Europe/Madrid", "huddles": [circle.pk]},
    )
    assert response.status_code == 302
    cohort = Program.objects.get(slug=slug).cohorts.get()
    page = client.get(url("programs:module", cohort, module_id=created.pk)).content.decode()
    assert "<em>small</em>" in page and "<script>alert" not in page
    assert 'href="https://video.example/tiny"' in page and "<iframe" not in page
