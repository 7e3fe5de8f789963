from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "peerpact.feedback"
    label = "feedback"
    verbose_name = _("Feedback and support")

    def ready(self) -> None:
        from peerpact.feedback import batching, moderation
        from peerpact.notifications import kinds, worker

        worker.register(batching.peer_activity_send)
        kinds.register(
            batching.KIND,
            _("Activity on your check-ins and wins"),
            _("Comments, feedback, kudos and help offers, gathered into one message."),
        )
        moderation.register_content_kinds()
