"""(being written)"""

from __future__ import annotations

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


tracker = _todo
tracker_csv = _todo
member_history = _todo
