from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from peerpact.feedback import selectors, services
from peerpact.feedback.models import (
    ActivityKind,
    Comment,
    Feedback,
    HelpOffer,
    HelpResolution,
    Kudos,
    KudosTarget,
    PeerActivity,
)
from peerpact.goals import services as goal_services
from peerpact.safety.models import Block

pytestmark = pytest.mark.django_db


def subject_of(checkin, viewer):
    circle = checkin.membership.circle
    return selectors.kudos_subject(
        circle=circle, kind=KudosTarget.CHECKIN, target_id=checkin.pk, viewer=viewer
    )


# --- Comments -------------------------------------------------------------------------------------


def test_a_member_comments_on_a_peers_checkin_and_the_owner_is_told(alice_checkin, bob, alice):
    comment = services.comment_add(checkin=alice_checkin, actor=bob, body="  Great progress!  ")
    assert comment.body == "Great progress!"
    activity = PeerActivity.objects.get()
    assert (activity.recipient, activity.actor, activity.kind) == (alice, bob, ActivityKind.COMMENT)
    assert activity.url.endswith(f"#comment-{comment.pk}")


def test_the_owner_may_reply_in_her_own_thread_without_notifying_herself(alice_checkin, alice):
    services.comment_add(checkin=alice_checkin, actor=alice, body="Thanks all")
    assert Comment.objects.count() == 1
    assert not PeerActivity.objects.exists()


@pytest.mark.parametrize("persona", ["dave", "olivia", "otto"])
def test_people_without_a_seat_cannot_comment(request, alice_checkin, other_circle, persona):
    person = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.comment_add(checkin=alice_checkin, actor=person, body="Hello")
    assert not Comment.objects.exists()


def test_a_comment_needs_text_and_stays_short(alice_checkin, bob):
    with pytest.raises(ValidationError) as empty:
        services.comment_add(checkin=alice_checkin, actor=bob, body="   ")
    assert "body" in empty.value.message_dict
    with pytest.raises(ValidationError):
        services.comment_add(checkin=alice_checkin, actor=bob, body="x" * 2001)
    services.comment_add(checkin=alice_checkin, actor=bob, body="x" * 2000)


def test_only_the_author_edits_a_comment_and_it_is_marked_edited(alice_checkin, bob, alice, clock):
    comment = services.comment_add(checkin=alice_checkin, actor=bob, body="Typo hree")
    with pytest.raises(PermissionDenied):
        services.comment_edit(comment=comment, actor=alice, body="Changed by alice")
    clock.shift(timedelta(minutes=3))
    services.comment_edit(comment=comment, actor=bob, body="Typo here")
    comment.refresh_from_db()
    assert comment.body == "Typo here" and comment.edited_at == timezone.now()


# --- Feedback -------------------------------------------------------------------------------------


def test_feedback_needs_at_least_one_of_the_three_prompts(alice_checkin, bob):
    with pytest.raises(ValidationError):
        services.feedback_give(checkin=alice_checkin, actor=bob, worked=" ", suggestion="", question="")
    feedback = services.feedback_give(checkin=alice_checkin, actor=bob, question="What made it work?")
    assert (feedback.worked, feedback.question, feedback.anonymous) == ("", "What made it work?", False)


def test_feedback_on_ones_own_checkin_is_refused(alice_checkin, alice):
    with pytest.raises(PermissionDenied):
        services.feedback_give(checkin=alice_checkin, actor=alice, worked="Me!")


def test_anonymous_feedback_only_where_the_circle_allows_it(alice_checkin, bob, alice):
    with pytest.raises(ValidationError) as refused:
        services.feedback_give(checkin=alice_checkin, actor=bob, worked="Nice", anonymous=True)
    assert "anonymous" in refused.value.message_dict
    from peerpact.circles import services as circle_services

    circle = alice_checkin.membership.circle
    circle_services.circle_update(circle=circle, actor=alice, allow_anonymous_feedback=True)
    feedback = services.feedback_give(checkin=alice_checkin, actor=bob, worked="Nice", anonymous=True)
    assert feedback.anonymous
    assert PeerActivity.objects.get().anonymous


def test_only_the_receiver_marks_feedback_helpful_and_can_take_it_back(alice_checkin, bob, alice, mia):
    feedback = services.feedback_give(checkin=alice_checkin, actor=bob, suggestion="Try mornings")
    for other in (bob, mia):
        with pytest.raises(PermissionDenied):
            services.feedback_mark_helpful(feedback=feedback, actor=other)
    services.feedback_mark_helpful(feedback=feedback, actor=alice)
    assert Feedback.objects.get().helpful_at == timezone.now()
    services.feedback_mark_helpful(feedback=feedback, actor=alice, helpful=False)
    assert Feedback.objects.get().helpful_at is None


# --- Kudos ----------------------------------------------------------------------------------------


def test_kudos_toggle_on_and_off_once_per_reaction(alice_checkin, bob, alice):
    subject = subject_of(alice_checkin, bob)
    assert services.kudos_toggle(subject=subject, actor=bob, reaction="clap") is True
    assert services.kudos_toggle(subject=subject, actor=bob, reaction="party") is True
    assert Kudos.objects.count() == 2
    assert services.kudos_toggle(subject=subject, actor=bob, reaction="clap") is False
    assert list(Kudos.objects.values_list("reaction", flat=True)) == ["party"]
    # The taken-back kudos never reaches alice; the other one still will.
    assert list(PeerActivity.objects.values_list("kind", flat=True)) == [ActivityKind.KUDOS]
    counts = selectors.kudos_counts(targets=[(KudosTarget.CHECKIN, alice_checkin.pk)], viewer=bob)
    by_reaction = {r.reaction: (r.count, r.mine) for r in counts[(KudosTarget.CHECKIN, alice_checkin.pk)]}
    assert by_reaction == {"clap": (0, False), "party": (1, True), "strong": (0, False), "heart": (0, False)}


def test_kudos_refuses_unknown_reactions_and_oneself(alice_checkin, bob, alice):
    with pytest.raises(ValidationError):
        services.kudos_toggle(subject=subject_of(alice_checkin, bob), actor=bob, reaction="thumbs")
    with pytest.raises(PermissionDenied):
        services.kudos_toggle(subject=subject_of(alice_checkin, alice), actor=alice, reaction="clap")


def test_kudos_on_goals_and_milestones_reach_their_owner(weekly, bob, alice):
    from peerpact.circles.models import Membership

    goal = goal_services.goal_create(
        membership=Membership.objects.get(circle=weekly, user=bob),
        actor=bob,
        title="Run 100 km",
        target=100,
        milestones=["10 km"],
    )
    milestone = goal.milestones.get()
    for kind, target in ((KudosTarget.GOAL, goal.pk), (KudosTarget.MILESTONE, milestone.pk)):
        subject = selectors.kudos_subject(circle=weekly, kind=kind, target_id=target, viewer=alice)
        assert subject is not None and subject.owner == bob
        services.kudos_toggle(subject=subject, actor=alice, reaction="strong")
    assert PeerActivity.objects.filter(recipient=bob).count() == 2


def test_kudos_subject_hides_private_goals_and_other_circles(weekly, bob, alice, dave, other_circle):
    from peerpact.circles.models import Membership

    private = goal_services.goal_create(
        membership=Membership.objects.get(circle=weekly, user=bob),
        actor=bob,
        title="Secret",
        target=1,
        visibility="private",
    )
    assert selectors.kudos_subject(circle=weekly, kind="goal", target_id=private.pk, viewer=alice) is None
    theirs = goal_services.goal_create(
        membership=Membership.objects.get(circle=other_circle, user=dave),
        actor=dave,
        title="Elsewhere",
        target=1,
    )
    assert selectors.kudos_subject(circle=weekly, kind="goal", target_id=theirs.pk, viewer=alice) is None


# --- Help -----------------------------------------------------------------------------------------


def test_help_offers_go_to_open_requests_once(alice_checkin, bob_checkin, bob, alice, mia):
    offer = services.help_offer(checkin=alice_checkin, actor=bob, message="I proofread for a living")
    assert offer.message == "I proofread for a living"
    with pytest.raises(ValidationError):
        services.help_offer(checkin=alice_checkin, actor=bob)
    with pytest.raises(ValidationError):
        services.help_offer(checkin=bob_checkin, actor=alice)  # bob asked for nothing
    with pytest.raises(PermissionDenied):
        services.help_offer(checkin=alice_checkin, actor=alice)
    [request] = selectors.open_help_requests(circle=alice_checkin.membership.circle)
    assert (request.checkin, request.membership.user, request.text, request.offers) == (
        alice_checkin,
        alice,
        "Who can proofread 3 pages?",
        1,
    )
    assert request.asked_at == alice_checkin.submitted_at


def test_the_requester_resolves_and_the_request_leaves_the_open_list(alice_checkin, bob, alice, mia):
    circle = alice_checkin.membership.circle
    with pytest.raises(PermissionDenied):
        services.help_resolve(checkin=alice_checkin, actor=bob)
    services.help_resolve(checkin=alice_checkin, actor=alice, note="Bob did it")
    assert HelpResolution.objects.get().resolved_by == alice
    assert selectors.open_help_requests(circle=circle) == []
    with pytest.raises(ValidationError):
        services.help_offer(checkin=alice_checkin, actor=mia)
    services.help_reopen(checkin=alice_checkin, actor=alice)
    assert len(selectors.open_help_requests(circle=circle)) == 1


def test_old_requests_drop_off_after_four_cycles(alice_checkin, clock):
    circle = alice_checkin.membership.circle
    clock.shift(timedelta(weeks=3))
    from peerpact.checkins import services as checkin_services

    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    assert len(selectors.open_help_requests(circle=circle)) == 1
    clock.shift(timedelta(weeks=1))
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    assert selectors.open_help_requests(circle=circle) == []


def test_facilitators_only_requests_are_listed_for_the_facilitator_not_peers(weekly, bob, alice, mia):
    from peerpact.feedback.tests.conftest import submit

    submit(weekly, bob, help_request="Private trouble", visibility="facilitators")
    assert [r.text for r in selectors.help_requests_for(circle=weekly, viewer=alice)] == ["Private trouble"]
    assert selectors.help_requests_for(circle=weekly, viewer=mia) == []


# --- Blocks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["alice blocks bob", "bob blocks alice"])
def test_a_blocked_pair_cannot_reach_each_other(alice_checkin, alice, bob, direction):
    blocker, blocked = (alice, bob) if direction == "alice blocks bob" else (bob, alice)
    Block.objects.create(blocker=blocker, blocked=blocked)
    attempts = [
        lambda: services.comment_add(checkin=alice_checkin, actor=bob, body="Hi"),
        lambda: services.feedback_give(checkin=alice_checkin, actor=bob, worked="Nice"),
        lambda: services.kudos_toggle(subject=subject_of(alice_checkin, bob), actor=bob, reaction="clap"),
        lambda: services.help_offer(checkin=alice_checkin, actor=bob),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert "not possible between the two of you" in str(refused.value)
    assert not Comment.objects.exists() and not Feedback.objects.exists()
    assert not Kudos.objects.exists() and not HelpOffer.objects.exists()
    assert not PeerActivity.objects.exists()


def test_a_block_hides_only_the_pairs_contact_others_still_take_part(alice_checkin, alice, bob, mia):
    Block.objects.create(blocker=alice, blocked=bob)
    services.comment_add(checkin=alice_checkin, actor=mia, body="Go Alice")
    assert PeerActivity.objects.get().actor == mia


# --- Reciprocity ----------------------------------------------------------------------------------


def test_reciprocity_counts_visible_comments_and_feedback_in_the_window(
    anonymous_allowed, alice_checkin, bob_checkin, alice, bob, mia, clock
):
    from peerpact.circles.models import Membership

    seat = {u: Membership.objects.get(circle=anonymous_allowed, user=u).pk for u in (alice, bob, mia)}
    since = timezone.now()
    services.comment_add(checkin=alice_checkin, actor=bob, body="Nice")
    services.comment_add(checkin=alice_checkin, actor=alice, body="Thanks")  # a reply: neither
    services.feedback_give(checkin=bob_checkin, actor=alice, worked="Steady")
    services.feedback_give(checkin=bob_checkin, actor=mia, worked="Well done", anonymous=True)
    hidden = services.comment_add(checkin=bob_checkin, actor=mia, body="Spam")
    Comment.objects.filter(pk=hidden.pk).update(moderation_state="hidden")
    result = selectors.reciprocity(circle=anonymous_allowed, since=since)
    # Anonymous feedback counts as received by bob, but never as given by mia (it would name her).
    assert result[seat[alice]] == (1, 1)
    assert result[seat[bob]] == (1, 2)
    assert result[seat[mia]] == (0, 0)
    later = selectors.reciprocity(circle=anonymous_allowed, since=since + timedelta(seconds=1))
    assert later[seat[bob]] == (0, 0)


# --- Wins -----------------------------------------------------------------------------------------


def test_wins_feed_has_checkin_wins_goals_milestones_and_streaks(weekly, alice, bob, mia, clock):
    from peerpact.circles.models import Membership
    from peerpact.feedback.tests.conftest import submit

    bob_seat = Membership.objects.get(circle=weekly, user=bob)
    goal = goal_services.goal_create(
        membership=bob_seat, actor=bob, title="Run 100 km", target=100, milestones=["First 10 km"]
    )
    private = goal_services.goal_create(
        membership=bob_seat, actor=bob, title="Secret goal", target=1, visibility="private"
    )
    for week in range(3):
        submit(weekly, bob, wins=f"Win of week {week + 1}")
        submit(weekly, mia, wins="")
        clock.shift(timedelta(weeks=1))
    goal_services.milestone_toggle(milestone=goal.milestones.get(), actor=bob, done=True)
    goal_services.goal_update(goal=goal, actor=bob, status="achieved")
    goal_services.goal_update(goal=private, actor=bob, status="achieved")
    clock.shift(timedelta(minutes=1))
    feed = selectors.wins_feed(circle=weekly, viewer=alice, now=timezone.now())
    summary = [(w.kind, w.person.name, w.text or w.streak) for w in feed]
    assert ("goal", "Bob", "Run 100 km") in summary
    assert ("milestone", "Bob", "First 10 km") in summary
    assert ("streak", "Bob", 3) in summary and ("streak", "Mia", 3) in summary
    assert [s for s in summary if s[0] == "checkin"] == [
        ("checkin", "Bob", "Win of week 3"),
        ("checkin", "Bob", "Win of week 2"),
        ("checkin", "Bob", "Win of week 1"),
    ]
    assert all(w.text != "Secret goal" for w in feed)
    assert [w.at for w in feed] == sorted((w.at for w in feed), reverse=True)
    # The owner sees her own private goal.
    assert any(
        w.text == "Secret goal" for w in selectors.wins_feed(circle=weekly, viewer=bob, now=timezone.now())
    )
