"""(being written)"""

from __future__ import annotations

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


checkin_edit = _todo
checkin_draft = _todo
checkin_detail = _todo
