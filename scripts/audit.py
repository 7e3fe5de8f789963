"""Audit the locked dependencies (uv.lock) for known vulnerabilities with pip-audit.

Exit 1 on any known vulnerability. When the vulnerability service cannot be reached (offline, or it
answered for no package at all) this prints a loud warning and exits 0 for a developer, but exits 2
under CI=true: CI must never pass an audit that did not happen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

UV = os.environ.get("UV", ".tools/bin/uv")


def unreachable(why: str) -> int:
    banner = "!" * 78
    sys.stderr.write(f"{banner}\n!! DEPENDENCY AUDIT DID NOT RUN: {why}\n{banner}\n")
    return 2 if os.environ.get("CI") == "true" else 0


def main() -> int:
    locked = subprocess.run(  # noqa: S603 - fixed arguments, no user input
        [UV, "export", "--frozen", "--no-hashes", "--no-emit-project", "--all-groups"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
        requirements.write(locked)
        requirements.flush()
        audit = subprocess.run(  # noqa: S603 - fixed arguments, no user input
            [
                sys.executable,
                "-m",
                "pip_audit",
                "-r",
                requirements.name,
                "--disable-pip",
                "--no-deps",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--timeout",
                "20",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        report = json.loads(audit.stdout)
    except json.JSONDecodeError:
        last = (audit.stderr.strip().splitlines() or ["no output"])[-1]
        return unreachable(f"pip-audit failed ({last})")
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        return unreachable(f"the vulnerability service answered for none of {len(dependencies)} packages")
    vulnerable = [d for d in audited if d.get("vulns")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            sys.stdout.write(
                f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixed})\n"
            )
    skipped = [d["name"] for d in dependencies if "skip_reason" in d]
    if skipped:
        sys.stderr.write(f"warning: not audited: {', '.join(skipped)}\n")
    sys.stdout.write(
        f"Audited {len(audited)} locked packages: {len(vulnerable)} with known vulnerabilities.\n"
    )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
