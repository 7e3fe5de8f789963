from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "peerpact.engagement"
    label = "engagement"
    verbose_name = _("Engagement")
