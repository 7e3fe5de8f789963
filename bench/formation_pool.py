"""A generator of realistic intake pools for the circle-formation solver (fixed seed, 12 to 5,000 people).

People live in a weighted mix of time zones (pools up to 30 are European cohorts, up to 1,000 span
the Atlantic, larger ones the world), give weekly availability as local hour blocks (evenings on 3-5
weekdays, plus some of early mornings, lunches, early evenings, weekend slots) converted to UTC, speak
English and sometimes a regional language (some only the regional one in pools of 1,000 and more), sit
at a career stage 0-4, pick 1-3 intentions and bring/want skills with a popularity skew, answer three
custom questions, and a minority self-identify in two protected groups. A few "with" and "not with"
pairs are added.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from peerpact.formation.scoring import DEFAULT_WEEK, Person, Question, Settings

# (zone, weight, regional language, share speaking it, share speaking only it)
REGIONS = [
    ("Europe/Berlin", 0.22, "de", 0.7, 0.08),
    ("Europe/London", 0.15, None, 0.0, 0.0),
    ("Europe/Madrid", 0.08, "es", 0.8, 0.15),
    ("America/New_York", 0.20, "es", 0.15, 0.0),
    ("America/Chicago", 0.07, None, 0.0, 0.0),
    ("America/Los_Angeles", 0.10, "es", 0.2, 0.0),
    ("Asia/Kolkata", 0.10, "hi", 0.5, 0.0),
    ("Asia/Tokyo", 0.03, "ja", 1.0, 0.3),
    ("Australia/Sydney", 0.05, None, 0.0, 0.0),
]
EUROPE = {"Europe/Berlin", "Europe/London", "Europe/Madrid"}
ATLANTIC = EUROPE | {"America/New_York", "America/Chicago"}
# (weekdays, start hour, length) in local time
BLOCKS = [
    ((0, 1, 2, 3, 4), 7, 2),
    ((0, 1, 2, 3, 4), 12, 2),
    ((0, 1, 2, 3, 4), 17, 2),
    ((0, 1, 2, 3, 4), 19, 3),
    ((5,), 9, 3),
    ((6,), 14, 3),
]
BLOCK_WEIGHTS = [0.5, 0.9, 1.0, 1.3, 0.6, 0.5]
INTENTIONS = [
    "accountability",
    "career change",
    "ship a side project",
    "leadership",
    "learn to code",
    "start a business",
    "write regularly",
    "health habits",
]
SKILLS = [
    "python",
    "design",
    "marketing",
    "writing",
    "sales",
    "data analysis",
    "public speaking",
    "finance",
    "product management",
    "hiring",
]
INDUSTRIES = ["tech", "education", "health", "finance", "creative", "public sector"]
TOPICS = ["ai", "climate", "remote work", "parenting", "open source", "community"]

QUESTIONS = (
    Question("industry", "choice", weight=1.0, direction="similar"),
    Question("topics", "multi", weight=0.5, direction="similar"),
    Question("style", "scale", weight=0.5, direction="different", scale_min=1, scale_max=5),
)
SETTINGS = Settings(
    size_min=4, size_max=6, min_common_hours=2, protected_groups=frozenset({"women", "first_gen"})
)


@dataclass(frozen=True)
class Pool:
    people: list[Person]
    questions: tuple[Question, ...]
    settings: Settings
    with_pairs: list[tuple[str, str]]
    not_with_pairs: list[tuple[str, str]]


def _zipf_pick(rng: random.Random, items: list[str], k: int) -> frozenset[str]:
    weights = [1 / (i + 1) ** 0.8 for i in range(len(items))]
    chosen: set[str] = set()
    while len(chosen) < k:
        chosen.add(rng.choices(items, weights)[0])
    return frozenset(chosen)


def _utc_hours(tz: str, local: list[int]) -> frozenset[int]:
    zone = ZoneInfo(tz)
    monday = datetime(DEFAULT_WEEK.year, DEFAULT_WEEK.month, DEFAULT_WEEK.day, tzinfo=zone)
    out = set()
    for h in local:
        t = (monday + timedelta(hours=h)).astimezone(UTC)
        delta = t - datetime(DEFAULT_WEEK.year, DEFAULT_WEEK.month, DEFAULT_WEEK.day, tzinfo=UTC)
        out.add(int(delta.total_seconds() // 3600) % 168)
    return frozenset(out)


def generate(n: int, seed: int = 0) -> Pool:
    rng = random.Random(f"formation-pool-{n}-{seed}")
    # Small intakes are regional cohorts; mid-size ones span the Atlantic; large ones the world.
    regions = [r for r in REGIONS if n >= 1000 or r[0] in (EUROPE if n <= 30 else ATLANTIC)]
    people: list[Person] = []
    for i in range(n):
        tz, _, lang, lang_share, only_share = rng.choices(regions, [r[1] for r in regions])[0]
        languages = {"en"}
        if lang and rng.random() < lang_share:
            languages.add(lang)
            if n >= 1000 and rng.random() < only_share:
                languages.discard("en")
        # Everyone offers some weekday evenings, plus a few other blocks.
        local: list[int] = [d * 24 + h for d in rng.sample(range(5), rng.randint(3, 5)) for h in (19, 20, 21)]
        for b in set(rng.choices(range(len(BLOCKS)), BLOCK_WEIGHTS, k=rng.randint(2, 4))):
            days, start, length = BLOCKS[b]
            picked = days if len(days) == 1 else rng.sample(days, rng.randint(3, 5))
            for d in picked:
                local.extend(d * 24 + start + j for j in range(length))
        have = _zipf_pick(rng, SKILLS, rng.randint(1, 3))
        want = _zipf_pick(rng, [s for s in SKILLS if s not in have], rng.randint(1, 2))
        groups = set()
        if rng.random() < 0.4:
            groups.add("women")
        if rng.random() < 0.12:
            groups.add("first_gen")
        people.append(
            Person(
                id=f"p{i:04d}",
                tz=tz,
                hours=_utc_hours(tz, local),
                languages=frozenset(languages),
                stage=rng.choices(range(5), [0.15, 0.3, 0.3, 0.17, 0.08])[0],
                intentions=_zipf_pick(rng, INTENTIONS, rng.randint(1, 3)),
                skills_have=have,
                skills_want=want,
                answers={
                    "industry": rng.choices(INDUSTRIES, [5, 2, 2, 2, 1, 1])[0],
                    "topics": _zipf_pick(rng, TOPICS, rng.randint(1, 3)),
                    "style": rng.randint(1, 5),
                },
                groups=frozenset(groups),
            )
        )
    # A protected group with exactly one member in the whole pool cannot be kept from isolation;
    # organizers protect groups with several members, so give a lone member a companion.
    for g in ("women", "first_gen"):
        holders = [p for p in people if g in p.groups]
        if len(holders) == 1 and n > 1:
            j = next(k for k, p in enumerate(people) if g not in p.groups)
            other = people[j]
            people[j] = Person(**{**other.__dict__, "groups": other.groups | {g}})
    ids = [p.id for p in people]
    by_tz: dict[str, list[str]] = {}
    for p in people:
        by_tz.setdefault(p.tz, []).append(p.id)
    with_pairs: list[tuple[str, str]] = []
    for _ in range(n // 15):
        asker = rng.choice(ids)
        friend = rng.choice(by_tz[people[int(asker[1:])].tz])
        if asker != friend:
            with_pairs.append((asker, friend))
    not_with: list[tuple[str, str]] = []
    for _ in range(max(1, n // 50)):
        left, right = rng.sample(ids, 2)
        not_with.append((left, right))
    return Pool(people, QUESTIONS, SETTINGS, with_pairs, not_with)
