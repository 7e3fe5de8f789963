from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peerpact.checkins import reminders
from peerpact.checkins.models import Checkin, Cycle
from peerpact.notifications.models import Message
from peerpact.safety import services
from peerpact.safety.models import ModerationAction, ModerationState, Report, ReportState

pytestmark = pytest.mark.django_db


def k(circle, **extra):
    return {"community": circle.community.slug, "circle": circle.slug, **extra}


def detail_url(checkin):
    return reverse("checkins:checkin-detail", kwargs=k(checkin.membership.circle, checkin_id=checkin.pk))


def moderate(checkin, actor, action, note=""):
    return services.content_moderate(kind="checkin", obj=checkin, actor=actor, action=action, note=note)


def test_every_action_is_recorded_in_order_with_actor_and_note(bobs_checkin, carl, otto, olivia):
    report = services.report_create(kind="checkin", obj=bobs_checkin, reporter=carl, reason="harassment")
    moderate(bobs_checkin, otto, "hide", "Names a colleague rudely")
    moderate(bobs_checkin, olivia, "restore", "Bob apologised and it is fine")
    second = services.report_create(kind="checkin", obj=bobs_checkin, reporter=carl, reason="other")
    services.report_dismiss(report=second, actor=otto, note="Already handled")
    moderate(bobs_checkin, olivia, "remove", "Posted again, removing")
    trail = list(ModerationAction.objects.filter(community=bobs_checkin.membership.circle.community))
    assert [(a.action, a.actor.name, a.note) for a in trail] == [
        ("hide", "Otto", "Names a colleague rudely"),
        ("restore", "Olivia", "Bob apologised and it is fine"),
        ("dismiss", "Otto", "Already handled"),
        ("remove", "Olivia", "Posted again, removing"),
    ]
    assert trail[0].report == report and trail[2].report == second
    assert all(
        a.author.name == "Bob" and a.kind == "checkin" and a.object_id == bobs_checkin.pk for a in trail
    )
    report.refresh_from_db()
    assert (report.state, report.handled_by) == (ReportState.ACTIONED, otto)


def test_hidden_checkin_disappears_for_peers_but_not_for_organizers_or_the_author(
    client, bobs_checkin, carl, alice, otto, bob
):
    moderate(bobs_checkin, otto, "hide")
    circle = bobs_checkin.membership.circle
    board = reverse("checkins:board", kwargs=k(circle))
    history = reverse("checkins:member-history", kwargs=k(circle, membership_id=bobs_checkin.membership_id))
    for peer in (carl, alice):  # alice facilitates: moderation still hides it from her
        client.force_login(peer)
        assert client.get(detail_url(bobs_checkin)).status_code == 404
        for page in (board, history):
            body = client.get(page).content.decode()
            assert "Closed the Acme deal" not in body and "Intro?" not in body
            assert "Hidden by a moderator." in body
    client.force_login(otto)
    body = client.get(detail_url(bobs_checkin)).content.decode()
    assert "Closed the Acme deal" in body and "hidden by a moderator" in body
    assert "Report this" not in body and "Moderate this" in body
    client.force_login(bob)
    body = client.get(detail_url(bobs_checkin)).content.decode()
    assert "Closed the Acme deal" in body and "Your peers no longer see it" in body


def test_restore_brings_it_back(client, bobs_checkin, carl, otto):
    moderate(bobs_checkin, otto, "hide")
    moderate(bobs_checkin, otto, "restore")
    client.force_login(carl)
    body = client.get(detail_url(bobs_checkin)).content.decode()
    assert "Closed the Acme deal" in body and "moderator" not in body


def test_remove_blanks_the_text_and_keeps_the_row(bobs_checkin, otto):
    moderate(bobs_checkin, otto, "remove", "Private details")
    row = Checkin.objects.get(pk=bobs_checkin.pk)
    assert (row.wins, row.blockers, row.help_request) == ("", "", "")
    assert row.moderation_state == ModerationState.REMOVED and row.moderated_at is not None
    with pytest.raises(ValidationError):
        moderate(row, otto, "restore")  # removal is final
    assert ModerationAction.objects.count() == 1


@pytest.mark.parametrize(("first", "then"), [("hide", "hide"), (None, "restore")])
def test_actions_that_do_not_apply_are_refused(bobs_checkin, otto, first, then):
    if first:
        moderate(bobs_checkin, otto, first)
    with pytest.raises(ValidationError):
        moderate(bobs_checkin, otto, then)


def test_only_organizers_moderate(bobs_checkin, alice, carl):
    for person in (alice, carl):
        with pytest.raises(PermissionDenied):
            moderate(bobs_checkin, person, "hide")
    assert Checkin.objects.get(pk=bobs_checkin.pk).moderation_state == ModerationState.VISIBLE


def test_the_author_is_told_without_the_reporters_name(bobs_checkin, carl, otto, bob):
    services.report_create(
        kind="checkin", obj=bobs_checkin, reporter=carl, reason="harassment", details="Carl here"
    )
    action = moderate(bobs_checkin, otto, "hide", "note")
    notices = Message.objects.filter(recipient=bob, kind="safety.moderated")
    assert {m.dedupe_key for m in notices} == {
        f"safety.moderated:{action.pk}:email",
        f"safety.moderated:{action.pk}:inapp",
    }
    for message in notices:
        assert "Carl" not in str(message.context) and message.context["action"] == "hide"


def test_the_digest_leaves_out_hidden_checkins(bobs_checkin, otto):
    moderate(bobs_checkin, otto, "hide")
    context = reminders._digest_context(Cycle.objects.get(pk=bobs_checkin.cycle_id))
    bob = next(p for p in context["people"] if p["name"] == "Bob")
    assert (bob["wins"], bob["help"]) == ("", "")
    assert bob["state"]  # still counted as checked in


def test_queue_groups_reports_by_content_and_audit_page_lists_actions(
    client, bobs_checkin, carl, alice, otto
):
    services.report_create(kind="checkin", obj=bobs_checkin, reporter=carl, reason="harassment")
    services.report_create(kind="checkin", obj=bobs_checkin, reporter=alice, reason="other")
    slug = bobs_checkin.membership.circle.community.slug
    client.force_login(otto)
    queue = client.get(reverse("safety:moderation", kwargs={"community": slug})).content.decode()
    assert queue.count("Review and act") == 1 and "2 reports" in queue and "Closed the Acme deal" in queue
    url = reverse(
        "safety:moderation-content",
        kwargs={"community": slug, "kind": "checkin", "object_id": bobs_checkin.pk},
    )
    response = client.post(url, {"action": "hide", "note": "Too harsh"})
    assert response.status_code == 302
    assert Report.objects.filter(state="actioned").count() == 2
    audit = client.get(reverse("safety:audit", kwargs={"community": slug})).content.decode()
    assert "Too harsh" in audit and "Hidden" in audit and "Otto" in audit
    assert (
        "No open reports"
        in client.get(reverse("safety:moderation", kwargs={"community": slug})).content.decode()
    )
    bad = client.post(url, {"action": "hide", "note": "again"})
    assert bad.status_code == 400 and "again" in bad.content.decode()


def test_dismissing_twice_is_refused(bobs_checkin, carl, otto):
    report = services.report_create(kind="checkin", obj=bobs_checkin, reporter=carl, reason="spam")
    services.report_dismiss(report=report, actor=otto, note="Not spam")
    with pytest.raises(ValidationError):
        services.report_dismiss(report=report, actor=otto)
    assert ModerationAction.objects.filter(action="dismiss").count() == 1
