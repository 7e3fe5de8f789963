"""(being written)"""

from __future__ import annotations

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


feed = _todo
calendar_settings = _todo
calendar_settings_personal = _todo
