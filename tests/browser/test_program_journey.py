"""A learner's module, in a real browser: he reads the module, shares what he did (with a file), reviews
two peers with the rubric, and reads the feedback he received. Every page is checked by `PageWatch`
(axe, console errors, CSP violations). Peers and the facilitator act through the services."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpact.communities import services as community_services
from peerpact.programs import services
from peerpact.programs.models import ReviewAssignment
from tests.browser.conftest import PageWatch
from tests.browser.test_weekly_loop import log_in

LEVELS = [
    {"score": 1, "label": "Planned", "description": "Not tried yet"},
    {"score": 2, "label": "Tried", "description": "Tried it once"},
    {"score": 3, "label": "Practised", "description": "Tried it and adjusted"},
]
ACTION = "I asked my manager and a peer for feedback on my weekly report. I now lead with three bullets."


@pytest.fixture
def cohort(community: Any, olivia: Any, circle: Any, make_user: Any) -> Any:
    program = services.program_create(community=community, actor=olivia, title="Lead with feedback")
    module = services.module_create(
        program=program,
        actor=olivia,
        title="Ask for feedback",
        content="People who **ask** for feedback get more of it.",
        video_url="https://video.example/ask",
        video_title="How to ask (8 minutes)",
        action_challenge="Ask two people for feedback on one piece of work.",
        due_days=7,
        reviews_k=2,
    )
    for name in ("Action taken", "Reflection"):
        services.criterion_add(module=module, actor=olivia, name=name, levels=LEVELS)
    services.program_set_status(program=program, actor=olivia, status="published")
    cohort = services.cohort_create(
        program=program,
        actor=olivia,
        name="Spring",
        starts_on=date.today(),
        huddles=[circle],
        now=timezone.now(),
    )
    for email, name, text in (
        ("pia@example.com", "Pia", "Pia asked her team lead about her slides."),
        ("quinn@example.com", "Quinn", "Quinn asked a customer about the onboarding call."),
    ):
        peer = make_user(email, name)
        community_services.community_member_add(community=community, user=peer)
        services.enrollment_add(cohort=cohort, actor=olivia, user=peer, now=timezone.now())
        services.submission_save(cohort=cohort, module=module, actor=peer, text=text, now=timezone.now())
    return cohort


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_learner_takes_a_module_reviews_two_peers_and_reads_his_feedback(
    page: Page, cohort: Any, bob: Any, alice: Any, tmp_path: Any
) -> None:
    module = cohort.program.modules.get()
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    check()

    # From his community to the module.
    page.goto(f"/c/{cohort.program.community.slug}/")
    check()
    page.get_by_role("link", name="Programs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs")
    check()
    page.get_by_role("link", name="Lead with feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lead with feedback")
    check()
    page.get_by_role("link", name="Spring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lead with feedback · Spring")
    check()
    page.get_by_role("link", name="1. Ask for feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1. Ask for feedback")
    expect(page.get_by_role("link", name=re.compile("How to ask"))).to_have_attribute(
        "href", "https://video.example/ask"
    )
    gallery = page.get_by_role("region", name="Gallery of peers' solutions")
    expect(gallery).to_contain_text("Share your own action first")
    check()

    # He shares what he did, with a note attached; the peers' solutions open up.
    notes = tmp_path / "notes.md"
    notes.write_text("# What I asked\n\nTwo questions about the report.\n")
    page.get_by_label("What did you do?").fill(ACTION)
    page.get_by_label("Files (optional)").set_input_files(str(notes))
    page.get_by_role("button", name="Submit action").click()
    expect(page.get_by_role("status")).to_contain_text("Action shared.")
    expect(page.get_by_role("article", name="Your submission")).to_contain_text(ACTION)
    expect(page.get_by_role("link", name="notes.md")).to_be_visible()
    expect(gallery).to_contain_text("Pia asked her team lead")
    expect(gallery).to_contain_text("Quinn asked a customer")
    check()

    # Peer review opens (the worker does this at the due date; the facilitator may open it early).
    services.reviews_allocate(module=module, cohort=cohort, now=timezone.now(), actor=alice)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Spring").click()
    check()
    page.get_by_role("link", name="My review tasks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My review tasks")
    check()
    for n in (1, 2):
        page.get_by_role("region", name="To do").get_by_role("link").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Review for “Ask for feedback”")
        check()
        page.get_by_role("group", name="Action taken").get_by_label(re.compile("3 · Practised")).check()
        page.get_by_role("group", name="Reflection").get_by_label(re.compile("2 · Tried")).check()
        page.get_by_label("Written feedback").fill(
            f"Review {n}: specific and brave. Try asking a customer next."
        )
        page.get_by_role("button", name="Hand in review").click()
        expect(page.get_by_role("status")).to_contain_text("Review handed in.")
        check()
    expect(page.get_by_role("region", name="To do")).to_contain_text("Nothing to review right now.")
    expect(page.get_by_role("region", name="Done").get_by_role("listitem")).to_have_count(2)

    # His peers review him; he reads the median scores and their words, and rates one review.
    criteria = list(module.criteria.all())
    for score, task in zip(
        (3, 1), ReviewAssignment.objects.filter(submission__enrollment__user=bob).order_by("pk"), strict=True
    ):
        services.review_submit(
            assignment=task,
            actor=task.reviewer,
            scores={c.pk: score for c in criteria},
            feedback=f"From {task.reviewer.display_name}: clear and concrete.",
            now=timezone.now(),
        )
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Spring").click()
    check()
    page.get_by_role("link", name="2 reviews received").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback on “Ask for feedback”")
    scores = page.get_by_role("region", name="Scores (median of the reviews)")
    expect(scores.get_by_role("row", name=re.compile("^Action taken"))).to_contain_text("2 · Tried")
    written = page.get_by_role("region", name="Written feedback")
    expect(written.get_by_role("article")).to_have_count(2)
    expect(written).to_contain_text("clear and concrete.")
    check()
    first = written.get_by_role("article").first
    first.get_by_label("5 · very helpful").check()
    first.get_by_role("button", name=re.compile("^Rate")).click()
    expect(first).to_contain_text("You rated it 5/5 helpful.")
    check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_organizer_authors_and_reads_the_insights(page: Page, cohort: Any, olivia: Any, bob: Any) -> None:
    """Every organizer page passes axe; the insights show the cohort's completion and gap."""
    module = cohort.program.modules.get()
    services.module_view_record(
        enrollment=cohort.enrollments.get(user=bob), module=module, now=timezone.now()
    )
    check = PageWatch(page)
    log_in(page, check, email=olivia.email, name="Olivia")
    check()
    slug = cohort.program.community.slug
    page.goto(f"/c/{slug}/programs/")
    check()
    page.get_by_role("link", name="New program").click()
    check()
    page.get_by_label("Title").fill("Coaching basics")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft program created.")
    check()
    page.get_by_role("link", name="Add a module").click()
    check()
    page.get_by_label("Title:", exact=True).fill("Listen")
    page.get_by_label("Action challenge:").fill("Listen for ten minutes without interrupting.")
    page.get_by_role("button", name="Save module").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rubric for “Listen”")
    check()
    page.get_by_role("textbox", name="Criterion:").fill("Listening")
    page.get_by_label("Levels:").fill("1 | Interrupted | \n2 | Listened | Ten minutes, no interruptions")
    page.get_by_role("button", name="Add criterion").click()
    expect(page.get_by_role("status")).to_contain_text("Criterion added.")
    check()
    page.get_by_role("link", name="Back to the program").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    check()
    page.get_by_role("link", name="Start a cohort").click()
    check()

    page.goto(f"/c/{slug}/programs/cohorts/{cohort.pk}/")
    check()
    page.get_by_role("link", name="1. Ask for feedback").click()
    gallery = page.get_by_role("region", name="Gallery of peers' solutions")
    expect(gallery.get_by_role("article")).to_have_count(2)
    check()
    gallery.get_by_role("article").first.get_by_role("button", name=re.compile("^Highlight")).click()
    expect(page.get_by_role("status")).to_contain_text("Highlighted in the gallery.")
    check()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Spring").click()
    check()
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights: Spring")
    modules = page.get_by_role("region", name="Per module")
    row = modules.get_by_role("row", name=re.compile("Ask for feedback"))
    expect(row).to_contain_text("2/3 (67%)")
    expect(row).to_contain_text("1 of 1 who opened it")
    check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_facilitator_sets_up_calibration_and_a_learner_calibrates_before_reviewing(
    page: Page, another_person: Any, cohort: Any, alice: Any, bob: Any
) -> None:
    """Alice writes an example and her reference review; Bob's reviews stay locked until he has
    reviewed the example, compared his scores with hers, and read why she scored it so."""
    module = cohort.program.modules.get()
    services.submission_save(cohort=cohort, module=module, actor=bob, text=ACTION, now=timezone.now())
    services.reviews_allocate(module=module, cohort=cohort, now=timezone.now(), actor=alice)
    slug = cohort.program.community.slug

    check = PageWatch(page)
    log_in(page, check, email=alice.email, name="Alice")
    page.goto(f"/c/{slug}/programs/cohorts/{cohort.pk}/modules/{module.pk}/")
    check()
    page.get_by_role("link", name="Set up calibration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calibration for “Ask for feedback”")
    check()
    page.get_by_label("Calibration round before peer review").check()
    page.get_by_label("Example submission:").fill("I asked a colleague about my report. She said: too long.")
    page.get_by_role("button", name="Save calibration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reference review for “Ask for feedback”")
    check()
    page.get_by_role("group", name="Action taken").get_by_label(re.compile("2 · Tried")).check()
    page.get_by_role("group", name="Reflection").get_by_label(re.compile("1 · Planned")).check()
    page.get_by_label("Why these scores").fill("One person, once; no plan for next time yet.")
    page.get_by_role("button", name="Save reference review").click()
    expect(page.get_by_role("status")).to_contain_text("Reference review saved.")
    expect(page.get_by_role("region", name="Status")).to_contain_text("0 of 3 learners have calibrated.")
    check()

    learner = another_person()
    watch = PageWatch(learner)
    log_in(learner, watch, email=bob.email, name="Bob")
    learner.goto(f"/c/{slug}/programs/cohorts/{cohort.pk}/reviews/")
    expect(learner.get_by_role("region", name="To do")).to_contain_text("locked until you calibrate")
    watch()
    learner.get_by_role("link", name="Calibrate for “Ask for feedback”").click()
    expect(learner.get_by_role("heading", level=1)).to_have_text("Calibration for “Ask for feedback”")
    watch()
    learner.get_by_role("group", name="Action taken").get_by_label(re.compile("3 · Practised")).check()
    learner.get_by_role("group", name="Reflection").get_by_label(re.compile("1 · Planned")).check()
    learner.get_by_role("button", name="Hand in and compare").click()
    expect(learner.get_by_role("status")).to_contain_text("Calibrated.")
    comparison = learner.get_by_role("region", name="Your scores and the reference")
    expect(comparison.get_by_role("row", name=re.compile("^Action taken"))).to_contain_text(
        "+1 (you scored higher)"
    )
    expect(comparison.get_by_role("row", name=re.compile("^Reflection"))).to_contain_text("same")
    expect(learner.get_by_role("article", name="Why the facilitator scored it this way")).to_contain_text(
        "no plan for next time yet"
    )
    watch()
    learner.get_by_role("link", name="Go to my review tasks").click()
    watch()
    learner.get_by_role("region", name="To do").get_by_role("link").first.click()
    expect(learner.get_by_role("heading", level=1)).to_have_text("Review for “Ask for feedback”")
    watch()

    page.goto(f"/c/{slug}/programs/cohorts/{cohort.pk}/insights/")
    expect(
        page.get_by_role("region", name="Drop-out risk").get_by_role("row", name=re.compile("^Bob"))
    ).to_contain_text("0.5 points off")
    check()
