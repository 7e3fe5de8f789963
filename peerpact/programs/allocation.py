"""Peer-review allocation: who reviews whose action. Pure Python, no Django.

The problem is a bipartite b-matching. Every submission needs `k` reviews (kept ones count); every
peer reviewer may take at most C = ceil(T / n) in total, where n is the number of peers who can take
part in this round and T their kept load plus everything still needed. A pair is allowed unless the
reviewer is the author, already reviews (or reviewed) it, is excluded for it, or, with
`separate_groups`, sits in the author's circle.

Among all plans we want, in this order:
1. as many new reviews as the rules and the cap allow (the shortfall is the minimum: a maximum flow);
2. among those, the most even load: the vector of loads is "decreasingly minimal", which minimises the
   largest load and maximises the smallest at the same time (the loads of all maximum flows form an
   M-convex set, where a plan is optimal exactly when no single exchange moves one review from a
   reviewer with load L to one with load L-2 or less);
3. a deterministic answer for the same input.

How: a greedy that gives each submission the least-loaded allowed reviewers (most constrained
submissions first), then exact repair on the implicit residual graph: augmenting paths until none is
left (max flow), then exchange paths until none improves the balance. Graph searches use the
"unvisited set" trick for near-complete graphs, so a search costs O(S + R) instead of O(S * R), and the
greedy alone is already optimal in the common cases (see docs/peer-review-allocation.md).
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Plan", "Reviewer", "Submission", "allocate"]


@dataclass(frozen=True)
class Submission:
    id: int
    author: int  # person id
    group: int | None  # the author's circle id (None: in no circle)


@dataclass(frozen=True)
class Reviewer:
    id: int  # person id
    group: int | None


@dataclass(frozen=True)
class Plan:
    assignments: list[tuple[int, int]]  # NEW (submission id, reviewer id) pairs to create
    shortfall: dict[int, int]  # submission id -> reviews still missing (only when infeasible)


class _State:
    """The allocation in progress, on dense indices: submissions 0..S-1, peers 0..R-1."""

    def __init__(
        self,
        *,
        subs: list[Submission],
        peers: list[Reviewer],
        k: int,
        separate: bool,
        kept: set[tuple[int, int]],
        excluded: set[tuple[int, int]],
    ) -> None:
        self.subs, self.peers, self.separate = subs, peers, separate
        S, R = len(subs), len(peers)
        self.S = S
        peer_index = {p.id: r for r, p in enumerate(peers)}
        sub_index = {s.id: i for i, s in enumerate(subs)}
        # Group keys: without separation everyone shares one key; a person in no circle clashes with nobody.
        self.sub_key: list[int | None] = [self._key(s.group) for s in subs]
        self.peer_key: list[int | None] = [self._key(p.group) for p in peers]
        self.load = [0] * R
        kept_count = [0] * S
        # Pairs that may never be created: self-review, kept pairs (no duplicates), excluded pairs.
        self.taken: list[set[int]] = [set() for _ in range(S)]
        for i, s in enumerate(subs):
            if s.author in peer_index:
                self.taken[i].add(peer_index[s.author])
        for sid, rid in kept:
            si, ri = sub_index.get(sid), peer_index.get(rid)
            if ri is not None:
                self.load[ri] += 1  # kept reviews count toward load even for submissions not listed
            if si is not None:
                kept_count[si] += 1
                if ri is not None:
                    self.taken[si].add(ri)
        for sid, rid in excluded:
            si, ri = sub_index.get(sid), peer_index.get(rid)
            if si is not None and ri is not None:
                self.taken[si].add(ri)
        self.need = [max(0, k - c) for c in kept_count]  # still missing (goes down as we assign)
        self.new_of_sub: list[set[int]] = [set() for _ in range(S)]
        self.new_of_peer: list[dict[int, None]] = [{} for _ in range(R)]  # ordered, for determinism

        # Able: peers with at least one allowed pair with a submission that needs reviews. Only they
        # take part in this round; the cap and the balance are counted over them.
        needy_total = sum(1 for n in self.need if n)
        needy_by_key: dict[int | None, int] = {}
        blocked_pairs = [0] * R
        for i, n in enumerate(self.need):
            if n:
                needy_by_key[self.sub_key[i]] = needy_by_key.get(self.sub_key[i], 0) + 1
                for r in self.taken[i]:
                    if not self.clash(i, r):
                        blocked_pairs[r] += 1
        self.able = [
            needy_total
            - (needy_by_key.get(self.peer_key[r], 0) if self.peer_key[r] is not None and separate else 0)
            - blocked_pairs[r]
            > 0
            for r in range(R)
        ]
        n_able = sum(self.able)
        total = sum(self.load[r] for r in range(R) if self.able[r]) + sum(self.need)
        self.cap = -(-total // n_able) if n_able else 0

    def _key(self, group: int | None) -> int | None:
        return group if self.separate else 0

    def own_key(self, i: int) -> int | None:
        """The key whose peers may not review submission i (None: no circle rule applies)."""
        return self.sub_key[i] if self.separate else None

    def clash(self, i: int, r: int) -> bool:
        key = self.sub_key[i]
        return self.separate and key is not None and key == self.peer_key[r]

    def allowed(self, i: int, r: int) -> bool:
        return not self.clash(i, r) and r not in self.taken[i] and r not in self.new_of_sub[i]

    def assign(self, i: int, r: int) -> None:
        self.new_of_sub[i].add(r)
        self.new_of_peer[r][i] = None
        self.load[r] += 1

    def unassign(self, i: int, r: int) -> None:
        self.new_of_sub[i].discard(r)
        del self.new_of_peer[r][i]
        self.load[r] -= 1

    # -- phase 1: greedy ------------------------------------------------------------------------

    def greedy(self, sub_order: list[int], rank: list[int]) -> None:
        """Give each submission its least-loaded allowed peers; most constrained submissions first.

        One heap of (load, rank, peer) per group key plus a heap of the groups' heads, so a pick never
        scans the author's own circle (which may be most of the cohort) and costs O(log R).
        """
        heaps: dict[int | None, list[tuple[int, int, int]]] = {}
        for r in range(len(self.peers)):
            if self.able[r] and self.load[r] < self.cap:
                heaps.setdefault(self.peer_key[r], []).append((self.load[r], rank[r], r))
        heads: list[tuple[int, int, int, int | None]] = []
        for key, heap in heaps.items():
            heapq.heapify(heap)
            heads.append((*heap[0], key))
        heapq.heapify(heads)
        for i in sub_order:
            own = self.own_key(i)
            set_aside: list[tuple[int, int, int, int | None]] = []
            blocked: list[tuple[int | None, tuple[int, int, int]]] = []
            while self.need[i] and heads:
                head = heapq.heappop(heads)
                load, r_rank, r, key = head
                heap = heaps[key]
                if not heap or heap[0] != (load, r_rank, r):
                    continue  # stale entry
                if own is not None and key == own:
                    set_aside.append(head)
                    continue
                heapq.heappop(heap)
                if r in self.taken[i] or r in self.new_of_sub[i]:
                    blocked.append((key, (load, r_rank, r)))
                else:
                    self.assign(i, r)
                    self.need[i] -= 1
                    if self.load[r] < self.cap:
                        heapq.heappush(heap, (self.load[r], r_rank, r))
                if heap:
                    heapq.heappush(heads, (*heap[0], key))
            for key, entry in blocked:
                heapq.heappush(heaps[key], entry)
                heapq.heappush(heads, (*heaps[key][0], key))
            for head in set_aside:
                heapq.heappush(heads, head)

    # -- phases 2 and 3: exact repair by residual paths ---------------------------------------------

    def search(
        self,
        *,
        start_subs: list[int],
        start_peers: list[int],
        is_target: Callable[[int], bool],
    ) -> list[int] | None:
        """Breadth-first search of the residual graph; returns a path of nodes (peers are S + r).

        Arcs: submission -> allowed peer not yet on it (assign); peer -> submission it newly reviews
        (unassign). The graph is nearly complete, so instead of listing a submission's neighbours we
        sweep the not-yet-visited peers, grouped by key: each peer is visited once and a submission
        skips only its few blocked pairs and its own circle.
        """
        S = self.S
        unvisited: dict[int | None, dict[int, None]] = {}
        for r in range(len(self.peers)):
            if self.able[r]:
                unvisited.setdefault(self.peer_key[r], {})[r] = None
        parent: dict[int, int] = {}
        queue: deque[int] = deque()
        for i in start_subs:
            parent[i] = i
            queue.append(i)
        for r in start_peers:
            unvisited[self.peer_key[r]].pop(r, None)
            parent[S + r] = S + r
            queue.append(S + r)
        while queue:
            node = queue.popleft()
            if node >= S:
                for i in self.new_of_peer[node - S]:
                    if i not in parent:
                        parent[i] = node
                        queue.append(i)
            else:
                i = node
                own = self.own_key(i)
                taken, new = self.taken[i], self.new_of_sub[i]
                for key in list(unvisited):
                    if own is not None and key == own:
                        continue
                    bucket = unvisited[key]
                    seen: list[int] = []
                    found = None
                    for r in bucket:
                        if r in taken or r in new:
                            continue
                        seen.append(r)
                        parent[S + r] = i
                        if is_target(r):
                            found = r
                            break
                        queue.append(S + r)
                    for r in seen:
                        del bucket[r]
                    if not bucket:
                        del unvisited[key]
                    if found is not None:
                        return self._path(parent, S + found)
        return None

    @staticmethod
    def _path(parent: dict[int, int], end: int) -> list[int]:
        path = [end]
        while parent[path[-1]] != path[-1]:
            path.append(parent[path[-1]])
        path.reverse()
        return path

    def apply(self, path: list[int]) -> None:
        S = self.S
        if path[0] < S:
            self.need[path[0]] -= 1  # an augmenting path starts at a short submission
        for a, b in itertools.pairwise(path):
            if a < S:
                self.assign(a, b - S)
            else:
                self.unassign(b, a - S)

    def maximise(self) -> None:
        """Augment until no path from a short submission reaches a peer under the cap (max flow)."""
        while True:
            short = [i for i in range(self.S) if self.need[i]]
            if not short:
                return
            path = self.search(
                start_subs=short,
                start_peers=[],
                is_target=lambda r: self.load[r] < self.cap,
            )
            if path is None:
                return
            self.apply(path)

    def balance(self) -> None:
        """Move single reviews from load L to load <= L-2 along exchange paths until none exists.

        An exchange keeps every submission's count, so the flow stays maximum. (Moving a review to a
        short submission instead is never needed: that would be an augmenting path, and none is left.)
        """
        able = [r for r in range(len(self.peers)) if self.able[r]]
        if not able:
            return
        h = max(self.load[r] for r in able)
        while h >= min(self.load[r] for r in able) + 2:
            path = self.search(
                start_subs=[],
                start_peers=[r for r in able if self.load[r] >= h and self.new_of_peer[r]],
                is_target=self._below(h - 2),
            )
            if path is None:
                h -= 1  # nothing to gain from this level down by two; a lower level may still improve
            else:
                self.apply(path)
                h = max(self.load[r] for r in able)  # loads changed: start again from the top

    def _below(self, most: int) -> Callable[[int], bool]:
        return lambda r: self.load[r] <= most and self.load[r] < self.cap


def allocate(
    *,
    submissions: Sequence[Submission],
    reviewers: Sequence[Reviewer],
    k: int,
    separate_groups: bool = False,
    keep: Iterable[tuple[int, int]] = (),
    fallback: Sequence[Reviewer] = (),
    exclude: Iterable[tuple[int, int]] = (),
    seed: int | None = None,
) -> Plan:
    """Plan the new review assignments so every submission has k reviews (kept ones count).

    `exclude` lists (submission, reviewer) pairs never to create, such as a review that was released
    because it lapsed. `seed` shuffles ties between equally loaded peers; without it the plan depends
    only on the input (ids sorted).
    """
    if k < 0:
        raise ValueError("k must not be negative")
    subs = sorted(submissions, key=lambda s: s.id)
    peers = sorted(reviewers, key=lambda p: p.id)
    for people, what in ((subs, "submission"), (peers, "reviewer")):
        if len({x.id for x in people}) != len(people):
            raise ValueError(f"{what} ids must be unique")
    kept = set(keep)
    state = _State(subs=subs, peers=peers, k=k, separate=separate_groups, kept=kept, excluded=set(exclude))

    rank = list(range(len(peers)))
    sub_rank = list(range(len(subs)))
    if seed is not None:
        rng = random.Random(seed)
        rng.shuffle(rank)
        rng.shuffle(sub_rank)
    # Most constrained first: with separate circles, submissions from the biggest circle have the
    # fewest possible reviewers; giving them theirs first leaves the others' wide choice intact.
    group_size: dict[int | None, int] = {}
    for r, key in enumerate(state.peer_key):
        if state.able[r]:
            group_size[key] = group_size.get(key, 0) + 1
    order = sorted(
        (i for i in range(len(subs)) if state.need[i]),
        key=lambda i: (
            -(group_size.get(state.sub_key[i], 0) if separate_groups and state.sub_key[i] is not None else 0),
            -len(state.taken[i]),
            sub_rank[i],
        ),
    )
    state.greedy(order, rank)
    state.maximise()
    state.balance()

    pairs = [(subs[i].id, peers[r].id) for i in range(len(subs)) for r in state.new_of_sub[i]]
    # What peers cannot cover goes to the fallback reviewers, in the order given.
    excluded = set(exclude)
    fallback_people = list(dict.fromkeys(f.id for f in fallback))  # in order, each once
    for i, s in enumerate(subs):
        if not state.need[i]:
            continue
        have = {peers[r].id for r in state.new_of_sub[i]}
        for person in fallback_people:
            if not state.need[i]:
                break
            pair = (s.id, person)
            if person == s.author or person in have or pair in kept or pair in excluded:
                continue
            pairs.append(pair)
            have.add(person)
            state.need[i] -= 1
    return Plan(
        assignments=sorted(pairs),
        shortfall={subs[i].id: n for i, n in enumerate(state.need) if n},
    )
