from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from peerpact.notifications.models import Message
from peerpact.safety import services
from peerpact.safety.models import Report

pytestmark = pytest.mark.django_db


def report_url(checkin):
    slug = checkin.membership.circle.community.slug
    return reverse("safety:report", kwargs={"community": slug, "kind": "checkin", "object_id": checkin.pk})


def detail_url(checkin):
    circle = checkin.membership.circle
    return reverse(
        "checkins:checkin-detail",
        kwargs={"community": circle.community.slug, "circle": circle.slug, "checkin_id": checkin.pk},
    )


def test_reporting_twice_is_idempotent_and_tells_organizers_once(client, bobs_checkin, carl, otto, olivia):
    client.force_login(carl)
    for details in ("First try", "Second try"):
        response = client.post(report_url(bobs_checkin), {"reason": "harassment", "details": details})
        assert response.status_code == 302 and response["Location"] == detail_url(bobs_checkin)
    report = Report.objects.get()
    assert (report.reporter, report.details, report.state) == (carl, "First try", "open")
    assert report.circle == bobs_checkin.membership.circle and report.community == report.circle.community
    told = Message.objects.filter(kind="safety.report").values_list("recipient__email", flat=True)
    assert sorted(set(told)) == ["olivia@example.com", "otto@example.com"]
    assert all("Carl" not in str(m.context) for m in Message.objects.filter(kind="safety.report"))


def test_a_second_reporter_adds_a_report_without_telling_organizers_again(bobs_checkin, carl, alice):
    services.report_create(kind="checkin", obj=bobs_checkin, reporter=carl, reason="harassment")
    before = Message.objects.filter(kind="safety.report").count()
    services.report_create(kind="checkin", obj=bobs_checkin, reporter=alice, reason="other")
    assert Report.objects.count() == 2
    assert Message.objects.filter(kind="safety.report").count() == before


def test_reporters_never_see_each_other_and_the_author_never_sees_them(
    client, bobs_checkin, carl, alice, bob
):
    services.report_create(
        kind="checkin", obj=bobs_checkin, reporter=carl, reason="harassment", details="Carl's words"
    )
    client.force_login(carl)
    assert "You reported this" in client.get(detail_url(bobs_checkin)).content.decode()
    client.force_login(alice)
    body = client.get(detail_url(bobs_checkin)).content.decode()
    assert "Report this check-in" in body and "You reported this" not in body and "Carl" not in body
    client.force_login(bob)
    body = client.get(detail_url(bobs_checkin)).content.decode()
    assert "Carl" not in body and "Report this" not in body  # no button on your own update
    assert client.get(report_url(bobs_checkin)).status_code == 403


def test_only_people_who_can_see_it_may_report(client, bobs_checkin, dave, other_circle):
    client.force_login(dave)
    assert client.post(report_url(bobs_checkin), {"reason": "spam"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.report_create(kind="checkin", obj=bobs_checkin, reporter=dave, reason="spam")
    assert not Report.objects.exists()


def test_private_checkins_are_reportable_only_by_those_who_see_them(bobs_checkin, carl, alice):
    bobs_checkin.visibility = "facilitators"
    bobs_checkin.save(update_fields=["visibility"])
    with pytest.raises(PermissionDenied):
        services.report_create(kind="checkin", obj=bobs_checkin, reporter=carl, reason="spam")
    services.report_create(kind="checkin", obj=bobs_checkin, reporter=alice, reason="spam")


def test_bad_input_keeps_the_text_and_htmx_gets_a_partial(client, bobs_checkin, carl):
    client.force_login(carl)
    response = client.post(report_url(bobs_checkin), {"reason": "", "details": "Keep me"})
    assert response.status_code == 400 and "Keep me" in response.content.decode()
    response = client.post(report_url(bobs_checkin), {"reason": "spam"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_unknown_kinds_and_other_communities_are_404(client, bobs_checkin, carl, carol, other_community):
    client.force_login(carl)
    url = reverse(
        "safety:report", kwargs={"community": "northwind", "kind": "nope", "object_id": bobs_checkin.pk}
    )
    assert client.get(url).status_code == 404
    client.force_login(carol)
    foreign = reverse(
        "safety:report",
        kwargs={"community": other_community.slug, "kind": "checkin", "object_id": bobs_checkin.pk},
    )
    assert client.get(foreign).status_code == 404
