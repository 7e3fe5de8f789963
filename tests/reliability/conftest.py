"""The formation app's intake fixtures, shared with these cross-app tests."""

from __future__ import annotations

from peerpact.formation.tests.conftest import intake, open_intake  # noqa: F401
