"""The machine and versions a benchmark ran on, printed with every table of figures."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import UTC, datetime


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kib = int(info.readline().split()[1])
        return f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown memory"


def _postgres_version() -> str:
    try:
        out = subprocess.run(["psql", "--version"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return "not installed"
    found = re.search(r"\d+(\.\d+)+", out.stdout) if out.returncode == 0 else None
    return found.group(0) if found else "not installed"


def describe() -> str:
    """One line: date, CPU, cores, memory, OS, Python, Django, SQLite, PostgreSQL, granian."""
    import sqlite3

    import django

    try:
        import granian

        granian_version = granian.__version__
    except ImportError:  # pragma: no cover - granian is a dependency
        granian_version = "absent"
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{today}; {_cpu_model()}, {os.cpu_count()} cores, {_memory_gib()}; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, SQLite {sqlite3.sqlite_version}, PostgreSQL {_postgres_version()}, "
        f"granian {granian_version}"
    )


def load_average() -> str:
    """The 1-minute load average, so a reader can tell whether the machine was busy during the run."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover
        return "unknown"
