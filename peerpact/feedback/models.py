"""Comments, guided feedback, kudos, help offers and resolutions, and the peer-activity queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerpact.checkins.models import Checkin
from peerpact.circles.models import Circle
from peerpact.safety.models import Moderatable, ModeratableQuerySet, ModerationState

BODY_MAX = 2000
PROMPT_MAX = 1000


class Comment(Moderatable):
    """A reply in a check-in's thread (the owner may reply too)."""

    checkin = models.ForeignKey(Checkin, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("comment"), max_length=BODY_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = ModeratableQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        # Read by reciprocity() (circle health) and the check-in thread.
        indexes = [models.Index(fields=["checkin", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.checkin_id}"


class Feedback(Moderatable):
    """Structured feedback on a check-in: what worked, one suggestion, a question (at least one).

    `anonymous` hides the author from every peer, the receiver included; only the community's
    organizers see it (for moderation). Templates never get the author of anonymous feedback: the
    selectors hand them a view of the row without it.
    """

    checkin = models.ForeignKey(Checkin, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    worked = models.TextField(_("What worked"), blank=True, max_length=PROMPT_MAX)
    suggestion = models.TextField(_("One suggestion"), blank=True, max_length=PROMPT_MAX)
    question = models.TextField(_("A question"), blank=True, max_length=PROMPT_MAX)
    anonymous = models.BooleanField(_("give this anonymously"), default=False)
    helpful_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ModeratableQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["created_at", "pk"]
        constraints = [
            # Removal by a moderator blanks the text, so only removed rows may be empty.
            models.CheckConstraint(
                condition=Q(moderation_state=ModerationState.REMOVED)
                | ~Q(worked="")
                | ~Q(suggestion="")
                | ~Q(question=""),
                name="feedback_has_an_answer",
            )
        ]
        indexes = [models.Index(fields=["checkin", "created_at"]), models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"feedback {self.pk} on {self.checkin_id}"

    @property
    def is_helpful(self) -> bool:
        return self.helpful_at is not None


class KudosTarget(models.TextChoices):
    CHECKIN = "checkin", _("check-in")
    GOAL = "goal", _("goal")
    MILESTONE = "milestone", _("milestone")


class Reaction(models.TextChoices):
    """A small fixed set; the label is what screen readers hear instead of the emoji."""

    CLAP = "clap", _("Applause")
    PARTY = "party", _("Celebrate")
    STRONG = "strong", _("Strength")
    HEART = "heart", _("Love")


EMOJI = {Reaction.CLAP: "👏", Reaction.PARTY: "🎉", Reaction.STRONG: "💪", Reaction.HEART: "❤️"}


class Kudos(models.Model):
    """One person's reaction to a check-in, goal or milestone. Giving it again takes it back."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target_kind = models.CharField(max_length=10, choices=KudosTarget.choices)
    target_id = models.PositiveBigIntegerField()
    reaction = models.CharField(max_length=10, choices=Reaction.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("kudos")
        verbose_name_plural = _("kudos")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "target_kind", "target_id", "reaction"], name="kudos_once_per_reaction"
            )
        ]
        indexes = [models.Index(fields=["target_kind", "target_id"])]

    def __str__(self) -> str:
        return f"{self.reaction} on {self.target_kind} {self.target_id}"

    @property
    def emoji(self) -> str:
        return EMOJI[Reaction(self.reaction)]


class HelpOffer(models.Model):
    """ "I can help": a peer answers a check-in's help request."""

    checkin = models.ForeignKey(Checkin, on_delete=models.CASCADE, related_name="help_offers")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("how you can help"), blank=True, max_length=PROMPT_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("help offer")
        verbose_name_plural = _("help offers")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["checkin", "helper"], name="help_offer_once")]

    def __str__(self) -> str:
        return f"{self.helper_id} offers help on {self.checkin_id}"


class HelpResolution(models.Model):
    """The member who asked for help says it is sorted; the request leaves the open lists."""

    checkin = models.OneToOneField(Checkin, on_delete=models.CASCADE, related_name="help_resolution")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("what helped (optional)"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("help resolution")
        verbose_name_plural = _("help resolutions")

    def __str__(self) -> str:
        return f"help on {self.checkin_id} resolved"


class ActivityKind(models.TextChoices):
    COMMENT = "comment", _("comment")
    FEEDBACK = "feedback", _("feedback")
    KUDOS = "kudos", _("kudos")
    HELP_OFFER = "help_offer", _("help offer")


class PeerActivityQuerySet(models.QuerySet["PeerActivity"]):
    def unsent(self) -> PeerActivityQuerySet:
        return self.filter(batch_key="")


class PeerActivity(models.Model):
    """Something a peer did on my check-in or win, waiting to go out in one batched message.

    `batch_key` is empty until `peer_activity_send` claims the row into a batch (compare-and-set in
    the same transaction that queues the message, so an item is never lost or sent twice).
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ActivityKind.choices)
    object_id = models.PositiveBigIntegerField(help_text=_("The comment, feedback, kudos or offer."))
    anonymous = models.BooleanField(default=False)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    batch_key = models.CharField(max_length=100, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = PeerActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("peer activity")
        verbose_name_plural = _("peer activity")
        ordering = ["created_at", "pk"]
        # Read by peer_activity_send (worker): unsent rows per recipient, by time.
        indexes = [models.Index(fields=["batch_key", "recipient", "created_at"], name="peer_activity_due")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"
