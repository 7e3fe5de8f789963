"""Peer-review allocation for 10,000 submissions, timed against simple baselines measured in one run.

Usage: .tools/bin/uv run --no-sync python -m bench.review_allocation

A cohort of 10,000 learners who all submitted, k = 3. Scenarios: no circle rule; never within the
same circle (circles of 6, some learners in none); a circle larger than half (so peers cannot cover
everything); 1,000 late submitters added to an allocated cohort; 10% of reviews released and
reassigned. Each time is the median of a few runs, reported as a ratio to two baselines from the same
run: sorting the input by id, and a naive rotation (each submission to the next k people in id order,
skipping the author) that ignores circles and balance. Absolute times are printed only for context.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable

from peerpact.programs.allocation import Plan, Reviewer, Submission, allocate

N, K, REPEAT = 10_000, 3, 5


def cohort(circles: list[int], seed: int = 0) -> tuple[list[Submission], list[Reviewer]]:
    rnd = random.Random(seed)
    groups: list[int | None] = [c for c, size in enumerate(circles) for _ in range(size)]
    groups += [None] * (N - len(groups))
    rnd.shuffle(groups)
    people = rnd.sample(range(1, 10 * N), N)
    subs = [Submission(id=1_000_000 + p, author=p, group=g) for p, g in zip(people, groups, strict=True)]
    revs = [Reviewer(id=p, group=g) for p, g in zip(people, groups, strict=True)]
    rnd.shuffle(subs)
    return subs, revs


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(REPEAT):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def sort_baseline(subs: list[Submission], revs: list[Reviewer]) -> object:
    return sorted(subs, key=lambda s: s.id), sorted(revs, key=lambda r: r.id)


def rotation_baseline(subs: list[Submission], revs: list[Reviewer]) -> list[tuple[int, int]]:
    ordered = sorted(r.id for r in revs)
    pairs, at = [], 0
    for s in sorted(subs, key=lambda s: s.id):
        got = 0
        while got < K:
            rid = ordered[at % len(ordered)]
            at += 1
            if rid != s.author:
                pairs.append((s.id, rid))
                got += 1
    return pairs


def spread(plan: Plan, keep: list[tuple[int, int]], revs: list[Reviewer]) -> int:
    loads = Counter(r for _, r in keep) + Counter(r for _, r in plan.assignments)
    values = [loads[r.id] for r in revs]
    return max(values) - min(values)


def main() -> None:
    plain = cohort([])
    circles = cohort([6] * 1_500)  # 9,000 in circles of 6, 1,000 in none
    big = cohort([6_000, 2_000])  # one circle of 60%: its members' work needs the other 40%
    first = allocate(submissions=circles[0][:9_000], reviewers=circles[1], k=K, separate_groups=True)
    allocated = allocate(submissions=circles[0], reviewers=circles[1], k=K, separate_groups=True)
    rnd = random.Random(1)
    released = [p for p in allocated.assignments if rnd.random() < 0.1]
    still = sorted(set(allocated.assignments) - set(released))

    Pairs = list[tuple[int, int]]
    scenarios: list[tuple[str, tuple[list[Submission], list[Reviewer]], bool, Pairs, Pairs]] = [
        ("no circle rule", plain, False, [], []),
        ("separate circles", circles, True, [], []),
        ("circle over half", big, True, [], []),
        ("1,000 late submitters", circles, True, first.assignments, []),
        ("10% released", circles, True, still, released),
    ]
    floor_sort, _ = timed(lambda: sort_baseline(*plain))
    floor_rotation, _ = timed(lambda: rotation_baseline(*plain))
    print(f"{N:,} submissions, k={K}")
    print(f"baselines: sort {floor_sort * 1000:.1f} ms, naive rotation {floor_rotation * 1000:.1f} ms")
    head = ("scenario", "new", "ms", "x sort", "x rotation", "spread", "shortfall")
    print("{:<24} {:>7} {:>7} {:>7} {:>11} {:>7} {:>10}".format(*head))
    failed = False
    for name, (subs, revs), separate, keep, exclude in scenarios:

        def run(
            subs: list[Submission] = subs,
            revs: list[Reviewer] = revs,
            separate: bool = separate,
            keep: Pairs = keep,
            exclude: Pairs = exclude,
        ) -> Plan:
            return allocate(
                submissions=subs, reviewers=revs, k=K, separate_groups=separate, keep=keep, exclude=exclude
            )

        seconds, result = timed(run)
        assert isinstance(result, Plan)
        gap = spread(result, keep, revs)
        short = sum(result.shortfall.values())
        authors = {s.id: s.author for s in subs}
        failed |= any(authors[sid] == rid for sid, rid in result.assignments)
        failed |= name != "circle over half" and (gap > 1 or short > 0)
        print(
            f"{name:<24} {len(result.assignments):>7} {seconds * 1000:>7.0f} {seconds / floor_sort:>7.0f}"
            f" {seconds / floor_rotation:>11.1f} {gap:>7} {short:>10}"
        )
    print("all guarantees held" if not failed else "A GUARANTEE FAILED")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
