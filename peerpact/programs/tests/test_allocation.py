"""Peer-review allocation, checked against an independent max-flow oracle.

The oracle states the problem as a bipartite b-matching (source -> submission: reviews still needed;
submission -> peer: one unit per allowed pair; peer -> sink: what the cap C leaves) and solves it with a
plain Dinic max flow. The flow value gives exact feasibility and the minimum shortfall. The best
possible load spread comes from the same network with lower bounds on the peers (is there a maximum
flow with every able peer's load in [lo, hi]?). Pure Python, no database.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from peerpact.programs.allocation import Plan, Reviewer, Submission, allocate

# -- the oracle ----------------------------------------------------------------------------------


class MaxFlow:
    """Dinic's algorithm on an explicit graph (iterative, so deep level graphs are fine)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.to: list[int] = []
        self.cap: list[int] = []
        self.adj: list[list[int]] = [[] for _ in range(n)]

    def edge(self, u: int, v: int, c: int) -> None:
        self.adj[u].append(len(self.to))
        self.to.append(v)
        self.cap.append(c)
        self.adj[v].append(len(self.to))
        self.to.append(u)
        self.cap.append(0)

    def run(self, s: int, t: int) -> int:
        total = 0
        while True:
            level = [-1] * self.n
            level[s] = 0
            queue = deque([s])
            while queue:
                u = queue.popleft()
                for e in self.adj[u]:
                    if self.cap[e] > 0 and level[self.to[e]] < 0:
                        level[self.to[e]] = level[u] + 1
                        queue.append(self.to[e])
            if level[t] < 0:
                return total
            it = [0] * self.n
            while True:
                # One augmenting path in the level graph, by an explicit stack of edges.
                stack: list[int] = []
                u = s
                while u != t:
                    while it[u] < len(self.adj[u]):
                        e = self.adj[u][it[u]]
                        if self.cap[e] > 0 and level[self.to[e]] == level[u] + 1:
                            break
                        it[u] += 1
                    if it[u] == len(self.adj[u]):
                        if u == s:
                            break
                        level[u] = -1  # dead end
                        e = stack.pop()
                        u = self.to[e ^ 1]
                        it[u] += 1
                        continue
                    e = self.adj[u][it[u]]
                    stack.append(e)
                    u = self.to[e]
                if u != t:
                    break
                push = min(self.cap[e] for e in stack)
                for e in stack:
                    self.cap[e] -= push
                    self.cap[e ^ 1] += push
                total += push


@dataclass
class Case:
    submissions: list[Submission]
    reviewers: list[Reviewer]
    k: int
    separate: bool = False
    keep: list[tuple[int, int]] = field(default_factory=list)
    exclude: list[tuple[int, int]] = field(default_factory=list)
    fallback: list[Reviewer] = field(default_factory=list)

    def plan(self, **extra) -> Plan:
        return allocate(
            submissions=self.submissions,
            reviewers=self.reviewers,
            k=self.k,
            separate_groups=self.separate,
            keep=self.keep,
            exclude=self.exclude,
            fallback=self.fallback,
            **extra,
        )


class Oracle:
    """The rules, restated plainly, and the optimum computed by max flow."""

    def __init__(self, case: Case) -> None:
        self.case = case
        kept, banned = set(case.keep), set(case.keep) | set(case.exclude)
        ids = {s.id for s in case.submissions}
        self.need = {
            s.id: max(0, case.k - sum(1 for sid, _ in kept if sid == s.id)) for s in case.submissions
        }
        self.kept_load = Counter(rid for _, rid in kept)

        def allowed(s: Submission, r: Reviewer) -> bool:
            if r.id == s.author or (s.id, r.id) in banned:
                return False
            return not (case.separate and s.group is not None and s.group == r.group)

        self.allowed = allowed
        self.needy = [s for s in case.submissions if self.need[s.id]]
        self.able = [r for r in case.reviewers if any(allowed(s, r) for s in self.needy)]
        total = sum(self.kept_load[r.id] for r in self.able) + sum(self.need.values())
        self.cap = -(-total // len(self.able)) if self.able else 0
        assert ids == set(self.need)

    def network(self, bounds: dict[int, tuple[int, int]] | None = None, value: int | None = None):
        """Build the b-matching network; with bounds, a feasibility network for loads in [lo, hi]."""
        subs, peers = self.needy, self.able
        source, sink = 0, 1
        sub_node = {s.id: 2 + i for i, s in enumerate(subs)}
        peer_node = {r.id: 2 + len(subs) + j for j, r in enumerate(peers)}
        n = 4 + len(subs) + len(peers)
        graph = MaxFlow(n)
        excess = [0] * n
        for s in subs:
            graph.edge(source, sub_node[s.id], self.need[s.id])
            for r in peers:
                if self.allowed(s, r):
                    graph.edge(sub_node[s.id], peer_node[r.id], 1)
        for r in peers:
            spare = max(0, self.cap - self.kept_load[r.id])
            low, high = 0, spare
            if bounds is not None:
                low, high = bounds[r.id]
            graph.edge(peer_node[r.id], sink, high - low)
            excess[sink] += low
            excess[peer_node[r.id]] -= low
        if value is not None:  # force exactly this flow value: an arc sink -> source with [value, value]
            excess[source] += value
            excess[sink] -= value
        return graph, excess

    def max_new(self) -> int:
        graph, _ = self.network()
        return graph.run(0, 1)

    def min_shortfall(self) -> int:
        return sum(self.need.values()) - self.max_new()

    def window_feasible(self, lo: int, hi: int, value: int) -> bool:
        bounds = {}
        for r in self.able:
            kept = self.kept_load[r.id]
            top = min(hi, max(self.cap, kept)) - kept
            bottom = max(0, lo - kept)
            if top < bottom:
                return False
            bounds[r.id] = (bottom, top)
        graph, excess = self.network(bounds, value)
        n = graph.n
        super_source, super_sink = n - 2, n - 1
        for node, x in enumerate(excess):
            if x > 0:
                graph.edge(super_source, node, x)
            elif x < 0:
                graph.edge(node, super_sink, -x)
        return graph.run(super_source, super_sink) == sum(x for x in excess if x > 0)

    def min_spread(self) -> int:
        """The smallest max-minus-min of the able peers' loads over all maximum plans."""
        if not self.able:
            return 0
        value = self.max_new()
        total = sum(self.kept_load[r.id] for r in self.able) + value
        n = len(self.able)
        for d in range(10 * (self.case.k + 1) + max(self.kept_load.values(), default=0)):
            for lo in range(max(0, -(-total // n) - d), total // n + 1):
                if self.window_feasible(lo, lo + d, value):
                    return d
        raise AssertionError("no spread found")


# -- checking a plan -------------------------------------------------------------------------------


def loads_of(case: Case, plan: Plan) -> Counter[int]:
    return Counter(rid for _, rid in case.keep) + Counter(rid for _, rid in plan.assignments)


def check(case: Case, plan: Plan, *, oracle: bool | str = True) -> Oracle | None:
    """Assert every guarantee and compare with the oracle ("auto": unless optimal by counting)."""
    peers = {r.id: r for r in case.reviewers}
    fallback_ids = [f.id for f in case.fallback]
    subs = {s.id: s for s in case.submissions}
    kept = set(case.keep)
    new = plan.assignments
    assert len(new) == len(set(new)), "duplicate pair"
    assert not set(new) & kept, "a kept pair was planned again"
    assert not set(new) & set(case.exclude), "an excluded pair came back"
    for sid, rid in new:
        s = subs[sid]
        assert rid != s.author, "self-review"
        assert rid in peers or rid in fallback_ids
        if rid in peers and case.separate and s.group is not None:
            assert peers[rid].group != s.group, "same circle"
    got = Counter(sid for sid, _ in new)
    kept_count = Counter(sid for sid, _ in kept)
    for s in case.submissions:
        want = max(case.k, kept_count[s.id])
        assert kept_count[s.id] + got[s.id] == want - plan.shortfall.get(s.id, 0)
    assert all(v > 0 for v in plan.shortfall.values())

    peer_new = [(sid, rid) for sid, rid in new if rid in peers]
    fallback_new = [(sid, rid) for sid, rid in new if rid not in peers]
    # Fallback reviewers in order: a submission only skips one who cannot take it (author, kept, excluded).
    for s in case.submissions:
        used = sorted((rid for sid, rid in fallback_new if sid == s.id), key=fallback_ids.index)
        eligible = [
            f
            for f in dict.fromkeys(fallback_ids)
            if f != s.author and (s.id, f) not in kept and (s.id, f) not in case.exclude
        ]
        assert used == eligible[: len(used)]
        if plan.shortfall.get(s.id):
            assert len(used) == len(eligible), "fallback left unused while reviews are missing"

    want_total = sum(max(0, case.k - kept_count[s.id]) for s in case.submissions)
    peer_shortfall = want_total - len(peer_new)
    loads = loads_of(case, plan)
    if oracle == "auto" and not case.keep and peer_shortfall == 0:
        every = [loads[r.id] for r in case.reviewers]
        if max(every) - min(every) <= 1:
            return None  # everything given, spread <= 1 over everyone: optimal by counting alone
    if not oracle:
        return None
    o = Oracle(case)
    assert peer_shortfall == o.min_shortfall(), "shortfall is not the minimum"
    for _, rid in peer_new:
        assert loads[rid] <= o.cap, "a peer above the cap"
    able = [loads[r.id] for r in o.able]
    if able:
        assert max(able) - min(able) == o.min_spread(), "load not as even as it could be"
    # Fallback only covers what peers could not.
    assert len(fallback_new) <= o.min_shortfall()
    return o


# -- cohorts ---------------------------------------------------------------------------------------


def cohort(
    people: int,
    *,
    k: int,
    circles: list[int] | None = None,
    separate: bool = False,
    loners: int = 0,
    seed: int = 0,
    submit_rate: float = 1.0,
    outside_reviewers: int = 0,
    fallback: int = 0,
) -> Case:
    """`people` learners in circles of the given sizes (the rest in no circle), shuffled ids."""
    rnd = random.Random(seed)
    person_ids = rnd.sample(range(1, 10 * people + 10), people + outside_reviewers)
    groups: list[int | None] = []
    for c, size in enumerate(circles or []):
        groups += [100 + c] * size
    groups += [None] * (people - len(groups))
    rnd.shuffle(groups)
    subs, revs = [], []
    for n, pid in enumerate(person_ids[:people]):
        if rnd.random() < submit_rate or n < 2:
            subs.append(Submission(id=50_000 + pid, author=pid, group=groups[n]))
        revs.append(Reviewer(id=pid, group=groups[n]))
    for pid in person_ids[people:]:
        revs.append(Reviewer(id=pid, group=rnd.choice([*groups, None])))
    rnd.shuffle(subs)
    falls = [Reviewer(id=-(i + 1), group=None) for i in range(fallback)]
    return Case(subs, revs, k, separate, fallback=falls)


@st.composite
def cases(draw, max_people: int = 24) -> Case:
    people = draw(st.integers(3, max_people))
    n_circles = draw(st.integers(0, max(1, people // 3)))
    sizes, left = [], people
    for size in draw(st.lists(st.integers(1, people), min_size=n_circles, max_size=n_circles)):
        sizes.append(min(size, left))
        left -= sizes[-1]
    case = cohort(
        people,
        k=draw(st.integers(0, 5)),
        circles=[s for s in sizes if s],
        separate=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
        submit_rate=draw(st.sampled_from([1.0, 0.8, 0.5])),
        outside_reviewers=draw(st.integers(0, 2)),
        fallback=draw(st.integers(0, 2)),
    )
    rnd = random.Random(draw(st.integers(0, 2**16)))
    everyone = [r.id for r in case.reviewers] + [f.id for f in case.fallback]
    if draw(st.booleans()):
        # Existing assignments (some odd ones: other submissions, non-peers, over k).
        case.keep = sorted(
            {
                (rnd.choice(case.submissions).id, rnd.choice(everyone))
                for _ in range(rnd.randint(0, 2 * people))
            }
            | {(99_999, rnd.choice(everyone)) for _ in range(rnd.randint(0, 2))}
        )
    if draw(st.booleans()):
        case.exclude = sorted(
            {(rnd.choice(case.submissions).id, rnd.choice(everyone)) for _ in range(rnd.randint(0, people))}
        )
    return case


SMALL = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- properties ------------------------------------------------------------------------------------


@SMALL
@given(case=cases())
def test_random_cohorts_match_the_oracle(case):
    check(case, case.plan())


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(case=cases(max_people=120))
@example(case=cohort(300, k=3, circles=[5] * 60, separate=True, seed=1))
@example(case=cohort(500, k=3, circles=[260, 100, 100], separate=True, seed=2))  # a circle over half
@example(case=cohort(2000, k=3, seed=3))
@example(case=cohort(2000, k=4, circles=[8] * 250, separate=True, seed=4, submit_rate=0.9))
@example(case=cohort(2000, k=3, circles=[7] * 200 + [300], separate=True, seed=5, fallback=1))
def test_bigger_cohorts_match_the_oracle(case):
    check(case, case.plan(), oracle="auto" if len(case.reviewers) > 150 else True)


@settings(max_examples=100, deadline=None)
@given(case=cases(max_people=30), late=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_late_submitters_get_reviewers_and_nothing_is_removed(case, late, seed):
    case.keep, case.exclude = [], []
    first = case.plan()
    check(case, first)
    rnd = random.Random(seed)
    newcomers = [(10**6 + i, rnd.choice([None, *{r.group for r in case.reviewers}])) for i in range(late)]
    later = Case(
        case.submissions + [Submission(id=10**7 + pid, author=pid, group=g) for pid, g in newcomers],
        case.reviewers + [Reviewer(id=pid, group=g) for pid, g in newcomers],
        case.k,
        case.separate,
        keep=first.assignments,
        fallback=case.fallback,
    )
    second = later.plan()
    check(later, second)
    assert not set(second.assignments) & set(first.assignments)
    late_ids = {10**7 + pid for pid, _ in newcomers}
    assert {sid for sid, _ in second.assignments} <= late_ids | set(first.shortfall)


@settings(max_examples=100, deadline=None)
@given(case=cases(max_people=30), seed=st.integers(0, 2**16), started=st.floats(0, 1))
def test_reassignment_keeps_the_guarantees(case, seed, started):
    case.keep, case.exclude = [], []
    first = case.plan()
    rnd = random.Random(seed)
    kept = [p for p in first.assignments if rnd.random() < started]
    released = [p for p in first.assignments if p not in kept]
    again = Case(case.submissions, case.reviewers, case.k, case.separate, kept, released, case.fallback)
    second = again.plan()
    check(again, second)
    assert not set(second.assignments) & set(released), "a released reviewer got the same submission back"
    assert not set(second.assignments) & set(kept)


# -- the cases named in the issue ------------------------------------------------------------------


def test_a_circle_larger_than_half_leaves_exactly_the_minimum_shortfall():
    # 7 of 10 in one circle, k=2, separate circles: the 14 reviews the big circle needs can only come
    # from the 3 outsiders, each allowed at most C = ceil(20 / 10) = 2.
    case = cohort(10, k=2, circles=[7, 3], separate=True)
    plan = case.plan()
    o = check(case, plan)
    assert o is not None
    assert o.cap == 2
    assert sum(plan.shortfall.values()) == o.min_shortfall() == 14 - 3 * 2
    big = {s.id for s in case.submissions if s.group == 100}
    assert set(plan.shortfall) <= big


def test_a_circle_of_exactly_half_needs_no_fallback():
    case = cohort(12, k=3, circles=[6, 3, 3], separate=True)
    plan = case.plan()
    check(case, plan)
    assert plan.shortfall == {}
    loads = loads_of(case, plan)
    assert set(loads.values()) == {3}


def test_fallback_reviews_only_what_peers_cannot():
    case = cohort(10, k=2, circles=[7, 3], separate=True, fallback=2)
    plan = case.plan()
    o = check(case, plan)
    facilitator = [(sid, rid) for sid, rid in plan.assignments if rid < 0]
    assert len(facilitator) == o.min_shortfall() == 8
    assert plan.shortfall == {}


def test_three_learners_review_each_other_and_the_facilitator_fills_in():
    people = [Reviewer(id=i, group=None) for i in (1, 2, 3)]
    works = [Submission(id=10 + i, author=i, group=None) for i in (1, 2, 3)]
    plan = allocate(submissions=works, reviewers=people, k=2)
    assert sorted(plan.assignments) == [(11, 2), (11, 3), (12, 1), (12, 3), (13, 1), (13, 2)]
    plan = allocate(submissions=works, reviewers=people, k=3, fallback=[Reviewer(id=9, group=None)])
    assert Counter(rid for _, rid in plan.assignments) == {1: 2, 2: 2, 3: 2, 9: 3}
    assert plan.shortfall == {}


def test_the_fallback_never_reviews_their_own_submission():
    works = [Submission(id=1, author=7, group=None)]
    plan = allocate(submissions=works, reviewers=[], k=2, fallback=[Reviewer(id=7, group=None)])
    assert plan.assignments == []
    assert plan.shortfall == {1: 2}


def test_no_peers_at_all_is_not_a_deadlock():
    works = [Submission(id=1, author=1, group=None), Submission(id=2, author=2, group=None)]
    plan = allocate(submissions=works, reviewers=[], k=1, fallback=[Reviewer(id=5, group=None)])
    assert plan.assignments == [(1, 5), (2, 5)]
    assert plan.shortfall == {}


def test_a_lapsed_reviewer_left_out_of_the_peers_gets_nothing_new():
    # How the programs service reassigns: live reviews are kept, the lapsed reviewer is not a peer.
    case = cohort(8, k=2, circles=[4, 4], separate=True)
    first = case.plan()
    lapsed_pair = first.assignments[0]
    again = Case(
        case.submissions,
        [r for r in case.reviewers if r.id != lapsed_pair[1]],
        2,
        True,
        keep=[p for p in first.assignments if p != lapsed_pair],
    )
    second = again.plan()
    check(again, second)
    assert [sid for sid, _ in second.assignments] == [lapsed_pair[0]]
    assert lapsed_pair[1] not in {rid for _, rid in second.assignments}


def test_kept_reviews_count_toward_k_and_load():
    case = cohort(6, k=2)
    first = case.plan()
    again = Case(case.submissions, case.reviewers, 2, keep=first.assignments)
    assert again.plan() == Plan(assignments=[], shortfall={})


def test_a_late_submitter_joins_a_balanced_cohort():
    case = cohort(9, k=3)
    first = case.plan()
    late = Case(
        [*case.submissions, Submission(id=1, author=999, group=None)],
        [*case.reviewers, Reviewer(id=999, group=None)],
        3,
        keep=first.assignments,
    )
    second = late.plan()
    check(late, second)
    assert sorted(sid for sid, _ in second.assignments) == [1, 1, 1]
    assert Counter(loads_of(late, second).values()) == {3: 6, 4: 3}  # the newcomer reviews no one yet


def test_same_input_same_plan_in_any_order():
    case = cohort(40, k=3, circles=[10, 10, 10], separate=True, seed=9)
    plan = case.plan()
    shuffled = Case(list(reversed(case.submissions)), list(reversed(case.reviewers)), 3, True)
    assert shuffled.plan() == plan
    assert case.plan(seed=None) == plan
    other = case.plan(seed=123)
    check(case, other)


def test_bad_input_is_refused():
    work = Submission(id=1, author=1, group=None)
    with pytest.raises(ValueError, match="k must not be negative"):
        allocate(submissions=[work], reviewers=[], k=-1)
    with pytest.raises(ValueError, match="submission ids"):
        allocate(submissions=[work, work], reviewers=[], k=1)
    with pytest.raises(ValueError, match="reviewer ids"):
        allocate(submissions=[], reviewers=[Reviewer(1, None), Reviewer(1, 2)], k=1)


def test_the_oracle_agrees_with_a_hand_count():
    # Circles of 2, 2 and 1, k=3, separate: each pair's submissions need the other pair and the loner,
    # so the loner would review all 4, one above the cap C = 15 / 5 = 3: one review short.
    case = cohort(5, k=3, circles=[2, 2, 1], separate=True)
    o = Oracle(case)
    assert o.cap == 3
    assert o.min_shortfall() == 1
    plan = case.plan()
    check(case, plan)
    assert sum(plan.shortfall.values()) == 1
