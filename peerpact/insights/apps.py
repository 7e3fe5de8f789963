from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "peerpact.insights"
    label = "insights"
    verbose_name = _("Insights")
