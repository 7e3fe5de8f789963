"""Print the figures `make soak` collected (one JSON line per test, tests/reliability/figures.py).

Exits 1 if any run lost data or saw a server error.
"""

# ruff: noqa: T201 - a command-line report
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def main(path: str) -> int:
    lines = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    totals: Counter[str] = Counter()
    print("\n## Soak figures\n")
    print("| run | figures |\n| --- | --- |")
    for figures in lines:
        test = figures.pop("test")
        print(f"| {test} | {', '.join(f'{k} {v}' for k, v in figures.items())} |")
        for key in ("faults", "messages", "duplicates", "lost", "fuzz_cases", "server_errors"):
            if isinstance(figures.get(key), int):
                totals[key] += figures[key]
    print(
        f"\nFaults injected: {totals['faults']} · messages: {totals['messages']} · "
        f"duplicates: {totals['duplicates']} · data lost: {totals['lost']} · "
        f"fuzz cases run: {totals['fuzz_cases']} · server errors: {totals['server_errors']}"
    )
    if not lines:
        print("No figures were recorded: did the tests run?")
        return 1
    return 1 if totals["lost"] or totals["server_errors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
