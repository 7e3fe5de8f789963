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


class Block(models.Model):
    """`blocker` does not want to be contacted by `blocked`: no comments, feedback, kudos, help offers
    or notifications from them. Only the blocker sees that the block exists."""

    blocker = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"
