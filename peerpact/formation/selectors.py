"""Reads of circle formation that depend on who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from peerpact.formation.models import Application, FormationRun, Intake
from peerpact.formation.pool import build_pool, format_blocks, utc_to_local_hours
from peerpact.formation.scoring import Violation


def application_for(intake: Intake, user: Any) -> Application | None:
    """The user's own application to the intake, if any (withdrawn ones included)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Application.objects.filter(intake=intake, user=user).first()


def intake_list_for(community: Any) -> QuerySet[Intake]:
    """A community's intakes with their number of active applications (`applicant_count`)."""
    return Intake.objects.filter(community=community).annotate(
        applicant_count=Count("applications", filter=Q(applications__withdrawn_at__isnull=True))
    )


# -- the proposal as the organizer reviews it ---------------------------------------------------------


@dataclass
class MemberView:
    application_id: int
    name: str
    timezone: str
    stage: str
    common_hours_local: list[str]  # the circle's shared hours in this member's own zone


@dataclass
class CircleView:
    index: int
    name: str
    locked: bool
    members: list[MemberView]
    score: float
    violations: list[str]  # localised reasons; a protected group or its member is never named
    sentence: str  # localised, plain-language explanation
    components: list[tuple[str, int]]  # (what, percent)
    shared_intentions: list[tuple[str, int]]
    languages: list[str]
    common_hours: int
    common_hours_viewer: list[str]  # in the viewer's zone
    skill_matches: list[tuple[str, str, list[str]]]  # (who wants, skill, who brings it)
    skills_uncovered: list[tuple[str, str]]
    with_kept: list[tuple[str, str]]
    circle_id: int | None = None  # once applied

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass
class ProposalSummary:
    intake: Intake
    circles: list[CircleView]
    unplaced: list[MemberView]
    worst: float | None
    mean: float | None
    violation_count: int
    version: int
    week_of: date
    viewer_zone: str
    latest_run: FormationRun | None = None
    applicant_count: int = 0
    withdrawn_in_proposal: int = 0  # members dropped because they withdrew after the run
    cannot_hold: list[str] = field(default_factory=list)  # proven reasons why rules cannot all hold
    unavoidable_violations: int = 0  # the fewest rule breaks any proposal of the last run's pool has

    @property
    def worst_percent(self) -> int | None:
        return None if self.worst is None else round(self.worst * 100)

    @property
    def mean_percent(self) -> int | None:
        return None if self.mean is None else round(self.mean * 100)


def _language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _violation_text(v: Violation, names: dict[str, str], settings_: Any) -> str:
    if v.kind == "size":
        size = int(v.detail or 0)
        return ngettext(
            "%(n)d member; circles have %(lo)d to %(hi)d.",
            "%(n)d members; circles have %(lo)d to %(hi)d.",
            size,
        ) % {
            "n": size,
            "lo": settings_.size_min,
            "hi": settings_.size_max,
        }
    if v.kind == "common_hours":
        who = ", ".join(names.get(p, "?") for p in v.person_ids)
        return _(
            "They share %(n)s hours a week when all are free; at least %(min)d are needed. "
            "%(who)s has the least overlap with the others."
        ) % {"n": v.detail, "min": settings_.min_common_hours, "who": who}
    if v.kind == "language":
        return _("They have no language in common.")
    if v.kind == "not_with":
        a, b = (names.get(p, "?") for p in v.person_ids)
        return _("%(a)s and %(b)s should not be in one circle: one of them asked.") % {"a": a, "b": b}
    # Isolation: neither the group nor the person is named (self-identification stays private).
    return _("Someone would be the only member of a group you chose to protect. Move people until nobody is.")


def _cannot_hold(intake: Intake, names: dict[str, str], settings_: Any) -> list[str]:
    """The last run's proof of why some rules cannot all hold, in the viewer's language. People who
    would be alone in a protected group are counted, never named."""
    out: list[str] = []
    isolated = 0
    for item in (intake.proposal or {}).get("unplaceable", []):
        name = names.get(str(item.get("member")))
        if name is None:  # withdrew since
            continue
        kind = item.get("kind")
        if kind == "common_hours":
            out.append(
                _(
                    "%(name)s: no %(others)d other applicants are free at the same %(min)d hours a week "
                    "as them."
                )
                % {"name": name, "others": settings_.size_min - 1, "min": settings_.min_common_hours}
            )
        elif kind == "language":
            out.append(
                _("%(name)s: nobody free at the same hours speaks one of their languages.") % {"name": name}
            )
        elif kind == "not_with":
            out.append(
                _("%(name)s: every circle that fits them includes someone on a “rather not be with” list.")
                % {"name": name}
            )
        else:
            isolated += 1
    if isolated:
        out.append(
            ngettext(
                "%(n)d applicant would be the only member of a protected group in any circle that fits them.",
                "%(n)d applicants would be the only member of a protected group in any circle that fits "
                "them.",
                isolated,
            )
            % {"n": isolated}
        )
    return out


def _sentence(size: int, stages: str, shared: list[tuple[str, int]], languages: list[str], hours: int) -> str:
    text = ngettext("%(n)d person at %(stages)s.", "%(n)d people at %(stages)s.", size) % {
        "n": size,
        "stages": stages,
    }
    if shared:
        text += " " + _("They share: %(what)s.") % {
            "what": ", ".join(
                _("“%(x)s” (%(c)d of %(n)d)") % {"x": x, "c": c, "n": size} for x, c in shared[:3]
            )
        }
    if languages:
        text += " " + _("Common language: %(langs)s.") % {"langs": ", ".join(languages)}
    text += " " + (
        ngettext("All are free %(n)d hour a week.", "All are free %(n)d hours a week.", hours) % {"n": hours}
        if hours
        else _("They have no hour of the week in common.")
    )
    return text


def _component_label(key: str, questions: dict[str, str]) -> str:
    fixed = {
        "stage": _("Similar stage"),
        "intentions": _("Shared intentions"),
        "skills": _("Skills wanted that others bring"),
        "with": _("“Want to be with” kept"),
    }
    if key in fixed:
        return str(fixed[key])
    return questions.get(key.removeprefix("questions."), key)


def proposal_summary(intake: Intake, *, now: datetime, viewer_zone: str = "UTC") -> ProposalSummary:
    """The current proposal scored, checked and explained, with names (a handful of queries)."""
    pool = build_pool(intake, now=now)
    scorer = pool.scorer()
    apps = pool.applications
    names = {pid: a.user.name for pid, a in apps.items()}
    labels = intake.stage_labels or ["0"]

    def stage_label(i: int) -> str:
        return labels[min(max(i, 0), len(labels) - 1)]

    questions = {q.key: q.prompt for q in pool.custom_questions}
    placed: set[str] = set()
    circles: list[CircleView] = []
    withdrawn = 0
    scores: list[float] = []
    violation_count = 0
    for index, proposed in enumerate(intake.proposed_circles):
        ids = [str(m) for m in proposed["members"]]
        present = [pid for pid in ids if pid in apps]
        withdrawn += len(ids) - len(present)
        placed.update(present)
        members = [scorer.index[pid] for pid in present]
        exp = scorer.explain(members, week_of=pool.week_of)
        violations = scorer.violations(members)
        violation_count += len(violations)
        scores.append(exp.score)
        lo, hi = exp.stage_range
        stages = (
            stage_label(lo)
            if lo == hi
            else _("%(lo)s to %(hi)s") % {"lo": stage_label(lo), "hi": stage_label(hi)}
        )
        langs = [_language_name(c) for c in exp.common_languages]
        circles.append(
            CircleView(
                index=index,
                name=proposed["name"],
                locked=bool(proposed.get("locked")),
                members=[
                    MemberView(
                        application_id=apps[pid].pk,
                        name=names[pid],
                        timezone=apps[pid].timezone,
                        stage=stage_label(apps[pid].stage),
                        common_hours_local=format_blocks(
                            utc_to_local_hours(exp.common_hours_utc, apps[pid].timezone, pool.week_of)
                        ),
                    )
                    for pid in present
                ],
                score=exp.score,
                violations=[_violation_text(v, names, pool.settings) for v in violations],
                sentence=_sentence(
                    len(members), stages, list(exp.shared_intentions), langs, len(exp.common_hours_utc)
                ),
                components=[
                    (_component_label(k, questions), round(v * 100))
                    for k, v in sorted(exp.components.items())
                ],
                shared_intentions=list(exp.shared_intentions),
                languages=langs,
                common_hours=len(exp.common_hours_utc),
                common_hours_viewer=format_blocks(
                    utc_to_local_hours(exp.common_hours_utc, viewer_zone, pool.week_of)
                ),
                skill_matches=[
                    (names[m.person_id], m.skill, [names[p] for p in m.provided_by])
                    for m in exp.skill_matches
                ],
                skills_uncovered=[(names[p], s) for p, s in exp.skills_wanted_uncovered],
                with_kept=[(names[a], names[b]) for a, b in exp.with_pairs_kept],
                circle_id=proposed.get("circle_id"),
            )
        )
    unplaced = [
        MemberView(
            application_id=a.pk,
            name=a.user.name,
            timezone=a.timezone,
            stage=stage_label(a.stage),
            common_hours_local=[],
        )
        for pid, a in apps.items()
        if pid not in placed
    ]
    return ProposalSummary(
        cannot_hold=_cannot_hold(intake, names, pool.settings),
        unavoidable_violations=int((intake.proposal or {}).get("unavoidable_violations", 0)),
        intake=intake,
        circles=circles,
        unplaced=unplaced,
        worst=min(scores) if scores else None,
        mean=sum(scores) / len(scores) if scores else None,
        violation_count=violation_count,
        version=intake.proposal_version,
        week_of=pool.week_of,
        viewer_zone=viewer_zone,
        latest_run=intake.runs.order_by("-requested_at", "-pk").first(),
        applicant_count=len(apps),
        withdrawn_in_proposal=withdrawn,
    )
