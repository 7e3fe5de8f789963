from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModerationState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HIDDEN = "hidden", _("Hidden by a moderator")
    REMOVED = "removed", _("Removed by a moderator")


class ModeratableQuerySet(models.QuerySet):
    def visible(self) -> ModeratableQuerySet:
        return self.filter(moderation_state=ModerationState.VISIBLE)


class Moderatable(models.Model):
    """Content people write that organizers can hide, restore or remove (see safety.registry).

    Every place that shows such content to peers filters with `.visible()`; organizers moderating it
    see hidden content with a mark. Removing keeps the row (the audit trail points at it) but blanks
    the text in the service that removes it.
    """

    moderation_state = models.CharField(
        _("moderation"), max_length=10, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_visible(self) -> bool:
        return self.moderation_state == ModerationState.VISIBLE
