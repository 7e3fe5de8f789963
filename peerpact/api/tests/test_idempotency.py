"""Idempotency-Key on POST: a retried create answers what the first one did and writes nothing twice."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from peerpact.api import idempotency
from peerpact.api.models import IdempotencyKey
from peerpact.api.tests.conftest import assert_error
from peerpact.api.tests.test_resources_more import submit
from peerpact.checkins.models import Checkin
from peerpact.feedback import services as feedback_services
from peerpact.feedback.models import Comment


def post(api: Any, url: str, token: str, body: Any, key: str | None) -> Any:
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api("post", url, token, body, **extra)


@pytest.fixture
def thread_url(weekly, bob) -> str:
    checkin = submit(weekly, bob, wins="Ran 21 km")
    return f"circles/{weekly.pk}/checkins/{checkin.pk}/comments"


@pytest.mark.django_db
def test_a_retry_with_the_same_key_replays_the_first_answer(api, thread_url, alice, make_token):
    token = make_token(alice)
    first = post(api, thread_url, token, {"body": "Great pace"}, "retry-1")
    again = post(api, thread_url, token, {"body": "Great pace"}, "retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api, thread_url, alice, make_token):
    token = make_token(alice)
    post(api, thread_url, token, {"body": "Great pace"}, "k")
    error = assert_error(post(api, thread_url, token, {"body": "Other"}, "k"), 422, "idempotency_key_reused")
    assert "different request" in error["message"]
    assert list(Comment.objects.values_list("body", flat=True)) == ["Great pace"]


@pytest.mark.django_db
def test_keys_belong_to_one_caller_and_one_address(api, thread_url, weekly, alice, bob, make_token):
    post(api, thread_url, make_token(alice), {"body": "From Alice"}, "same")
    other_token = post(api, thread_url, make_token(alice), {"body": "From Alice"}, "same")  # a second token
    from_bob = post(api, thread_url, make_token(bob), {"body": "From Bob"}, "same")
    assert (other_token.status_code, from_bob.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in other_token and "Idempotent-Replayed" not in from_bob
    checkin = Checkin.objects.get()  # the same key on a check-in resubmit: its own answer
    body = {"wins": "Ran 22 km", "version": checkin.version}
    submitted = post(api, f"circles/{weekly.pk}/checkins", make_token(bob), body, "same")
    assert submitted.status_code == 200, submitted.content


@pytest.mark.django_db
def test_a_failed_request_frees_its_key_and_bad_keys_are_refused(api, thread_url, alice, make_token):
    token = make_token(alice)
    assert_error(post(api, thread_url, token, {"body": ""}, "fix-me"), 400, "validation_error")
    fixed = post(api, thread_url, token, {"body": "Now with text"}, "fix-me")
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed
    for bad in ("", "x" * 256, "é"):
        assert_error(post(api, thread_url, token, {"body": "b"}, bad), 400, "invalid_idempotency_key")
    assert Comment.objects.count() == 1


@pytest.mark.django_db
def test_kudos_replayed_keep_their_first_status(api, weekly, bob, alice, make_token):
    checkin = submit(weekly, bob, wins="w")
    gift = {"target_kind": "checkin", "target_id": checkin.pk, "reaction": "clap"}
    token = make_token(alice)
    url = f"circles/{weekly.pk}/kudos"
    first, again = (post(api, url, token, gift, "kudos-1") for _ in range(2))
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")


@pytest.mark.django_db
def test_a_duplicate_of_a_running_request_waits_then_gets_a_409(
    api, thread_url, alice, make_token, monkeypatch, clock
):
    token = make_token(alice)
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.1)
    first = post(api, thread_url, token, {"body": "Hi"}, "busy")
    row = IdempotencyKey.objects.get()
    IdempotencyKey.objects.filter(pk=row.pk).update(status_code=None, body="")  # as if still running
    response = post(api, thread_url, token, {"body": "Hi"}, "busy")
    assert_error(response, 409, "idempotency_in_progress")
    assert response["Retry-After"] == "1"
    clock.move_to(timezone.now() + idempotency.LEASE + timedelta(seconds=1))  # the first one died
    taken_over = post(api, thread_url, token, {"body": "Hi again"}, "busy")
    assert_error(taken_over, 422, "idempotency_key_reused")  # another body still may not take it
    taken_over = post(api, thread_url, token, {"body": "Hi"}, "busy")
    assert taken_over.status_code == 201 and taken_over.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_keys_expire_after_a_day(api, thread_url, alice, make_token, clock):
    token = make_token(alice)
    first = post(api, thread_url, token, {"body": "Hello"}, "daily")
    assert idempotency.keys_expire(now=timezone.now()) is False
    clock.move_to(timezone.now() + idempotency.KEEP + timedelta(seconds=1))
    later = post(api, thread_url, token, {"body": "Hello"}, "daily")  # runs again: a new comment
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert later.json()["id"] != first.json()["id"]
    assert IdempotencyKey.objects.get().expires_at == timezone.now() + idempotency.KEEP
    clock.move_to(timezone.now() + idempotency.KEEP)
    assert idempotency.keys_expire(now=timezone.now()) is True
    assert not IdempotencyKey.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two threads with their own connections race on the unique constraint "
    "(SQLite's IMMEDIATE transactions serialize writers; the in-progress test covers the logic)",
)
def test_two_simultaneous_requests_with_one_key_write_once(thread_url, alice, make_token, monkeypatch):
    token = make_token(alice)
    slow_add = feedback_services.comment_add

    def comment_add(**kwargs: Any) -> Any:
        time.sleep(0.3)  # the second request arrives while the first still runs
        return slow_add(**kwargs)

    monkeypatch.setattr(feedback_services, "comment_add", comment_add)
    start = threading.Barrier(2)
    answers: list[Any] = []

    def send() -> None:
        try:
            start.wait()
            answers.append(
                Client().post(
                    f"/api/v1/{thread_url}",
                    data={"body": "Same time"},
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "race"},
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201, 201], [a.content for a in answers]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert Comment.objects.count() == 1
