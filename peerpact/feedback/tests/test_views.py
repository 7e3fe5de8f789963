from __future__ import annotations

import pytest
from django.urls import reverse

from peerpact.feedback import services
from peerpact.feedback.models import Comment, Feedback, HelpOffer, HelpResolution, Kudos
from peerpact.safety.models import Block

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def url(name, checkin=None, **extra):
    circle = checkin.membership.circle if checkin is not None else extra.pop("circle")
    kwargs = {"community": circle.community.slug, "circle": circle.slug, **extra}
    if checkin is not None and name not in ("feedback:help", "feedback:wins", "checkins:board"):
        kwargs["checkin_id"] = checkin.pk
    return reverse(name, kwargs=kwargs)


def detail(checkin):
    return url("checkins:checkin-detail", checkin)


def test_the_checkin_page_shows_the_thread_forms_and_the_guide(client, alice_checkin, bob):
    client.force_login(bob)
    page = client.get(detail(alice_checkin)).content.decode()
    assert 'id="comments"' in page and 'id="feedback"' in page and 'id="help"' in page
    assert "How to give feedback that helps" in page and "One suggestion at a time." in page
    assert "Give Alice feedback" in page and "I can help" in page
    assert 'aria-pressed="false"' in page  # kudos buttons


def test_the_owner_sees_no_feedback_form_but_a_resolve_form(client, alice_checkin, alice):
    client.force_login(alice)
    page = client.get(detail(alice_checkin)).content.decode()
    assert "Give Alice feedback" not in page and "Mark resolved" in page
    assert "aria-pressed" not in page  # no kudos for oneself


def test_posting_a_comment_without_js_redirects_to_it(client, alice_checkin, bob):
    client.force_login(bob)
    response = client.post(url("feedback:comment-add", alice_checkin), {"comment-body": "Keep going!"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{detail(alice_checkin)}#comment-{comment.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Keep going!" in page and "Comment posted." in page


def test_posting_a_comment_with_htmx_returns_the_updated_thread(client, alice_checkin, bob):
    client.force_login(bob)
    response = client.post(url("feedback:comment-add", alice_checkin), {"comment-body": "Keep going!"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card stack" id="comments"')
    assert "Keep going!" in body and 'hx-swap-oob="innerHTML"' in body and "Comment posted." in body
    assert "<html" not in body


def test_bad_input_rerenders_the_page_with_the_text_kept(client, alice_checkin, bob):
    client.force_login(bob)
    long_text = "word " * 401
    response = client.post(url("feedback:comment-add", alice_checkin), {"comment-body": long_text})
    assert response.status_code == 400
    assert long_text.strip() in response.content.decode()
    response = client.post(url("feedback:feedback-give", alice_checkin), {"feedback-worked": ""})
    assert response.status_code == 400
    assert "Answer at least one of the three prompts." in response.content.decode()
    response = client.post(url("feedback:feedback-give", alice_checkin), {"feedback-worked": ""}, **HX)
    assert response.status_code == 200 and "Answer at least one" in response.content.decode()
    assert not Comment.objects.exists() and not Feedback.objects.exists()


def test_feedback_and_the_helpful_button(client, alice_checkin, alice, bob):
    client.force_login(bob)
    response = client.post(
        url("feedback:feedback-give", alice_checkin),
        {"feedback-worked": "Clear plan", "feedback-suggestion": "Block an hour", "feedback-question": ""},
    )
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert "This helped" not in client.get(detail(alice_checkin)).content.decode()
    client.force_login(alice)
    helpful = reverse(
        "feedback:feedback-helpful",
        kwargs={
            "community": feedback.checkin.membership.circle.community.slug,
            "circle": feedback.checkin.membership.circle.slug,
            "feedback_id": feedback.pk,
        },
    )
    response = client.post(helpful, {"helpful": "true"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and "Not helpful after all" in body and "Helpful" in body
    assert Feedback.objects.get().helpful_at is not None
    client.force_login(bob)
    assert client.post(helpful, {"helpful": "false"}).status_code == 403


def test_kudos_toggle_with_htmx_and_without(client, alice_checkin, bob):
    client.force_login(bob)
    toggle = url(
        "feedback:kudos-toggle",
        circle=alice_checkin.membership.circle,
        kind="checkin",
        target_id=alice_checkin.pk,
    )
    response = client.post(toggle, {"reaction": "party", "next": detail(alice_checkin)}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div class="kudos"')
    assert 'aria-pressed="true"' in body and "Kudos given." in body
    response = client.post(toggle, {"reaction": "party", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"].startswith("/c/")
    assert not Kudos.objects.exists()
    assert client.post(toggle, {"reaction": "nope"}).status_code == 400
    bad_kind = url(
        "feedback:kudos-toggle", circle=alice_checkin.membership.circle, kind="circle", target_id=1
    )
    assert client.post(bad_kind, {"reaction": "clap"}).status_code == 404


def test_the_board_lists_open_help_requests_with_i_can_help(client, alice_checkin, alice, bob):
    board = url("checkins:board", circle=alice_checkin.membership.circle)
    client.force_login(bob)
    page = client.get(board).content.decode()
    assert "Open help requests" in page and "Who can proofread 3 pages?" in page
    assert "I can help" in page and "See all wins and cheer them on" in page
    response = client.post(
        url("feedback:help-offer", alice_checkin), {"from": "board", "offer-message": "Me!"}
    )
    assert response.status_code == 302 and response["Location"].endswith("board/#open-help")
    assert HelpOffer.objects.get().message == "Me!"
    page = client.get(board).content.decode()
    assert "You offered to help" in page and "1 offer of help" in page
    client.force_login(alice)
    page = client.get(board).content.decode()
    assert "Who can proofread 3 pages?" in page and "I can help" not in page


def test_offering_help_from_the_help_page_with_htmx_returns_the_list(client, alice_checkin, mia):
    client.force_login(mia)
    response = client.post(url("feedback:help-offer", alice_checkin), {"from": "help"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="open-help-list-help"')
    assert "You offered to help" in body and "Alice will hear that you can help" in body


def test_the_requester_resolves_and_the_request_leaves_the_board(client, alice_checkin, alice, bob):
    client.force_login(alice)
    response = client.post(url("feedback:help-resolve", alice_checkin), {"resolve-note": "Sorted"}, **HX)
    assert response.status_code == 200 and "Reopen my help request" in response.content.decode()
    assert HelpResolution.objects.get().note == "Sorted"
    client.force_login(bob)
    page = client.get(url("checkins:board", circle=alice_checkin.membership.circle)).content.decode()
    assert "Who can proofread 3 pages?" not in page and "No open help requests right now." in page
    assert client.post(url("feedback:help-resolve", alice_checkin), {"action": "reopen"}).status_code == 403


def test_a_blocked_member_gets_a_403_that_says_why(client, alice_checkin, alice, bob):
    Block.objects.create(blocker=alice, blocked=bob)
    client.force_login(bob)
    response = client.post(url("feedback:comment-add", alice_checkin), {"comment-body": "Hi"})
    assert response.status_code == 403
    assert "not possible between the two of you" in response.content.decode()
    page = client.get(detail(alice_checkin)).content.decode()
    assert "Post comment" not in page and "not possible between you and this member" in page


def test_comment_edit_page_and_fragment(client, alice_checkin, bob, alice):
    comment = services.comment_add(checkin=alice_checkin, actor=bob, body="Frist")
    circle = alice_checkin.membership.circle
    edit = reverse(
        "feedback:comment-edit",
        kwargs={"community": circle.community.slug, "circle": circle.slug, "comment_id": comment.pk},
    )
    client.force_login(alice)
    assert client.get(edit).status_code == 403
    client.force_login(bob)
    assert "Frist" in client.get(edit).content.decode()
    fragment = client.get(edit, **HX).content.decode()
    assert "<html" not in fragment and "Save comment" in fragment
    response = client.post(edit, {"edit-body": "First"}, **HX)
    assert "First" in response.content.decode() and "(edited)" in response.content.decode()
    assert client.post(edit, {"edit-body": ""}).status_code == 400


def test_the_wins_page_lists_wins_with_kudos(client, alice_checkin, bob_checkin, bob):
    client.force_login(bob)
    page = client.get(url("feedback:wins", circle=alice_checkin.membership.circle)).content.decode()
    assert "Finished the first draft" in page and "Ran 21 km this week" in page
    # bob may cheer alice's win but not his own: one set of buttons.
    assert page.count('name="reaction" value="clap"') == 1
