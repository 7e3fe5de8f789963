"""Hypothesis on the main forms, through the real views: arbitrary unicode, huge numbers and odd dates
never make a 5xx or an uncaught exception; refused input comes back as a 400 form with the person's
text kept; good input is saved exactly. Then straight at the services that store people's text: any
string is either stored (stripped, otherwise exactly) or refused with a ValidationError, nothing else.

PEERPACT_FUZZ_EXAMPLES sets the examples per form (`make soak` raises it).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.services import CheckinAnswers, NewCommitment
from peerpact.circles.models import Circle, Membership
from peerpact.feedback import selectors as feedback_selectors
from peerpact.feedback import services as feedback_services
from peerpact.feedback.models import Comment, Feedback, HelpOffer, HelpResolution, Kudos, Reaction
from peerpact.goals.models import Commitment, Goal
from peerpact.programs import services as program_services
from peerpact.programs.models import Submission
from tests.reliability.figures import knob, record
from tests.reliability.test_double_submit import bob_checkin, u

pytestmark = pytest.mark.django_db
EXAMPLES = knob("PEERPACT_FUZZ_EXAMPLES", 12)
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

ODD_VALUES = [
    "", " ", "\x00", "\t\n", "0", "-1", "-0", "1e309", "9" * 400, "NaN", "inf", "0x10", "1,5", "٣",
    "2026-02-30", "0000-01-01", "9999-12-31", "10000-01-01", "2026-13-01", "31/12/2026",
    "<script>alert(1)</script>", "'; DROP TABLE x; --", "a" * 5000, "\u202e\u0645\u0631\u062d\u0628\u0627",
    "🧗‍♀️" * 50, "null", "[]", "{}",
]  # fmt: skip
odd = st.one_of(
    st.text(max_size=300),
    st.sampled_from(ODD_VALUES),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
    st.floats().map(repr),
)
# Text a person might type: any letters, marks, numbers, punctuation, symbols and spaces; no control
# characters; nothing to strip at the ends.
PLAIN = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=80
).filter(lambda s: s == s.strip() and not re.search(r"\s\s", s))


def check(response: Any, counts: Counter[str], form: str, kept: dict[str, str]) -> None:
    """No server error; a refused form is a 400 that still shows what the person typed."""
    counts[form] += 1
    counts[f"{form} {response.status_code}"] += 1
    assert response.status_code < 500, (form, response.status_code)
    if response.status_code == 400:
        page = response.content.decode()
        for field, value in kept.items():
            if PLAIN_RE.fullmatch(value):
                assert escape(value) in page, f"{form}: {field}={value!r} was not kept"


PLAIN_RE = re.compile(r"[A-Za-z][A-Za-z0-9 .,!?-]{0,60}")  # echoed unchanged by any widget


class Good(str):
    """Text drawn from PLAIN: a form must take it and store it exactly."""


def mostly[T](good: st.SearchStrategy[T], bad: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """Three good values for one bad: several fields fuzzed at once still reach the save often."""
    return st.integers(min_value=0, max_value=3).flatmap(lambda n: bad if n == 0 else good)


# Half odd values, half good text (tagged `Good`), so one run covers both the refusals and the saves.
ODD_OR_GOOD = st.booleans().flatmap(lambda good: PLAIN.map(Good) if good else odd)
TEXT = st.one_of(odd, PLAIN)  # for the services: any string
GOOD_LINK = st.integers(min_value=0, max_value=480).map(lambda n: "https://example.com/" + "a" * n)
LINK = st.one_of(
    st.integers(min_value=0, max_value=2100).map(lambda n: "https://example.com/" + "a" * n),
    st.sampled_from(
        ["http://example.com", "ftp://example.com/x", "javascript:alert(1)", "https://", "//example.com",
         "https://exa mple.com", "https://例え.jp/パス", "https://[::1]/", "https://example.com/\x00",
         "https://example.com/\u202e", " https://example.com/spaced "]
    ),
    odd,
)  # fmt: skip


@pytest.fixture
def counts() -> Counter[str]:
    return Counter()


def statuses(counts: Counter[str], form: str) -> dict[str, int]:
    """How the fuzzed requests of one form were answered, by status ("302": saved, "400": refused)."""
    return {key.rsplit(" ", 1)[1]: n for key, n in sorted(counts.items()) if key.startswith(f"{form} ")}


def stored_or_refused[T](write: Callable[[], T], counts: Counter[str], service: str) -> T | None:
    """A service write either returns or refuses with a ValidationError (None); anything else fails."""
    counts[service] += 1
    try:
        with transaction.atomic():
            done = write()
    except ValidationError:
        counts[f"{service} refused"] += 1
        return None
    counts[f"{service} stored"] += 1
    return done


def stored_links(lines: list[str]) -> list[str]:
    """What a submission must keep of its links: each one once, without surrounding spaces."""
    return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


def bob_asking_for_help(weekly: Any, bob: Any) -> Checkin:
    checkin = bob_checkin(weekly, bob)
    checkin.help_request = "Someone to read my draft"
    checkin.save(update_fields=["help_request"])
    return checkin


def test_the_goal_form_takes_any_input_without_a_server_error(client, weekly, bob, counts) -> None:
    client.force_login(bob)
    url = u("goals:create", weekly)
    base = {"title": "Run", "direction": "increase", "unit": "km", "target": "10", "visibility": "circle"}
    base.update(status="active", starts_on="2026-01-05", baseline="0")

    @fuzz
    @given(
        field=st.sampled_from(
            ["title", "why", "unit", "baseline", "target", "starts_on", "due_on", "milestones"]
        ),
        value=odd,
        direction=st.sampled_from(["increase", "decrease", "done", "sideways", ""]),
    )
    def post(field: str, value: str, direction: str) -> None:
        data = {**base, "direction": direction, field: value}
        check(client.post(url, data), counts, "goal", {"title": data["title"], "why": data.get("why", "")})

    post()
    record("form fuzz: goal", fuzz_cases=counts["goal"], server_errors=0)


def test_a_good_goal_is_saved_exactly(client, weekly, bob, counts) -> None:
    client.force_login(bob)
    url = u("goals:create", weekly)

    @fuzz
    @given(title=PLAIN, why=PLAIN, target=st.decimals(min_value=1, max_value=10**6, places=2))
    def post(title: str, why: str, target: Any) -> None:
        counts["good goal"] += 1
        data = {"title": title, "why": why, "direction": "increase", "unit": "km", "target": str(target)}
        response = client.post(
            url,
            {**data, "visibility": "circle", "status": "active", "starts_on": "2026-01-05", "baseline": "0"},
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
        goal = Goal.objects.filter(membership__user=bob).latest("pk")
        assert (goal.title, goal.why, goal.target) == (title, why, target)

    post()
    record("form fuzz: good goals", fuzz_cases=counts["good goal"], server_errors=0)


def test_the_check_in_form_takes_any_input_without_a_server_error(client, weekly, bob, counts) -> None:
    client.force_login(bob)
    url = u("checkins:checkin", weekly)

    @fuzz
    @given(
        wins=odd,
        blockers=odd,
        help=odd,
        version=st.sampled_from(["0", "1", "-1", "", "9" * 40, "x"]),
        visibility=st.sampled_from(["circle", "facilitators", "public", ""]),
        extra=st.tuples(st.sampled_from(["confidence", "mood", "next_commitments"]), odd),
    )
    def post(
        wins: str, blockers: str, help: str, version: str, visibility: str, extra: tuple[str, str]
    ) -> None:
        data = {"wins": wins, "blockers": blockers, "help_request": help, "version": version}
        data.update({"visibility": visibility, extra[0]: extra[1]})
        check(client.post(url, data), counts, "check-in", {"wins": wins, "blockers": blockers})

    post()
    record("form fuzz: check-in", fuzz_cases=counts["check-in"], server_errors=0)


def test_the_check_in_draft_keeps_any_input_as_typed(client, weekly, bob, counts) -> None:
    client.force_login(bob)
    url = u("checkins:checkin-draft", weekly, index=1)
    # Field names come from the page's own inputs (the test client would rewrite odd ones); values vary.
    names = st.one_of(st.sampled_from(["wins", "blockers", "help_request", "confidence", "c1_note"]), PLAIN)

    @fuzz
    @given(data=st.dictionaries(names, st.one_of(odd, PLAIN), max_size=4))
    def post(data: dict[str, str]) -> None:
        response = client.post(url, data, headers={"HX-Request": "true"})
        check(response, counts, "draft", {})
        if response.status_code == 200:
            draft = Checkin.objects.get(membership__user=bob, cycle__index=1).draft
            assert draft == {k: v for k, v in data.items() if k not in {"csrfmiddlewaretoken", "version"}}

    post()
    record(
        "form fuzz: check-in draft",
        fuzz_cases=counts["draft"],
        statuses=statuses(counts, "draft"),
        server_errors=0,
    )


def test_the_comment_form_keeps_or_saves_any_text(client, weekly, bob, counts) -> None:
    checkin = bob_checkin(weekly, bob)
    client.force_login(bob)
    url = u("feedback:comment-add", weekly, checkin_id=checkin.pk)

    @fuzz
    @given(body=st.one_of(odd, PLAIN))
    def post(body: str) -> None:
        response = client.post(url, {"comment-body": body})
        check(response, counts, "comment", {"comment-body": body})
        if PLAIN_RE.fullmatch(body) and response.status_code == 302:
            assert Comment.objects.filter(checkin=checkin, body=body).exists()

    post()
    record("form fuzz: comment", fuzz_cases=counts["comment"], server_errors=0)


def test_the_circle_invitation_form_takes_any_input(client, circle, alice, counts) -> None:
    client.force_login(alice)
    url = reverse("circles:members", kwargs={"community": circle.community.slug, "circle": circle.slug})

    @fuzz
    @given(email=st.one_of(odd, st.emails().map(str)), message=odd)
    def post(email: str, message: str) -> None:
        check(client.post(url, {"email": email, "message": message}), counts, "invite", {"message": message})

    post()
    record("form fuzz: circle invitation", fuzz_cases=counts["invite"], server_errors=0)


def test_the_intake_application_takes_any_answers(client, open_intake, bob, counts) -> None:
    from peerpact.formation.tests.test_apply_views import apply_url, form_data

    client.force_login(bob)
    url = apply_url(open_intake)
    fields = ["timezone", "stage", "preferred_size", "with_emails", "not_with_emails", "note", "languages"]

    @fuzz
    @given(field=st.sampled_from(fields), value=odd, scale=odd)
    def post(field: str, value: str, scale: str) -> None:
        data = form_data(open_intake, **{field: value, f"q_{open_intake.q.scale.pk}": scale})
        check(client.post(url, data), counts, "intake", {"note": data.get("note", "")})

    post()
    record("form fuzz: intake application", fuzz_cases=counts["intake"], server_errors=0)


def test_the_feedback_form_takes_any_input_without_a_server_error(client, weekly, bob, alice, counts) -> None:
    checkin = bob_checkin(weekly, bob)
    client.force_login(alice)
    url = u("feedback:feedback-give", weekly, checkin_id=checkin.pk)

    @fuzz
    @given(
        answers=st.tuples(odd, odd, odd),
        anonymous=st.sampled_from(["", "on", "x"]),
        allowed=st.booleans(),
    )
    def post(answers: tuple[str, str, str], anonymous: str, allowed: bool) -> None:
        Circle.objects.filter(pk=weekly.pk).update(allow_anonymous_feedback=allowed)
        texts = dict(
            zip(["feedback-worked", "feedback-suggestion", "feedback-question"], answers, strict=True)
        )
        data = {**texts, "feedback-anonymous": anonymous} if anonymous else texts
        before = Feedback.objects.count()
        response = client.post(url, data)
        check(response, counts, "feedback", texts)
        if response.status_code == 302:
            assert Feedback.objects.count() == before + 1
            saved = Feedback.objects.latest("pk")
            assert [saved.worked, saved.suggestion, saved.question] == [a.strip() for a in answers]
            assert saved.anonymous == (allowed and bool(anonymous))

    post()
    record(
        "form fuzz: feedback",
        fuzz_cases=counts["feedback"],
        statuses=statuses(counts, "feedback"),
        server_errors=0,
    )


def test_good_feedback_is_saved_exactly(client, weekly, bob, alice, counts) -> None:
    checkin = bob_checkin(weekly, bob)
    client.force_login(alice)
    url = u("feedback:feedback-give", weekly, checkin_id=checkin.pk)

    @fuzz
    @given(worked=PLAIN, suggestion=st.one_of(PLAIN, st.just("")), question=st.one_of(PLAIN, st.just("")))
    def post(worked: str, suggestion: str, question: str) -> None:
        counts["good feedback"] += 1
        data = {"feedback-worked": worked, "feedback-suggestion": suggestion, "feedback-question": question}
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[-2000:]
        saved = Feedback.objects.latest("pk")
        assert (saved.worked, saved.suggestion, saved.question) == (worked, suggestion, question)

    post()
    record("form fuzz: good feedback", fuzz_cases=counts["good feedback"], server_errors=0)


def test_kudos_take_any_input_and_never_redirect_off_site(client, weekly, bob, alice, counts) -> None:
    checkin = bob_checkin(weekly, bob)
    client.force_login(alice)
    elsewhere = ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example"]
    elsewhere += ["javascript:alert(1)", "http:/\\evil.example", " //evil.example", "/c/x/"]
    wrong = [(kind, checkin.pk) for kind in ("goal", "milestone", "nope")]  # a 404, never a 500
    wrong += [("checkin", n) for n in (0, 2**31, 2**63, 10**30)]

    @fuzz
    @given(
        subject=mostly(st.just(("checkin", checkin.pk)), st.sampled_from(wrong)),
        reaction=mostly(st.sampled_from(Reaction.values), odd),
        give=mostly(st.sampled_from(["1", "0", ""]), st.sampled_from(["2", "true", " 1"])),
        next_url=st.one_of(st.sampled_from(elsewhere), odd),
    )
    def post(subject: tuple[str, int], reaction: str, give: str, next_url: str) -> None:
        kind, target = subject
        url = u("feedback:kudos-toggle", weekly, kind=kind, target_id=target)
        response = client.post(url, {"reaction": reaction, "give": give, "next": next_url})
        check(response, counts, "kudos", {})
        if response.status_code == 302:
            assert url_has_allowed_host_and_scheme(response["Location"], allowed_hosts={"testserver"})
            assert (kind, target) == ("checkin", checkin.pk) and reaction in Reaction.values
            if give in ("0", "1"):
                assert Kudos.objects.filter(author=alice, reaction=reaction).exists() == (give == "1")

    post()
    record(
        "form fuzz: kudos", fuzz_cases=counts["kudos"], statuses=statuses(counts, "kudos"), server_errors=0
    )


def test_help_offers_and_resolutions_take_any_input(client, weekly, bob, alice, counts) -> None:
    checkin = bob_asking_for_help(weekly, bob)
    offer_url = u("feedback:help-offer", weekly, checkin_id=checkin.pk)
    resolve_url = u("feedback:help-resolve", weekly, checkin_id=checkin.pk)

    @fuzz
    @given(
        message=ODD_OR_GOOD,
        where=st.sampled_from(["", "board", "help", "elsewhere"]),
        note=ODD_OR_GOOD,
        action=st.sampled_from(["", "resolve", "reopen"]),
    )
    def post(message: str, where: str, note: str, action: str) -> None:
        HelpOffer.objects.all().delete()
        HelpResolution.objects.all().delete()
        client.force_login(alice)
        response = client.post(offer_url, {"offer-message": message, "from": where})
        check(response, counts, "help offer", {"offer-message": message})
        offer = HelpOffer.objects.filter(checkin=checkin, helper=alice).first()
        assert offer is not None or not isinstance(message, Good)
        assert offer is None or offer.message == message.strip()
        client.force_login(bob)
        response = client.post(resolve_url, {"resolve-note": note, "action": action})
        check(response, counts, "help resolve", {"resolve-note": note})
        resolution = HelpResolution.objects.filter(checkin=checkin).first()
        if action == "reopen":
            assert resolution is None
        else:
            assert resolution is not None or not isinstance(note, Good)
            assert resolution is None or resolution.note == note.strip()

    post()
    figures = {"offers": statuses(counts, "help offer"), "resolutions": statuses(counts, "help resolve")}
    cases = counts["help offer"] + counts["help resolve"]
    record("form fuzz: help requests", fuzz_cases=cases, **figures, server_errors=0)


def test_the_action_submission_form_takes_any_input(client, cohort, module, bob, counts) -> None:
    client.force_login(bob)
    kwargs = {"community": cohort.program.community.slug, "cohort": cohort.pk, "module_id": module.pk}
    url = reverse("programs:submit", kwargs=kwargs)

    @fuzz
    @given(
        text=ODD_OR_GOOD,
        links=mostly(
            st.lists(GOOD_LINK, max_size=3).map("\n".join),
            st.one_of(st.lists(LINK, max_size=12).map("\n".join), odd),
        ),
        remove=st.lists(odd, max_size=2),
    )
    def post(text: str, links: str, remove: list[str]) -> None:
        response = client.post(url, {"text": text, "links": links, "remove_attachments": remove})
        check(response, counts, "submission", {"text": text})
        if response.status_code == 302:
            saved = Submission.objects.get(enrollment__user=bob, module=module)
            assert (saved.text, saved.links) == (text.strip(), stored_links(links.splitlines()))

    post()
    record(
        "form fuzz: action submission",
        fuzz_cases=counts["submission"],
        statuses=statuses(counts, "submission"),
        server_errors=0,
    )


def test_a_good_action_submission_is_saved_exactly(client, cohort, module, bob, counts) -> None:
    client.force_login(bob)
    kwargs = {"community": cohort.program.community.slug, "cohort": cohort.pk, "module_id": module.pk}
    url = reverse("programs:submit", kwargs=kwargs)

    @fuzz
    @given(text=PLAIN, links=st.lists(GOOD_LINK, max_size=10, unique=True))
    def post(text: str, links: list[str]) -> None:
        counts["good submission"] += 1
        response = client.post(url, {"text": text, "links": "\n".join(links)})
        assert response.status_code == 302, response.content.decode()[-2000:]
        saved = Submission.objects.get(enrollment__user=bob, module=module)
        assert (saved.text, saved.links) == (text, links)

    post()
    record("form fuzz: good action submissions", fuzz_cases=counts["good submission"], server_errors=0)


# --- Services, called directly ---------------------------------------------------------------------


def test_the_check_in_service_stores_any_text_or_refuses_it(weekly, bob, counts) -> None:
    membership = Membership.objects.get(circle=weekly, user=bob)
    cycle = Cycle.objects.get(circle=weekly, index=1)

    @fuzz
    @given(wins=TEXT, blockers=TEXT, help=TEXT, commitment=TEXT)
    def write(wins: str, blockers: str, help: str, commitment: str) -> None:
        version = Checkin.objects.filter(membership=membership, cycle=cycle).values_list("version", flat=True)
        answers = CheckinAnswers(wins=wins, blockers=blockers, help_request=help)
        answers.next_commitments = [NewCommitment(text=commitment)]
        saved = stored_or_refused(
            lambda: checkin_services.checkin_submit(
                membership=membership,
                cycle=cycle,
                actor=bob,
                answers=answers,
                expected_version=version.first(),
            ),
            counts,
            "check-in service",
        )
        if saved is not None:
            saved.refresh_from_db()
            assert (saved.wins, saved.blockers, saved.help_request) == (
                wins.strip(),
                blockers.strip(),
                help.strip(),
            )
            if commitment.strip():
                assert Commitment.objects.filter(membership=membership, text=commitment.strip()).exists()

    write()
    record(
        "service fuzz: check-in",
        fuzz_cases=counts["check-in service"],
        **statuses(counts, "check-in service"),
        server_errors=0,
    )


def test_the_feedback_services_store_any_text_or_refuse_it(weekly, bob, alice, counts) -> None:
    checkin = bob_asking_for_help(weekly, bob)
    subject = feedback_selectors.kudos_subject(
        circle=weekly, kind="checkin", target_id=checkin.pk, viewer=alice
    )
    assert subject is not None

    @fuzz
    @given(
        body=TEXT,
        answers=st.tuples(TEXT, TEXT, TEXT),
        message=TEXT,
        note=TEXT,
        reaction=mostly(st.sampled_from(Reaction.values), odd),
    )
    def write(body: str, answers: tuple[str, str, str], message: str, note: str, reaction: str) -> None:
        HelpOffer.objects.all().delete()
        HelpResolution.objects.all().delete()
        on = {"checkin": checkin, "actor": alice}
        comment = stored_or_refused(lambda: feedback_services.comment_add(**on, body=body), counts, "comment")
        assert comment is None or Comment.objects.get(pk=comment.pk).body == body.strip()
        worked, suggestion, question = answers
        feedback = stored_or_refused(
            lambda: feedback_services.feedback_give(
                **on, worked=worked, suggestion=suggestion, question=question
            ),
            counts,
            "feedback",
        )
        if feedback is not None:
            saved = Feedback.objects.get(pk=feedback.pk)
            assert [saved.worked, saved.suggestion, saved.question] == [a.strip() for a in answers]
        offer = stored_or_refused(
            lambda: feedback_services.help_offer(**on, message=message), counts, "offer"
        )
        assert offer is None or HelpOffer.objects.get(pk=offer.pk).message == message.strip()
        resolution = stored_or_refused(
            lambda: feedback_services.help_resolve(checkin=checkin, actor=bob, note=note), counts, "resolve"
        )
        assert resolution is None or HelpResolution.objects.get(pk=resolution.pk).note == note.strip()
        given = stored_or_refused(
            lambda: feedback_services.kudos_toggle(
                subject=subject, actor=alice, reaction=reaction, give=True
            ),
            counts,
            "kudos",
        )
        assert given is (True if reaction in Reaction.values else None)

    write()
    names = ("comment", "feedback", "offer", "resolve", "kudos")
    figures = {name: statuses(counts, name) for name in names}
    record(
        "service fuzz: feedback", fuzz_cases=sum(counts[name] for name in names), **figures, server_errors=0
    )


def test_the_submission_service_stores_any_text_or_refuses_it(cohort, module, bob, counts) -> None:
    @fuzz
    @given(
        text=TEXT, links=mostly(st.lists(GOOD_LINK, max_size=3), st.lists(st.one_of(LINK, TEXT), max_size=12))
    )
    def write(text: str, links: list[str]) -> None:
        saved = stored_or_refused(
            lambda: program_services.submission_save(
                cohort=cohort, module=module, actor=bob, text=text, links=links, now=timezone.now()
            ),
            counts,
            "submission service",
        )
        if saved is not None:
            saved.refresh_from_db()
            assert (saved.text, saved.links) == (text.strip(), stored_links(links))

    write()
    record(
        "service fuzz: action submission",
        fuzz_cases=counts["submission service"],
        **statuses(counts, "submission service"),
        server_errors=0,
    )


def test_text_postgresql_cannot_store_is_refused_not_a_server_error(
    client, weekly, cohort, module, bob, alice
) -> None:
    """Found by this fuzzing on PostgreSQL: a NUL character (U+0000) in a link of the action form, or in
    any text given to these services (as the API does), failed at save time with a 500."""
    nul = "half\x00way"
    checkin = bob_asking_for_help(weekly, bob)
    membership, cycle = checkin.membership, checkin.cycle
    version = checkin.version
    writes: dict[str, Callable[[], Any]] = {
        "comment": lambda: feedback_services.comment_add(checkin=checkin, actor=alice, body=nul),
        "feedback": lambda: feedback_services.feedback_give(checkin=checkin, actor=alice, question=nul),
        "help offer": lambda: feedback_services.help_offer(checkin=checkin, actor=alice, message=nul),
        "resolution": lambda: feedback_services.help_resolve(checkin=checkin, actor=bob, note=nul),
        "check-in": lambda: checkin_services.checkin_submit(
            membership=membership,
            cycle=cycle,
            actor=bob,
            answers=CheckinAnswers(wins=nul),
            expected_version=version,
        ),
        "commitment": lambda: checkin_services.checkin_submit(
            membership=membership,
            cycle=cycle,
            actor=bob,
            answers=CheckinAnswers(wins="Ran", next_commitments=[NewCommitment(text=nul)]),
            expected_version=version,
        ),
        "draft": lambda: checkin_services.checkin_save_draft(
            membership=membership, cycle=cycle, actor=bob, data={"wins": "ok", "blockers": [nul]}
        ),
        "action": lambda: program_services.submission_save(
            cohort=cohort, module=module, actor=bob, text=nul, now=timezone.now()
        ),
        "action link": lambda: program_services.submission_save(
            cohort=cohort,
            module=module,
            actor=bob,
            text="Asked",
            links=["https://example.com/" + nul],
            now=timezone.now(),
        ),
    }
    for write in writes.values():
        with pytest.raises(ValidationError, match="NUL"):
            write()
    assert not Commitment.objects.exists() and not Submission.objects.exists()
    client.force_login(bob)
    kwargs = {"community": cohort.program.community.slug, "cohort": cohort.pk, "module_id": module.pk}
    response = client.post(
        reverse("programs:submit", kwargs=kwargs),
        {"text": "My careful write-up", "links": "https://example.com/" + nul},
    )
    assert response.status_code == 400 and "My careful write-up" in response.content.decode()


def test_a_next_that_is_not_a_path_falls_back_instead_of_failing(client, weekly, bob, alice) -> None:
    """Found by this fuzzing: a `next` without "/" or "." (e.g. "0") was taken by redirect() for a URL
    name, and a 500 when none matched. Kudos and the safety pages now take only paths on this site."""
    from peerpact.safety import services as safety_services

    checkin = bob_checkin(weekly, bob)
    client.force_login(alice)
    kudos = u("feedback:kudos-toggle", weekly, kind="checkin", target_id=checkin.pk)
    for next_url in ["0", "wins", "feedback:wins", "javascript:alert(1)"]:
        response = client.post(kudos, {"reaction": "clap", "next": next_url})
        assert response.status_code == 302 and response["Location"] == feedback_services.checkin_url(checkin)
    safety_services.block(blocker=alice, blocked=bob)
    response = client.post(reverse("safety:unblock", kwargs={"user_id": bob.pk}), {"next": "0"})
    assert response.status_code == 302 and response["Location"] == reverse("safety:blocks")
