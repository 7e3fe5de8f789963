"""The mixed workload bench/load.py drives with locust: 70 % reads, 25 % check-ins and feedback, 5 % API.

Each simulated person is a different member of a different circle (bench/load.py prepares their
sessions, CSRF secrets and targets in PEERPACT_LOAD_PEOPLE), so two of them never edit the same
check-in: a 409 would be a real lost update, not contention the workload made up. Every accepted
write is counted here and written to PEERPACT_LOAD_TALLY when the run stops, for bench/load.py to
check against the database.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from typing import Any

from locust import FastHttpUser, events, task

from bench.pages import checkin_body

PEOPLE: list[dict[str, Any]] = json.loads(open(os.environ["PEERPACT_LOAD_PEOPLE"]).read())  # noqa: SIM115
MARKER = os.environ["PEERPACT_LOAD_MARKER"]
_seats = itertools.count()
_lock = threading.Lock()
TALLY = {"checkins": 0, "comments": 0, "checkins_by_person": {}}
VERSION = re.compile(rb'name="version"(?: value="(\d*)")?')


class Member(FastHttpUser):
    """One member at a time, no think time: the figures are throughput at saturation."""

    def on_start(self) -> None:
        self.person = PEOPLE[next(_seats) % len(PEOPLE)]
        self.cookie = f"sessionid={self.person['session']}; csrftoken={self.person['csrf']}"
        self.headers = {"Cookie": self.cookie}
        self.sent = 0

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=self.headers, name=name, catch_response=True) as reply:
            if reply.status_code != 200:
                reply.failure(f"{reply.status_code}")

    @task(15)
    def home(self) -> None:
        self._get("/", "home")

    @task(20)
    def board(self) -> None:
        self._get(self.person["board"], "circle board")

    @task(15)
    def tracker(self) -> None:
        self._get(self.person["tracker"], "tracker")

    @task(10)
    def goals(self) -> None:
        self._get(self.person["goals"], "goals")

    @task(10)
    def checkin_form(self) -> None:
        self._get(self.person["checkin"], "check-in form")

    @task(15)
    def checkin_submit(self) -> None:
        form = self.client.get(
            self.person["checkin"], headers=self.headers, name="check-in form (before submit)"
        )
        self.sent += 1
        body = checkin_body(form.text or "", f"{MARKER}-{self.sent}")
        base = body.get("version", "")
        body["csrfmiddlewaretoken"] = self.person["csrf"]
        with self.client.post(
            self.person["checkin"],
            data=body,
            headers={**self.headers, "Origin": self.host, "Referer": self.host + self.person["checkin"]},
            name="check-in submit",
            allow_redirects=False,
            catch_response=True,
        ) as reply:
            if reply.status_code == 302:
                with _lock:
                    TALLY["checkins"] += 1
                    by_person = TALLY["checkins_by_person"]
                    by_person[self.person["email"]] = by_person.get(self.person["email"], 0) + 1
                    TALLY.setdefault("bases", {}).setdefault(self.person["email"], []).append(base)
            else:
                reply.failure(f"{reply.status_code}")

    @task(10)
    def comment(self) -> None:
        self.sent += 1
        with self.client.post(
            self.person["comment"],
            data={
                "comment-body": f"{MARKER} comment {self.sent} by {self.person['email']}: looks solid.",
                "csrfmiddlewaretoken": self.person["csrf"],
            },
            headers={**self.headers, "Origin": self.host, "Referer": self.host + self.person["board"]},
            name="comment",
            allow_redirects=False,
            catch_response=True,
        ) as reply:
            if reply.status_code == 302:
                with _lock:
                    TALLY["comments"] += 1
            else:
                reply.failure(f"{reply.status_code}")

    @task(5)
    def api(self) -> None:
        with self.client.get(
            self.person["api"],
            headers={"Authorization": f"Bearer {self.person['token']}"},
            name="API: circle check-ins",
            catch_response=True,
        ) as reply:
            if reply.status_code != 200:
                reply.failure(f"{reply.status_code}")


@events.quitting.add_listener
def _write_tally(environment: Any, **_kwargs: Any) -> None:
    with open(os.environ["PEERPACT_LOAD_TALLY"], "w", encoding="utf-8") as out:
        json.dump(TALLY, out)
