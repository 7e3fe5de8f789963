"""(being written)"""

from __future__ import annotations

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


circle_board = _todo
