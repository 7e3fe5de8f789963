"""A member's data: download all of it (export.py) or delete the account (erase.py).

`accounts` sits low in the import order, yet a person's data lives in every app. Like
`CommunityInvitation.circle` ("circles.Circle"), these modules name other apps' tables by label
(`apps.get_model`) and never import their code. A table that is not installed (an optional app) is
skipped. The field lists here are the review point: a new model holding personal data must be added
to both lists; `tests/test_round_trip.py` scans every text column of every model and fails otherwise.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models


def model_or_none(label: str) -> type[models.Model] | None:
    """The model called `label` ("app.Model"), or None when that app is not installed."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None
