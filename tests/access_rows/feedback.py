"""Feedback and support: comments, guided feedback, kudos, help offers and resolutions, wins.

World: alice checked in for cycle 1 asking for help; bob commented on it and gave feedback. Only seated
members take part (organizers without a seat read but are told why they can't); nobody gives themselves
feedback, kudos or help; only the author edits a comment and only the receiver marks feedback helpful.
Foreign rows: dave's check-in (with a comment and feedback) in another circle of the community.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, RhythmSpec
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.feedback import services
from peerpact.feedback.models import Comment, Feedback, HelpOffer, HelpResolution, Kudos
from tests.matrix_kit import HIDDEN, POST_ONLY, Effect, fresh, get, k, post, seat


def extend(w: Any) -> None:
    bob, alice, dave, olivia = (w.users[p] for p in ("bob", "alice", "dave", "olivia"))
    w.alice_checkin = checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=w.circle, user=alice),
        cycle=Cycle.objects.get(circle=w.circle, index=1),
        actor=alice,
        answers=CheckinAnswers(wins="Alice's win", help_request="Who can proofread?"),
        expected_version=None,
    )
    w.bob_comment = services.comment_add(checkin=w.alice_checkin, actor=bob, body="Nice one")
    w.bob_feedback = services.feedback_give(checkin=w.alice_checkin, actor=bob, worked="Clear plan")
    # Another circle of the community, with dave's check-in: its rows are reached through our URLs.
    elsewhere = circle_services.circle_create(
        community=w.community, creator=olivia, name="Feedback Elsewhere", facilitate=False
    )
    seat(elsewhere, dave, olivia)
    checkin_services.rhythm_set(
        circle=elsewhere,
        actor=olivia,
        spec=RhythmSpec(weekdays=["FR"]),
        now=timezone.now() - timedelta(hours=1),
    )
    checkin_services.cycles_ensure(circle=elsewhere, now=timezone.now())
    w.foreign_checkin_fb = checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=elsewhere, user=dave),
        cycle=Cycle.objects.get(circle=elsewhere, index=1),
        actor=dave,
        answers=CheckinAnswers(wins="Dave's win", help_request="Dave needs help"),
        expected_version=None,
    )
    # Made directly, past the rules: rows of the other circle for the [foreign] rows to aim at.
    w.foreign_comment = Comment.objects.create(checkin=w.foreign_checkin_fb, author=dave, body="Dave's note")
    w.foreign_feedback = Feedback.objects.create(checkin=w.foreign_checkin_fb, author=dave, worked="Self")


TARGETS = {
    "alice-ci": lambda w: k(w, checkin_id=w.alice_checkin.pk),
    "foreign-ci": lambda w: k(w, checkin_id=w.foreign_checkin_fb.pk),
    "bob-cm": lambda w: k(w, comment_id=w.bob_comment.pk),
    "foreign-cm": lambda w: k(w, comment_id=w.foreign_comment.pk),
    "bob-fb": lambda w: k(w, feedback_id=w.bob_feedback.pk),
    "foreign-fb": lambda w: k(w, feedback_id=w.foreign_feedback.pk),
    "alice-kudos": lambda w: k(w, kind="checkin", target_id=w.alice_checkin.pk),
    "foreign-kd": lambda w: k(w, kind="checkin", target_id=w.foreign_checkin_fb.pk),
}


def _comments(w: Any) -> list[tuple[Any, ...]]:
    return list(Comment.objects.order_by("pk").values_list("checkin_id", "author_id", "body"))


COMMENT = Effect({"comment-body": "Matrix comment"}, _comments, "bob alice")
EDIT = Effect({"edit-body": "Edited in the matrix"}, lambda w: fresh(w.bob_comment, "body"), "bob")
FOREIGN_COMMENTS = Effect({"comment-body": "x", "edit-body": "x"}, _comments)
FEEDBACK = Effect({"feedback-worked": "Matrix feedback"}, lambda w: Feedback.objects.count(), "bob")
FOREIGN_FEEDBACK = Effect({"feedback-worked": "x", "helpful": "true"}, lambda w: Feedback.objects.count())
HELPFUL = Effect({"helpful": "true"}, lambda w: fresh(w.bob_feedback, "helpful_at"), "alice")
FOREIGN_HELPFUL = Effect({"helpful": "true"}, lambda w: fresh(w.foreign_feedback, "helpful_at"))
KUDOS = Effect({"reaction": "clap"}, lambda w: Kudos.objects.count(), "bob")
FOREIGN_KUDOS = Effect({"reaction": "clap"}, lambda w: Kudos.objects.count())
OFFER = Effect({"offer-message": "I can"}, lambda w: HelpOffer.objects.count(), "bob")
FOREIGN_OFFER = Effect({"offer-message": "x"}, lambda w: HelpOffer.objects.count())
RESOLVE = Effect({"resolve-note": "Sorted"}, lambda w: HelpResolution.objects.count(), "alice")
FOREIGN_RESOLVE = Effect({"resolve-note": "x"}, lambda w: HelpResolution.objects.count())

# fmt: off
ROWS = [
    # route                                    target        anon  erin carol dave bob alice otto olivia
    # Only seated members take part: organizers without a seat are told why (403).
    get("feedback:comment-add",                "alice-ci",   POST_ONLY),
    post("feedback:comment-add",               "alice-ci",   "login 404 404 404 302 302 403 403", COMMENT),
    post("feedback:comment-add[foreign]",      "foreign-ci", HIDDEN, FOREIGN_COMMENTS),
    get("feedback:comment-edit",               "bob-cm",     "login 404 404 404 200 403 403 403"),
    post("feedback:comment-edit",              "bob-cm",     "login 404 404 404 302 403 403 403", EDIT),
    get("feedback:comment-edit[foreign]",      "foreign-cm", HIDDEN),
    post("feedback:comment-edit[foreign]",     "foreign-cm", HIDDEN, FOREIGN_COMMENTS),
    get("feedback:feedback-give",              "alice-ci",   POST_ONLY),
    post("feedback:feedback-give",             "alice-ci",   "login 404 404 404 302 403 403 403", FEEDBACK),
    post("feedback:feedback-give[foreign]",    "foreign-ci", HIDDEN, FOREIGN_FEEDBACK),
    get("feedback:feedback-helpful",           "bob-fb",     POST_ONLY),
    post("feedback:feedback-helpful",          "bob-fb",     "login 404 404 404 403 302 403 403", HELPFUL),
    post("feedback:feedback-helpful[foreign]", "foreign-fb", HIDDEN, FOREIGN_HELPFUL),
    get("feedback:kudos-toggle",               "alice-kudos",POST_ONLY),
    post("feedback:kudos-toggle",              "alice-kudos","login 404 404 404 302 403 403 403", KUDOS),
    post("feedback:kudos-toggle[foreign]",     "foreign-kd", HIDDEN, FOREIGN_KUDOS),
    get("feedback:help-offer",                 "alice-ci",   POST_ONLY),
    post("feedback:help-offer",                "alice-ci",   "login 404 404 404 302 403 403 403", OFFER),
    post("feedback:help-offer[foreign]",       "foreign-ci", HIDDEN, FOREIGN_OFFER),
    get("feedback:help-resolve",               "alice-ci",   POST_ONLY),
    post("feedback:help-resolve",              "alice-ci",   "login 404 404 404 403 302 403 403", RESOLVE),
    post("feedback:help-resolve[foreign]",     "foreign-ci", HIDDEN, FOREIGN_RESOLVE),
    get("feedback:help",                       "circle",     "login 404 404 404 200 200 200 200"),
    get("feedback:wins",                       "circle",     "login 404 404 404 200 200 200 200"),
]
# fmt: on
GET_ONLY = {"feedback:help", "feedback:wins"}
