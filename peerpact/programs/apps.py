from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "peerpact.programs"
    label = "programs"
    verbose_name = _("Learning programs")

    def ready(self) -> None:
        from peerpact.notifications import kinds, worker
        from peerpact.programs.services import followups, reviews

        worker.register(reviews.reviews_release_overdue)
        worker.register(reviews.reviews_allocate_due)
        worker.register(followups.followups_send)
        kinds.register(
            "program.review_assigned",
            _("A peer review for you"),
            _("When a peer's action is given to you to review, with the due date."),
        )
        kinds.register(
            "program.review_received",
            _("Feedback on your action"),
            _("When a peer has reviewed what you did."),
        )
        kinds.register(
            "program.followup",
            _("Program follow-ups"),
            _("Some weeks after a module: did you apply it?"),
        )
