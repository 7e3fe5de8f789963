"""Django's makemessages with PeerPact's defaults, so `make messages` and the catalog check in the test
suite (tests/test_i18n.py) extract exactly the same strings:

- the app's code and templates (no tests, benchmarks or collected static files);
- plus the parts of django-allauth that people see (sign-in, sign-up, passwords, email addresses, two
  factors): allauth ships no Hindi and misses some newer strings in other languages, and our catalogs
  come first in LOCALE_PATHS, so every page of the sign-in flow speaks the person's language;
- references by file without line numbers (an edit elsewhere in a file does not touch every catalog),
  and no obsolete entries.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import allauth
from django.core.management.commands import makemessages

IGNORED = ["tests", "*/tests/*", "bench", "var", "staticfiles", "static", "conftest.py", "locale"]
ALLAUTH = Path(allauth.__file__).parent
ALLAUTH_PARTS = ["account", "mfa", "core", "templates/account", "templates/mfa", "templates/allauth"]
ALLAUTH_SKIPPED = {"tests", "migrations", "locale", "__pycache__"}


class Command(makemessages.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        options["no_obsolete"] = True
        if options.get("add_location") is None:
            options["add_location"] = "file"
        super().handle(*args, **options)

    def find_files(self, root: str) -> list[makemessages.TranslatableFile]:
        files = super().find_files(root)
        for part in ALLAUTH_PARTS:
            for dirpath, dirnames, filenames in os.walk(ALLAUTH / part):
                dirnames[:] = sorted(d for d in dirnames if d not in ALLAUTH_SKIPPED)
                shown = os.path.relpath(dirpath)  # a path like .venv/lib/…/allauth/account in the catalog
                for name in sorted(filenames):
                    if os.path.splitext(name)[1] in self.extensions:
                        files.append(makemessages.TranslatableFile(shown, name, self.default_locale_path))
        return sorted(files)
