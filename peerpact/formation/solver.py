"""Circle formation: split a pool of applicants into circles, maximising the worst circle's score first,
then the mean, under hard constraints (size, shared hours, language, not-with pairs, no isolation).

Pure Python and deterministic for a seed (unless `time_limit` cuts a run short). Algorithm: greedy
seeding (most constrained people first, each into the compatible circle they fit best), then iterated
local search — moves and swaps that target the weakest circle, accepted only when they improve the
pair of circles involved in leximin order (fewer violations, higher minimum, higher sum), so the sorted
vector of circle scores never gets worse; when stuck, the best solution so far is perturbed around its
weakest circle. Small pools also restart over every feasible number of circles. For large pools the
neighbourhood of a circle is restricted to circles whose shared hours overlap its members' hours. A
violation the moves cannot remove is repaired exactly: the whole pool by depth-first search on small
pools, a violated circle and a few circles its members could join on large ones.

When violations remain, `unplaceable` proves which people no circle can hold without one (and why) and
`violation_lower_bound` turns that into a certified minimum number of violations.

See docs/formation-solver.md.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from peerpact.formation.scoring import (
    Explanation,
    Person,
    Question,
    Scorer,
    Settings,
    Violation,
    ViolationKind,
)

__all__ = [
    "CircleResult",
    "Person",
    "Question",
    "Scorer",
    "Settings",
    "Solution",
    "Unplaceable",
    "Violation",
    "evaluate",
    "solve",
    "unplaceable",
    "violation_lower_bound",
]

EPS = 1e-12
SMALL_POOL = 60  # restart over every feasible number of circles up to this many free people
NEIGHBOURHOOD = 40  # candidate circles per step in large pools
FEASIBLE_NODES = 200_000  # placements the exact feasibility search may try on a small pool
CERTIFY_NODES = 50_000  # placements the per-person certificate may try per rule
REPAIR_CIRCLES = 8  # circles re-partitioned together around a violated one (large pools)
REPAIR_PER_MEMBER = 2  # circles each member of the violated circle could join, sampled per try
REPAIR_TRIES = 12  # random neighbourhoods tried per violated circle
REPAIR_NODES = 5_000  # placements per exact re-partition


@dataclass(frozen=True)
class CircleResult:
    member_ids: tuple[str, ...]
    score: float
    locked: bool
    violations: tuple[Violation, ...]
    explanation: Explanation


@dataclass(frozen=True)
class Unplaceable:
    """A person whom no circle can hold without breaking a hard constraint, proved by exhaustive search.

    `kind` is the first rule that cannot hold in any circle with them, checked in this order: shared
    hours alone, then also a common language, then also "not with" pairs, then also no isolation.
    """

    person_id: str
    kind: ViolationKind  # "common_hours", "language", "not_with" or "isolation"
    reason: str  # English; the UI localises from kind + person_id + detail
    detail: str = ""  # common_hours: the most hours a week they can share with size_min - 1 others


@dataclass(frozen=True)
class Solution:
    circles: tuple[CircleResult, ...]
    worst_score: float  # over the circles the solver formed (locked ones excluded); 1.0 if none
    mean_score: float
    violation_count: int  # all circles, locked ones included
    evaluations: int
    stopped_by_time: bool
    # Only computed when formed circles break a hard constraint: the people no circle of the free
    # people can hold without a violation, and a certified lower bound on the violations of any
    # partition of the free people (violation counts above it may be avoidable).
    unplaceable: tuple[Unplaceable, ...] = ()
    unavoidable_violations: int = 0

    @property
    def violations(self) -> list[Violation]:
        return [v for c in self.circles for v in c.violations]


def evaluate(
    circles: Sequence[Sequence[str]],
    scorer: Scorer,
    *,
    locked: Iterable[int] = (),
) -> list[CircleResult]:
    """Score, check and explain given circles (e.g. after the organizer drags a member)."""
    locked_set = set(locked)
    out = []
    for i, ids in enumerate(circles):
        members = [scorer.index[x] for x in ids]
        out.append(
            CircleResult(
                member_ids=tuple(ids),
                score=scorer.score(members),
                locked=i in locked_set,
                violations=tuple(scorer.violations(members)),
                explanation=scorer.explain(members),
            )
        )
    return out


def solve(
    people: Sequence[Person],
    *,
    questions: Sequence[Question] = (),
    settings: Settings | None = None,
    with_pairs: Iterable[tuple[str, str]] = (),
    not_with_pairs: Iterable[tuple[str, str]] = (),
    locked: Sequence[Sequence[str]] = (),
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    max_evaluations: int | None = None,
    time_limit: float | None = None,
) -> Solution:
    """Form circles from `people`, keeping `locked` circles (lists of person ids) as they are.

    `max_evaluations` bounds the work (circle evaluations; default grows with the pool) and keeps the
    result deterministic for a seed; `time_limit` (seconds) is a safety net that makes it time-dependent.
    `progress` is called with a fraction in [0, 1].
    """
    settings = settings or Settings()
    scorer = Scorer(
        people, questions=questions, settings=settings, with_pairs=with_pairs, not_with_pairs=not_with_pairs
    )
    locked_idx: list[list[int]] = []
    taken: set[int] = set()
    for group in locked:
        members = []
        for pid in group:
            if pid not in scorer.index:
                raise ValueError(f"locked circle names an unknown person: {pid}")
            i = scorer.index[pid]
            if i in taken:
                raise ValueError(f"person in two locked circles: {pid}")
            taken.add(i)
            members.append(i)
        locked_idx.append(members)
    free = [i for i in range(len(scorer.people)) if i not in taken]
    budget = max_evaluations if max_evaluations is not None else 150_000 + 300 * len(free)
    search = _Search(scorer, free, random.Random(seed), budget, progress, time_limit)
    circles = search.run()
    results: list[CircleResult] = []
    for members in locked_idx:
        results.append(_result(scorer, members, locked=True))
    formed = sorted(
        (_result(scorer, sorted(m), locked=False) for m in circles),
        key=lambda r: (-r.score, r.member_ids),
    )
    results.extend(formed)
    scores = [r.score for r in formed]
    # Anyone no circle can hold without a violation is in a violated circle, so only those are checked.
    suspects = [pid for r in formed if r.violations for pid in r.member_ids]
    stuck = unplaceable(scorer, suspects, among=[scorer.people[i].id for i in free]) if suspects else []
    if progress:
        progress(1.0)
    return Solution(
        circles=tuple(results),
        worst_score=min(scores) if scores else 1.0,
        mean_score=sum(scores) / len(scores) if scores else 1.0,
        violation_count=sum(len(r.violations) for r in results),
        evaluations=search.evals,
        stopped_by_time=search.stopped_by_time,
        unplaceable=tuple(stuck),
        unavoidable_violations=violation_lower_bound(scorer, stuck, pool_size=len(free)) if free else 0,
    )


# -- certificates: violations no partition can avoid ---------------------------------------------------

_RULES: tuple[ViolationKind, ...] = ("common_hours", "language", "not_with", "isolation")


class _TooLong(Exception):
    pass


def unplaceable(
    scorer: Scorer,
    person_ids: Iterable[str],
    *,
    among: Iterable[str] | None = None,
    node_limit: int = CERTIFY_NODES,
) -> list[Unplaceable]:
    """Of `person_ids`, those whom no circle drawn from `among` (default: the whole pool) can hold
    without breaking a hard constraint, each with the rule that fails and an English reason.

    Exact: for each person, a depth-first search over circles containing them (shared hours, languages
    and "not with" only shrink as members join, so a branch is cut as soon as one fails). A person whose
    search exceeds `node_limit` placements is left out: only proven cases are reported. Deterministic.
    """
    s = scorer.settings
    pool = sorted({scorer.index[x] for x in among}) if among is not None else list(range(len(scorer.people)))
    if len(pool) < s.size_min:
        return []  # every partition breaks the size bounds; that is reported as a size violation
    out: list[Unplaceable] = []
    for p in sorted({scorer.index[x] for x in person_ids}):
        for level, kind in enumerate(_RULES):
            if (kind == "language" and not s.require_common_language) or (
                kind == "isolation" and not scorer.protected
            ):
                continue
            found = _circle_exists(scorer, p, pool, level, s.min_common_hours, node_limit)
            if found is None:
                break  # not proven either way
            if not found:
                out.append(_unplaceable(scorer, p, pool, kind, node_limit))
                break
    return out


def violation_lower_bound(scorer: Scorer, stuck: Sequence[Unplaceable], *, pool_size: int) -> int:
    """A lower bound on the hard violations of any partition of a pool of `pool_size` people, given
    people proved unplaceable in it: each sits in a circle with at least one violation and a circle
    holds at most size_max of them; a pool no circle sizes fit has at least one size violation."""
    s = scorer.settings
    by_people = -(-len(stuck) // s.size_max)
    sizes_fit = any(k * s.size_min <= pool_size <= k * s.size_max for k in range(1, pool_size + 1))
    return max(by_people, 0 if sizes_fit or not pool_size else 1)


def _circle_exists(
    scorer: Scorer, p: int, pool: Sequence[int], level: int, need: int, limit: int
) -> bool | None:
    """Whether some circle drawn from `pool` holds p under the rules of `_RULES[: level + 1]` with at
    least `need` shared hours; None if the search exceeds `limit` placements."""
    s = scorer.settings
    use_lang = level >= 1 and s.require_common_language
    use_not_with = level >= 2
    full = level >= 3  # every hard rule, isolation included: circles up to size_max are needed
    hours, lang, not_with = scorer.hours, scorer.lang, scorer.not_with
    cands = [
        q
        for q in pool
        if q != p
        and (hours[p] & hours[q]).bit_count() >= need
        and (not use_lang or lang[p] & lang[q])
        and (not use_not_with or q not in not_with[p])
    ]
    groups = scorer.protected
    if full:
        # Members of protected groups first, so "no holder of this group left" cuts a branch early.
        cands.sort(key=lambda q: (not scorer.group_of[q], q))
        left = [[0] * (len(cands) + 1) for _ in groups]
        for gi, g in enumerate(groups):
            for i in range(len(cands) - 1, -1, -1):
                left[gi][i] = left[gi][i + 1] + (g in scorer.group_of[cands[i]])
    biggest = s.size_max if full else s.size_min
    members = [p]
    nodes = 0

    def dfs(start: int, h: int, lg: int) -> bool:
        nonlocal nodes
        k = len(members)
        if k >= s.size_min and (not full or scorer.violation_count(members) == 0):
            return True
        if k == biggest:
            return False
        if full:
            for gi, g in enumerate(groups):
                if left[gi][start] == 0 and sum(1 for m in members if g in scorer.group_of[m]) == 1:
                    return False
        for i in range(start, len(cands)):
            q = cands[i]
            hh = h & hours[q]
            if hh.bit_count() < need:
                continue
            ll = lg & lang[q]
            if use_lang and not ll:
                continue
            if use_not_with and not_with[q] and any(m in not_with[q] for m in members):
                continue
            nodes += 1
            if nodes > limit:
                raise _TooLong
            members.append(q)
            if dfs(i + 1, hh, ll):
                return True
            members.pop()
        return False

    try:
        return dfs(0, hours[p], lang[p])
    except _TooLong:
        return None


def _unplaceable(scorer: Scorer, p: int, pool: Sequence[int], kind: ViolationKind, limit: int) -> Unplaceable:
    s = scorer.settings
    pid = scorer.people[p].id
    need, others = s.min_common_hours, s.size_min - 1
    if kind == "common_hours":
        partners = sum(1 for q in pool if q != p and (scorer.hours[p] & scorer.hours[q]).bit_count() >= need)
        # The most hours p can share with size_min - 1 others: the largest threshold some circle reaches.
        most: int | None = None
        for t in range(need - 1, -1, -1):
            found = _circle_exists(scorer, p, pool, 0, t, limit)
            if found is not False:
                most = t if found else None
                break
        if partners < others:
            who = (
                "Nobody else shares"
                if partners == 0
                else f"Only {partners} other applicant{' shares' if partners == 1 else 's share'}"
            )
            reason = (
                f"{who} at least {need} available hours a week with {pid}; "
                f"a circle needs {s.size_min} members."
            )
        else:
            reason = (
                f"No {others} other applicants are available at the same {need} hours a week as {pid}"
                + ("." if most is None else f" (at most {most} in common).")
            )
        return Unplaceable(pid, kind, reason, "" if most is None else str(most))
    if kind == "language":
        spoken = ", ".join(sorted(scorer.people[p].languages)) or "none given"
        reason = (
            f"No {others} other applicants share {need} available hours a week with {pid} and speak a "
            f"language {pid} speaks ({spoken})."
        )
        return Unplaceable(pid, kind, reason, ",".join(sorted(scorer.people[p].languages)))
    if kind == "not_with":
        reason = (
            f"Every circle that shares {need} hours a week and a language with {pid} would include a "
            "“not with” pair."
        )
        return Unplaceable(pid, kind, reason)
    # Isolation: say whether p is the one left alone (the group itself stays private).
    lang = s.require_common_language
    mates = [
        q
        for q in pool
        if q != p
        and (scorer.hours[p] & scorer.hours[q]).bit_count() >= need
        and (not lang or scorer.lang[p] & scorer.lang[q])
        and q not in scorer.not_with[p]
    ]
    if any(not any(g in scorer.group_of[q] for q in mates) for g in scorer.group_of[p]):
        reason = (
            f"{pid} would be the only member of a protected group in every circle that shares {need} "
            "hours a week and a language with them."
        )
    else:
        reason = (
            f"Every circle that shares {need} hours a week and a language with {pid} would leave one of "
            "its members as the only member of a protected group."
        )
    return Unplaceable(pid, kind, reason)


def _result(scorer: Scorer, members: Sequence[int], *, locked: bool) -> CircleResult:
    return CircleResult(
        member_ids=tuple(scorer.people[m].id for m in members),
        score=scorer.score(members),
        locked=locked,
        violations=tuple(scorer.violations(members)),
        explanation=scorer.explain(members),
    )


def circle_counts(n: int, settings: Settings) -> list[int]:
    """Numbers of circles to try for n people, preferred first; falls back to the fewest size violations."""
    if n == 0:
        return []
    pref = settings.size_preferred or (settings.size_min + settings.size_max) / 2
    feasible = [k for k in range(1, n + 1) if k * settings.size_min <= n <= k * settings.size_max]
    if not feasible:

        def bad(k: int) -> int:
            base, extra = divmod(n, k)
            sizes = [base + 1] * extra + [base] * (k - extra)
            return sum(1 for s in sizes if not settings.size_min <= s <= settings.size_max)

        least = min(bad(k) for k in range(1, n + 1))
        feasible = [k for k in range(1, n + 1) if bad(k) == least]
    return sorted(feasible, key=lambda k: (abs(n / k - pref), k))


Key = tuple[int, float, float]  # (violations, -min score, -sum) of a set of circles: smaller is better


class _Search:
    def __init__(
        self,
        scorer: Scorer,
        free: list[int],
        rng: random.Random,
        budget: int,
        progress: Callable[[float], None] | None,
        time_limit: float | None,
    ) -> None:
        self.s = scorer
        self.free = free
        self.rng = rng
        self.budget = budget
        self.progress = progress
        self.deadline = time.monotonic() + time_limit if time_limit is not None else None
        self.evals = 0
        self.stopped_by_time = False
        self._next_report = 0.0
        self.smin = scorer.settings.size_min
        self.smax = scorer.settings.size_max
        # state of the current run
        self.circles: list[list[int]] = []
        self.score: list[float] = []
        self.viol: list[int] = []
        self._unrepairable: set[tuple[int, ...]] = set()  # circles the local exact repair gave up on

    # -- bookkeeping ----------------------------------------------------------------------------------

    def _eval(self, members: Sequence[int]) -> tuple[int, float]:
        self.evals += 1
        return self.s.violation_count(members), self.s.score(members)

    def _done(self) -> bool:
        if self.evals >= self.budget:
            return True
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.stopped_by_time = True
            return True
        if self.progress and self.evals >= self._next_report:
            self._next_report = self.evals + self.budget / 100
            self.progress(min(0.99, self.evals / self.budget))
        return False

    def _key(self) -> Key:
        if not self.circles:
            return (0, 0.0, 0.0)
        return (sum(self.viol), -min(self.score), -sum(self.score) / len(self.score))

    # -- top level ------------------------------------------------------------------------------------

    def run(self) -> list[list[int]]:
        n = len(self.free)
        ks = circle_counts(n, self.s.settings)
        if not ks:
            return []
        if n > SMALL_POOL:
            ks = ks[:1]
        best: list[list[int]] | None = None
        best_key: Key | None = None
        # Share the budget across circle counts; the preferred count gets a double share.
        shares = [2.0] + [1.0] * (len(ks) - 1)
        search_budget = self.budget * 0.85  # the rest polishes the mean
        for i, k in enumerate(ks):
            stop_at = int(search_budget * sum(shares[: i + 1]) / sum(shares))
            circles, key = self._ils(k, stop_at)
            if best_key is None or key < best_key:
                best, best_key = circles, key
            if self.stopped_by_time:
                break
        assert best is not None and best_key is not None
        if best_key[0] > 0 and n <= SMALL_POOL:
            # Local search can miss a feasible partition that needs a many-way exchange: on small pools
            # look for one exactly, then let the search improve its scores (it never adds violations).
            for k in ks:
                found = self._feasible(k)
                if found is None:
                    continue
                self._restore(found)
                self.budget += self.budget // 4  # a fresh allowance to lift the repaired scores
                self._descend(self.budget)
                key = self._key()
                if key < best_key:
                    best, best_key = [list(c) for c in self.circles], key
                break
        if best_key[0] > 0 and n > SMALL_POOL and not self.stopped_by_time:
            # Violations left on a large pool: a last exact repair around each violated circle, then a
            # fresh allowance to lift the scores (the search never adds violations back).
            self._restore(best)
            self._unrepairable.clear()
            for t in self._order():
                if self.viol[t] == 0:
                    break
                self._repair(t)
            if self._key()[0] < best_key[0]:
                self.budget += self.budget // 8
                self._descend(self.budget)
                key = self._key()
                if key < best_key:
                    best, best_key = [list(c) for c in self.circles], key
        self._restore(best)
        self._polish()
        return self.circles

    def _feasible(self, k: int, node_limit: int = FEASIBLE_NODES) -> list[list[int]] | None:
        """A partition of the free people into k circles with no hard violation, or None."""
        return self._partition(self.free, k, node_limit)

    def _partition(self, people: Sequence[int], k: int, node_limit: int) -> list[list[int]] | None:
        """A partition of `people` into k circles with no hard violation, by depth-first search, or None.

        The most constrained people are placed first; a circle's shared hours and languages only shrink
        as people join, so a branch is cut as soon as they fall short. A circle with a single member of a
        protected group needs one of the members of that group still to be placed, so a branch is also
        cut when there are fewer of them left than such circles. Empty circles are interchangeable: a
        person opens at most one. Bounded by `node_limit` placements.
        """
        s = self.s
        need = s.settings.min_common_hours
        check_lang = s.settings.require_common_language
        n = len(people)
        if not self.smin * k <= n <= self.smax * k:
            return None
        order = sorted(people, key=lambda p: (s.hours[p].bit_count(), s.lang[p].bit_count(), p))
        circles: list[list[int]] = [[] for _ in range(k)]
        hmask = [(1 << 168) - 1] * k
        lmask = [s.all_lang] * k
        n_groups = len(s.protected)
        gidx = {g: i for i, g in enumerate(s.protected)}
        groups = {p: tuple(gidx[g] for g in s.group_of[p]) for p in order}
        left = [0] * n_groups  # members of each group still to place
        for p in order:
            for g in groups[p]:
                left[g] += 1
        if any(c == 1 for c in left):
            return None  # a group with a single member in these people is isolated wherever it goes
        gcount = [[0] * n_groups for _ in range(k)]
        nodes = 0

        def groups_ok() -> bool:
            for g in range(n_groups):
                alone = sum(1 for c in range(k) if gcount[c][g] == 1)
                if alone > left[g] or (left[g] == 1 and not alone and not any(gc[g] for gc in gcount)):
                    return False
            return True

        def place(i: int) -> bool:
            nonlocal nodes
            if i == len(order):
                return all(s.violation_count(c) == 0 for c in circles)
            p = order[i]
            # Everyone still to place must at least fill every circle up to the minimum size.
            if sum(max(0, self.smin - len(c)) for c in circles) > len(order) - i:
                return False
            if n_groups and not groups_ok():
                return False
            for g in groups[p]:
                left[g] -= 1
            try:
                return place_in_circle(i, p)
            finally:
                for g in groups[p]:
                    left[g] += 1

        def place_in_circle(i: int, p: int) -> bool:
            nonlocal nodes
            opened_empty = False
            for c in range(k):
                if len(circles[c]) >= self.smax:
                    continue
                if not circles[c]:
                    if opened_empty:
                        continue
                    opened_empty = True
                h, lang = hmask[c] & s.hours[p], lmask[c] & s.lang[p]
                if h.bit_count() < need or (check_lang and not lang):
                    continue
                if s.not_with[p] and any(m in s.not_with[p] for m in circles[c]):
                    continue
                nodes += 1
                if nodes > node_limit:
                    return False
                saved = hmask[c], lmask[c]
                circles[c].append(p)
                hmask[c], lmask[c] = h, lang
                for g in groups[p]:
                    gcount[c][g] += 1
                full = len(circles[c]) == self.smax
                if (not full or s.violation_count(circles[c]) == 0) and place(i + 1):
                    return True
                for g in groups[p]:
                    gcount[c][g] -= 1
                circles[c].pop()
                hmask[c], lmask[c] = saved
            return False

        return [list(c) for c in circles] if place(0) else None

    def _repair(self, t: int) -> bool:
        """Remove circle t's violations by re-partitioning exactly around it (large pools only).

        Moves and swaps between two circles cannot fix a circle whose members each fit elsewhere only if
        several other circles exchange members at once. The search takes circle t together with a few
        circles its members could join (they share the minimum hours with the member in a common
        language, or are broken too and hold someone the member could meet with) and looks for a partition
        of those people into as many circles with no violation at all (depth-first search), over several
        random neighbourhoods; the new circles' scores are then lifted by moves among themselves. A circle
        it could not repair is not tried again unchanged.
        """
        if len(self.free) <= SMALL_POOL:
            return False  # small pools get the exact search over the whole pool instead
        key = tuple(sorted(self.circles[t]))
        if key in self._unrepairable:
            return False
        s = self.s
        need = s.settings.min_common_hours
        check_lang = s.settings.require_common_language
        shared = [(s.common_hours(c), self._common_lang(c)) for c in self.circles]

        def meets(hours: int, lang: int, m: int) -> bool:
            return (hours & s.hours[m]).bit_count() >= need and (not check_lang or bool(lang & s.lang[m]))

        # For each member, the circles it could join as they are, and the violated circles with a member
        # it could meet with: two broken circles often hold each other's missing members.
        fits: list[list[int]] = []
        for m in self.circles[t]:
            fits.append(
                [
                    c
                    for c in range(len(self.circles))
                    if c != t
                    and (
                        meets(*shared[c], m)
                        or (
                            self.viol[c] > 0 and any(meets(s.hours[o], s.lang[o], m) for o in self.circles[c])
                        )
                    )
                ]
            )
        for _ in range(REPAIR_TRIES):
            if self._done():
                return False
            picks = [t]
            per_member = [self.rng.sample(f, min(len(f), REPAIR_PER_MEMBER)) for f in fits]
            for rnd in range(REPAIR_PER_MEMBER):
                for f in per_member:
                    if rnd < len(f) and f[rnd] not in picks and len(picks) < REPAIR_CIRCLES:
                        picks.append(f[rnd])
            if len(picks) < 2:
                break
            people = [m for c in picks for m in self.circles[c]]
            self.evals += len(people)  # count the search as work, so budgets stay comparable
            found = self._partition(people, len(picks), REPAIR_NODES)
            if found is None:
                continue
            for c, members in zip(picks, found, strict=True):
                self.circles[c] = members
                self.viol[c], self.score[c] = self._eval(members)
            # The search only looked for feasibility: lift the new circles' scores among themselves.
            changed = True
            while changed and not self._done():
                changed = any(
                    self._improve(c, picks) for c in sorted(picks, key=lambda c: (self.score[c], c))
                )
            return True
        self._unrepairable.add(key)
        return False

    def _common_lang(self, members: Sequence[int]) -> int:
        lang = self.s.all_lang
        for m in members:
            lang &= self.s.lang[m]
        return lang

    def _polish(self) -> None:
        """Improve every circle in turn (leximin moves only: the worst circle never gets worse)."""
        changed = True
        while changed and not self._done():
            changed = False
            for t in self._order():
                if self._done():
                    return
                changed |= self._improve(t)

    def _ils(self, k: int, stop_at: int) -> tuple[list[list[int]], Key]:
        self._seed(k)
        best = [list(c) for c in self.circles]
        best_key = self._key()
        while not self._done() and self.evals < stop_at:
            self._descend(stop_at)
            key = self._key()
            if key < best_key:
                best, best_key = [list(c) for c in self.circles], key
            if self._done() or self.evals >= stop_at or len(best) < 2:
                break
            self._restore(best)
            self._perturb()
        return best, best_key

    def _restore(self, circles: list[list[int]]) -> None:
        self.circles = [list(c) for c in circles]
        self.score = []
        self.viol = []
        for c in self.circles:
            v, sc = self.s.violation_count(c), self.s.score(c)
            self.viol.append(v)
            self.score.append(sc)

    # -- greedy seeding -------------------------------------------------------------------------------

    def _seed(self, k: int) -> None:
        s = self.s
        need = s.settings.min_common_hours
        n = len(self.free)
        base, extra = divmod(n, k)
        caps = [base + 1] * extra + [base] * (k - extra)
        self.rng.shuffle(caps)
        order = sorted(
            self.free,
            key=lambda p: (s.hours[p].bit_count(), s.lang[p].bit_count(), self.rng.random()),
        )
        circles: list[list[int]] = [[] for _ in range(k)]
        hmask = [(1 << 168) - 1] * k
        lmask = [s.all_lang] * k
        open_ = list(range(k))
        check_lang = s.settings.require_common_language
        for p in order:
            hp, lp, nw = s.hours[p], s.lang[p], s.not_with[p]
            scored: list[tuple[int, int, int]] = []
            for c in open_:
                cnt = (hmask[c] & hp).bit_count()
                ok = (cnt >= need) + (not check_lang or bool(lmask[c] & lp))
                if nw and any(m in nw for m in circles[c]):
                    ok -= 2
                scored.append((ok, min(cnt, 3 * need + 3), c))
            scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
            top = scored[:6]
            best_c = top[0][2]
            if circles[best_c]:
                best_val = -1.0
                for ok, cnt, c in top:
                    if ok < top[0][0]:
                        break
                    members = circles[c]
                    sim = sum(s.pair(p, m) for m in members) / len(members) if members else 0.5
                    val = sim + 0.02 * cnt / (3 * need + 3)
                    if val > best_val:
                        best_val, best_c = val, c
            circles[best_c].append(p)
            hmask[best_c] &= hp
            lmask[best_c] &= lp
            if len(circles[best_c]) >= caps[best_c]:
                open_.remove(best_c)
        self._restore(circles)

    # -- local search ---------------------------------------------------------------------------------

    def _order(self) -> list[int]:
        return sorted(range(len(self.circles)), key=lambda c: (-self.viol[c], self.score[c], c))

    def _descend(self, stop_at: int) -> None:
        n_circles = len(self.circles)
        if n_circles < 2:
            return
        rank_limit = n_circles if n_circles <= 16 else 12
        order = self._order()
        rank = 0
        while rank < min(rank_limit, n_circles):
            if self._done() or self.evals >= stop_at:
                return
            t = order[rank]
            if self._improve(t) or (self.viol[t] and self._repair(t)):
                order = self._order()
                rank = 0
            else:
                rank += 1

    def _candidates(self, t: int) -> list[int]:
        n_circles = len(self.circles)
        others = [c for c in range(n_circles) if c != t]
        if n_circles <= NEIGHBOURHOOD:
            self.rng.shuffle(others)
            return others
        s = self.s
        need = max(1, s.settings.min_common_hours)
        hours = [s.hours[m] for m in self.circles[t]]
        fitting = []
        for c in others:
            common = s.common_hours(self.circles[c])
            if any((common & h).bit_count() >= need for h in hours):
                fitting.append(c)
        pool = fitting if len(fitting) >= NEIGHBOURHOOD // 2 else others
        return self.rng.sample(pool, min(NEIGHBOURHOOD, len(pool)))

    def _improve(self, t: int, among: Sequence[int] | None = None) -> bool:
        """First improving move or swap between circle t and another circle (leximin on the pair), the
        other circle taken from `among` if given."""
        T = self.circles[t]
        smin, smax = self.smin, self.smax
        for c in self._candidates(t) if among is None else [c for c in among if c != t]:
            C = self.circles[c]
            old_v = self.viol[t] + self.viol[c]
            old_min = min(self.score[t], self.score[c])
            old_sum = self.score[t] + self.score[c]
            tried: list[tuple[list[int], list[int]]] = []
            ti = list(range(len(T)))
            ci = list(range(len(C)))
            self.rng.shuffle(ti)
            self.rng.shuffle(ci)
            if len(T) > smin and len(C) < smax:
                for a in ti:
                    tried.append((T[:a] + T[a + 1 :], [*C, T[a]]))
            if len(C) > smin and len(T) < smax:
                for b in ci:
                    tried.append(([*T, C[b]], C[:b] + C[b + 1 :]))
            for a in ti:
                for b in ci:
                    nt = list(T)
                    nc = list(C)
                    nt[a], nc[b] = C[b], T[a]
                    tried.append((nt, nc))
            for nt, nc in tried:
                vt, st = self._eval(nt)
                vc, sc = self._eval(nc)
                nv = vt + vc
                if nv > old_v:
                    continue
                nmin = min(st, sc)
                if nv < old_v or nmin > old_min + EPS or (nmin >= old_min - EPS and st + sc > old_sum + 1e-9):
                    self.circles[t], self.circles[c] = nt, nc
                    self.score[t], self.score[c] = st, sc
                    self.viol[t], self.viol[c] = vt, vc
                    return True
        return False

    def _perturb(self) -> None:
        """Re-deal the weakest circle and a few random others (sizes kept)."""
        order = self._order()
        t = order[0]
        n_circles = len(self.circles)
        picks = [t]
        cands = self._candidates(t)
        picks += cands[: min(len(cands), self.rng.choice((1, 2, 3)))]
        if n_circles > 2 and order[1] not in picks and self.rng.random() < 0.3:
            picks.append(order[1])
        pooled = [m for c in picks for m in self.circles[c]]
        self.rng.shuffle(pooled)
        pos = 0
        for c in picks:
            size = len(self.circles[c])
            self.circles[c] = pooled[pos : pos + size]
            pos += size
            self.viol[c], self.score[c] = self._eval(self.circles[c])
