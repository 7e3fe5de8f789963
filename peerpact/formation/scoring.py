"""Inputs, circle score, hard-constraint check and explanation of the circle-formation solver.

Pure Python, no Django. Everything that iterates over sets works on sorted values or bitmasks so results
do not depend on string hashing (PYTHONHASHSEED).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

HOURS_PER_WEEK = 168
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

AnswerValue = str | int | float | frozenset[str]
ViolationKind = Literal["size", "common_hours", "language", "not_with", "isolation"]


@dataclass(frozen=True)
class Person:
    """One applicant. `hours` are weekly UTC hour indices 0..167 (0 = Monday 00:00 UTC)."""

    id: str
    tz: str = "UTC"
    hours: frozenset[int] = frozenset()
    languages: frozenset[str] = frozenset()
    stage: int = 0
    intentions: frozenset[str] = frozenset()
    skills_have: frozenset[str] = frozenset()
    skills_want: frozenset[str] = frozenset()
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    groups: frozenset[str] = frozenset()  # private self-identification; only used for no-isolation


@dataclass(frozen=True)
class Question:
    """A custom question. `scale_min`/`scale_max` normalise scale answers."""

    id: str
    kind: Literal["choice", "multi", "scale"]
    weight: float = 1.0
    direction: Literal["similar", "different", "ignore"] = "similar"
    scale_min: float = 1.0
    scale_max: float = 5.0


@dataclass(frozen=True)
class Settings:
    size_min: int = 4
    size_max: int = 6
    size_preferred: int | None = None  # default: the middle of the bounds
    min_common_hours: int = 2
    require_common_language: bool = True
    protected_groups: frozenset[str] = frozenset()
    stage_span: int = 4  # a stage difference of this much or more counts as "not similar at all"
    weight_stage: float = 1.0
    weight_intentions: float = 1.0
    weight_skills: float = 1.0
    weight_with: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.size_min <= self.size_max:
            raise ValueError("size bounds must satisfy 1 <= size_min <= size_max")
        if self.min_common_hours < 0 or self.stage_span < 1:
            raise ValueError("min_common_hours must be >= 0 and stage_span >= 1")


@dataclass(frozen=True)
class Violation:
    kind: ViolationKind
    reason: str  # English; the UI localises from kind + person_ids + detail
    person_ids: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class SkillMatch:
    person_id: str
    skill: str
    provided_by: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    score: float
    components: Mapping[str, float]  # stage, intentions, questions.<id>, skills, with -> [0, 1]
    common_hours_utc: tuple[int, ...]
    common_languages: tuple[str, ...]
    shared_intentions: tuple[tuple[str, int], ...]  # (intention, how many members), shared by >= 2
    stage_range: tuple[int, int]
    skill_matches: tuple[SkillMatch, ...]
    skills_wanted_uncovered: tuple[tuple[str, str], ...]  # (person_id, skill)
    with_pairs_kept: tuple[tuple[str, str], ...]
    common_hours_local: Mapping[str, tuple[str, ...]]  # person id -> "Mon 18:00-20:00" blocks in their zone
    sentence: str


def _bits(indices: Iterable[int]) -> int:
    mask = 0
    for i in indices:
        mask |= 1 << i
    return mask


def _jaccard(a: int, b: int) -> float:
    union = a | b
    if not union:
        return 1.0
    return (a & b).bit_count() / union.bit_count()


class Scorer:
    """Scores, checks and explains circles of a fixed pool. Person indices are positions in `people`.

    Pair similarities are cached, so scoring a circle of k people costs k(k-1)/2 dictionary lookups plus a
    few bit operations.
    """

    def __init__(
        self,
        people: Sequence[Person],
        *,
        questions: Sequence[Question] = (),
        settings: Settings | None = None,
        with_pairs: Iterable[tuple[str, str]] = (),
        not_with_pairs: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.people = list(people)
        self.settings = settings or Settings()
        self.questions = [q for q in questions if q.direction != "ignore" and q.weight > 0]
        self.index = {p.id: i for i, p in enumerate(self.people)}
        if len(self.index) != len(self.people):
            raise ValueError("person ids must be unique")
        n = len(self.people)

        def vocab(values: Iterable[frozenset[str]]) -> dict[str, int]:
            return {v: i for i, v in enumerate(sorted(set().union(*values)))} if n else {}

        self.languages = vocab(p.languages for p in self.people)
        self.intentions = vocab(p.intentions for p in self.people)
        self.skills = vocab([p.skills_have for p in self.people] + [p.skills_want for p in self.people])
        self.lang_names = sorted(self.languages, key=self.languages.__getitem__)
        self.skill_names = sorted(self.skills, key=self.skills.__getitem__)
        all_lang = (1 << len(self.languages)) - 1
        self.hours = [_bits(h for h in p.hours if 0 <= h < HOURS_PER_WEEK) for p in self.people]
        self.lang = [_bits(self.languages[x] for x in p.languages) for p in self.people]
        self.intent = [_bits(self.intentions[x] for x in p.intentions) for p in self.people]
        self.have = [_bits(self.skills[x] for x in p.skills_have) for p in self.people]
        self.want = [_bits(self.skills[x] for x in p.skills_want) for p in self.people]
        self.stage = [p.stage for p in self.people]
        self.all_lang = all_lang
        self.protected = sorted(self.settings.protected_groups)
        self.group_of = [tuple(g for g in self.protected if g in p.groups) for p in self.people]
        # Custom answers, pre-normalised per question: choice -> str, multi -> bitmask, scale -> [0, 1].
        self.q_answers: list[list[object]] = []
        for q in self.questions:
            col: list[object] = []
            if q.kind == "multi":
                opts = sorted(
                    {o for p in self.people if isinstance(v := p.answers.get(q.id), frozenset) for o in v}
                )
                pos = {o: i for i, o in enumerate(opts)}
                for p in self.people:
                    v = p.answers.get(q.id)
                    col.append(_bits(pos[o] for o in v) if isinstance(v, frozenset) else None)
            elif q.kind == "scale":
                span = (q.scale_max - q.scale_min) or 1.0
                for p in self.people:
                    v = p.answers.get(q.id)
                    ok = isinstance(v, int | float) and not isinstance(v, bool)
                    col.append(min(1.0, max(0.0, (float(v) - q.scale_min) / span)) if ok else None)  # type: ignore[arg-type]
            else:
                for p in self.people:
                    v = p.answers.get(q.id)
                    col.append(None if v is None or isinstance(v, frozenset) else str(v))
            self.q_answers.append(col)
        s = self.settings
        self.pair_weight = s.weight_stage + s.weight_intentions + sum(q.weight for q in self.questions)
        # Directed "want to be with" requests and symmetric "not with" pairs, as person indices.
        self.wants_with: list[tuple[int, ...]] = [() for _ in range(n)]
        requests: dict[int, set[int]] = {}
        for a, b in with_pairs:
            if a in self.index and b in self.index and a != b:
                requests.setdefault(self.index[a], set()).add(self.index[b])
        for i, targets in requests.items():
            self.wants_with[i] = tuple(sorted(targets))
        self.not_with: list[frozenset[int]] = [frozenset() for _ in range(n)]
        nw: dict[int, set[int]] = {}
        for a, b in not_with_pairs:
            if a in self.index and b in self.index and a != b:
                nw.setdefault(self.index[a], set()).add(self.index[b])
                nw.setdefault(self.index[b], set()).add(self.index[a])
        for i, others in nw.items():
            self.not_with[i] = frozenset(others)
        self._pair: dict[int, float] = {}

    # -- pair similarity ------------------------------------------------------------------------------

    def pair_components(self, i: int, j: int) -> dict[str, float]:
        s = self.settings
        out = {
            "stage": max(0.0, 1.0 - abs(self.stage[i] - self.stage[j]) / s.stage_span),
            "intentions": _jaccard(self.intent[i], self.intent[j]),
        }
        for q, col in zip(self.questions, self.q_answers, strict=True):
            a, b = col[i], col[j]
            if a is None or b is None:
                sim = 0.5
            elif q.kind == "multi":
                sim = _jaccard(a, b)  # type: ignore[arg-type]
            elif q.kind == "scale":
                sim = 1.0 - abs(a - b)  # type: ignore[operator]
            else:
                sim = 1.0 if a == b else 0.0
            out[f"questions.{q.id}"] = sim if q.direction == "similar" else 1.0 - sim
        return out

    def _pair_weights(self) -> dict[str, float]:
        s = self.settings
        w = {"stage": s.weight_stage, "intentions": s.weight_intentions}
        for q in self.questions:
            w[f"questions.{q.id}"] = q.weight
        return w

    def pair(self, i: int, j: int) -> float:
        """Weighted pairwise similarity in [0, 1] (stage, intentions, custom questions)."""
        key = i * len(self.people) + j if i < j else j * len(self.people) + i
        v = self._pair.get(key)
        if v is None:
            if self.pair_weight <= 0:
                v = 1.0
            else:
                comps = self.pair_components(i, j)
                w = self._pair_weights()
                v = sum(w[k] * comps[k] for k in comps) / self.pair_weight
            self._pair[key] = v
        return v

    # -- circle ---------------------------------------------------------------------------------------

    def score(self, members: Sequence[int]) -> float:
        """Score in [0, 1]: weighted mean of pair similarity, skills coverage and kept with-requests."""
        k = len(members)
        s = self.settings
        num = 0.0
        den = 0.0
        if k >= 2 and self.pair_weight > 0:
            total = 0.0
            for a in range(k):
                ma = members[a]
                for b in range(a + 1, k):
                    total += self.pair(ma, members[b])
            num += self.pair_weight * total / (k * (k - 1) / 2)
            den += self.pair_weight
        if s.weight_skills > 0:
            wanted = 0
            covered = 0
            for a in range(k):
                w = self.want[members[a]]
                if w:
                    others = 0
                    for b in range(k):
                        if b != a:
                            others |= self.have[members[b]]
                    wanted += w.bit_count()
                    covered += (w & others).bit_count()
            if wanted:
                num += s.weight_skills * covered / wanted
                den += s.weight_skills
        if s.weight_with > 0:
            asked = 0
            kept = 0
            for m in members:
                req = self.wants_with[m]
                if req:
                    asked += len(req)
                    kept += sum(1 for t in req if t in members)
            if asked:
                num += s.weight_with * kept / asked
                den += s.weight_with
        return num / den if den else 1.0

    def violation_count(self, members: Sequence[int]) -> int:
        """Number of hard-constraint violations (each failed rule counts once; each not-with pair once)."""
        s = self.settings
        k = len(members)
        bad = 0 if s.size_min <= k <= s.size_max else 1
        hours = -1
        lang = self.all_lang
        for m in members:
            hours &= self.hours[m]
            lang &= self.lang[m]
        if k and hours.bit_count() < s.min_common_hours and (hours >= 0):
            bad += 1
        if s.require_common_language and k and not lang:
            bad += 1
        for a in range(k):
            nw = self.not_with[members[a]]
            if nw:
                for b in range(a + 1, k):
                    if members[b] in nw:
                        bad += 1
        if self.protected:
            counts: dict[str, int] = {}
            for m in members:
                for g in self.group_of[m]:
                    counts[g] = counts.get(g, 0) + 1
            bad += sum(1 for c in counts.values() if c == 1)
        return bad

    def common_hours(self, members: Sequence[int]) -> int:
        hours = (1 << HOURS_PER_WEEK) - 1
        for m in members:
            hours &= self.hours[m]
        return hours

    def violations(self, members: Sequence[int]) -> list[Violation]:
        s = self.settings
        ids = tuple(self.people[m].id for m in members)
        out: list[Violation] = []
        k = len(members)
        if not s.size_min <= k <= s.size_max:
            out.append(
                Violation(
                    "size",
                    f"The circle has {k} members; the size must be between {s.size_min} and {s.size_max}.",
                    ids,
                    str(k),
                )
            )
        common = self.common_hours(members).bit_count()
        if k and common < s.min_common_hours:
            # Name the members whose availability overlaps least with the others'.
            worst = sorted(
                members,
                key=lambda m: (
                    self.common_hours([o for o in members if o != m]).bit_count(),
                    self.people[m].id,
                ),
                reverse=True,
            )[:1]
            who = ", ".join(self.people[m].id for m in worst)
            out.append(
                Violation(
                    "common_hours",
                    f"The members share {common} available hours a week; at least {s.min_common_hours} are "
                    f"required. Without {who} they would share the most hours.",
                    tuple(self.people[m].id for m in worst),
                    str(common),
                )
            )
        if s.require_common_language and k:
            lang = self.all_lang
            for m in members:
                lang &= self.lang[m]
            if not lang:
                out.append(Violation("language", "The members have no language in common.", ids, ""))
        for a in range(k):
            for b in range(a + 1, k):
                if members[b] in self.not_with[members[a]]:
                    pa, pb = self.people[members[a]].id, self.people[members[b]].id
                    out.append(
                        Violation("not_with", f"{pa} and {pb} asked not to be together.", (pa, pb), "")
                    )
        for g in self.protected:
            holders = [m for m in members if g in self.group_of[m]]
            if len(holders) == 1:
                pid = self.people[holders[0]].id
                out.append(
                    Violation(
                        "isolation",
                        f"{pid} would be the only member of a protected group in this circle.",
                        (pid,),
                        g,
                    )
                )
        return out

    # -- explanation ----------------------------------------------------------------------------------

    def components(self, members: Sequence[int]) -> dict[str, float]:
        k = len(members)
        comps: dict[str, float] = {}
        if k >= 2:
            acc: dict[str, float] = {}
            for a in range(k):
                for b in range(a + 1, k):
                    for key, v in self.pair_components(members[a], members[b]).items():
                        acc[key] = acc.get(key, 0.0) + v
            n_pairs = k * (k - 1) / 2
            comps = {key: v / n_pairs for key, v in acc.items()}
        wanted = sum(self.want[m].bit_count() for m in members)
        if wanted:
            covered = sum((self.want[m] & self._others_have(members, m)).bit_count() for m in members)
            comps["skills"] = covered / wanted
        asked = sum(len(self.wants_with[m]) for m in members)
        if asked:
            comps["with"] = sum(1 for m in members for t in self.wants_with[m] if t in members) / asked
        return comps

    def _others_have(self, members: Sequence[int], m: int) -> int:
        others = 0
        for o in members:
            if o != m:
                others |= self.have[o]
        return others

    def explain(self, members: Sequence[int], *, week_of: date | None = None) -> Explanation:
        """Structured reasons plus an English sentence. Local times use the week of `week_of` (a date)."""
        ppl = [self.people[m] for m in members]
        hours_mask = self.common_hours(members) if members else 0
        common_hours = tuple(h for h in range(HOURS_PER_WEEK) if hours_mask >> h & 1)
        lang = self.all_lang
        for m in members:
            lang &= self.lang[m]
        common_languages = tuple(self.lang_names[i] for i in range(len(self.lang_names)) if lang >> i & 1)
        counts: dict[str, int] = {}
        for p in ppl:
            for x in p.intentions:
                counts[x] = counts.get(x, 0) + 1
        shared = tuple(sorted(((x, c) for x, c in counts.items() if c >= 2), key=lambda t: (-t[1], t[0])))
        stages = [p.stage for p in ppl] or [0]
        matches: list[SkillMatch] = []
        uncovered: list[tuple[str, str]] = []
        for m in members:
            for skill in sorted(self.people[m].skills_want):
                providers = tuple(
                    self.people[o].id for o in members if o != m and skill in self.people[o].skills_have
                )
                if providers:
                    matches.append(SkillMatch(self.people[m].id, skill, providers))
                else:
                    uncovered.append((self.people[m].id, skill))
        kept = tuple(
            (self.people[m].id, self.people[t].id)
            for m in members
            for t in self.wants_with[m]
            if t in members
        )
        score = self.score(members)
        sentence = _sentence(
            size=len(members),
            stage_range=(min(stages), max(stages)),
            shared=shared,
            languages=common_languages,
            hours=common_hours,
            matches=matches,
            kept=len(kept),
        )
        return Explanation(
            score=score,
            components=self.components(members),
            common_hours_utc=common_hours,
            common_languages=common_languages,
            shared_intentions=shared,
            stage_range=(min(stages), max(stages)),
            skill_matches=tuple(matches),
            skills_wanted_uncovered=tuple(uncovered),
            with_pairs_kept=kept,
            common_hours_local={
                p.id: local_blocks(common_hours, p.tz, week_of=week_of or DEFAULT_WEEK) for p in ppl
            },
            sentence=sentence,
        )


def hour_label(hour: int) -> str:
    """'Mon 18:00' for a weekly hour index (in whatever zone the index is expressed)."""
    return f"{DAY_NAMES[hour // 24 % 7]} {hour % 24:02d}:00"


DEFAULT_WEEK = date(2026, 1, 5)  # a Monday outside daylight-saving changes in most zones


def local_blocks(hours_utc: Sequence[int], tz: str, *, week_of: date) -> tuple[str, ...]:
    """UTC weekly hours as local blocks ("Tue 18:00-20:00", en dash) in `tz` in the week of `week_of`."""
    monday = week_of - timedelta(days=week_of.weekday())
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError, OSError):
        zone = ZoneInfo("UTC")
    local: list[int] = []
    for h in hours_utc:
        t = (start + timedelta(hours=h)).astimezone(zone)
        local.append((t.weekday() * 24 + t.hour) % HOURS_PER_WEEK)
    return tuple(f"{hour_label(s)}–{(s + n) % 24:02d}:00" for s, n in hour_blocks(local))


def hour_blocks(hours: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive weekly hours merged into (start, length) blocks."""
    blocks: list[tuple[int, int]] = []
    for h in sorted(hours):
        if blocks and blocks[-1][0] + blocks[-1][1] == h:
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + 1)
        else:
            blocks.append((h, 1))
    return blocks


def _sentence(
    *,
    size: int,
    stage_range: tuple[int, int],
    shared: Sequence[tuple[str, int]],
    languages: Sequence[str],
    hours: Sequence[int],
    matches: Sequence[SkillMatch],
    kept: int,
) -> str:
    parts = [f"{size} people"]
    lo, hi = stage_range
    parts.append(f"at stage {lo}" if lo == hi else f"at stages {lo}–{hi}")
    text = " ".join(parts)
    if shared:
        text += " who share " + ", ".join(f"“{x}” ({c} of {size})" for x, c in shared[:3])
    text += "."
    if languages:
        text += " Common language: " + ", ".join(languages) + "."
    if hours:
        blocks = hour_blocks(hours)
        shown = ", ".join(f"{hour_label(s)}–{(s + n) % 24:02d}:00" for s, n in blocks[:3])
        more = f" and {len(blocks) - 3} more" if len(blocks) > 3 else ""
        text += f" They are all available {len(hours)} hours a week (UTC: {shown}{more})."
    else:
        text += " They have no hour of the week in common."
    if matches:
        shown_m = "; ".join(
            f"{m.person_id} wants {m.skill}, {', '.join(m.provided_by)} brings it" for m in matches[:3]
        )
        more_m = f" (and {len(matches) - 3} more)" if len(matches) > 3 else ""
        text += f" Skills complement: {shown_m}{more_m}."
    if kept:
        text += f" {kept} “want to be with” request{'s' if kept != 1 else ''} kept."
    return text
