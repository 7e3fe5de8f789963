"""Writes to submissions, their attachments and the gallery's highlights."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from peerpact.lib.text import refuse_nul
from peerpact.programs import access, uploads
from peerpact.programs.models import Attachment, Cohort, Highlight, Module, ReviewAssignment, Submission

MAX_LINKS = 10
MAX_LINK_LENGTH = 500


def reviews_started(submission: Submission) -> bool:
    """Once any reviewer has opened (or finished) a review, the submission is frozen."""
    return (
        ReviewAssignment.objects.filter(submission=submission)
        .exclude(started_at__isnull=True, completed_at__isnull=True)
        .exists()
    )


def clean_links(links: Iterable[str]) -> list[str]:
    validate = URLValidator(schemes=["http", "https"])
    cleaned: list[str] = []
    for link in (item.strip() for item in links):
        if not link:
            continue
        try:
            validate(link)
        except ValidationError as exc:
            raise ValidationError(
                {"links": _("“%(link)s” is not a web address (http or https).") % {"link": link[:80]}}
            ) from exc
        if len(link) > MAX_LINK_LENGTH:  # refused, never cut: a shortened link leads elsewhere
            raise ValidationError(
                {
                    "links": _("Keep each web address to %(max)d characters at most (“%(link)s…” has %(n)d).")
                    % {"max": MAX_LINK_LENGTH, "link": link[:80], "n": len(link)}
                }
            )
        if link not in cleaned:
            cleaned.append(link)
    if len(cleaned) > MAX_LINKS:
        raise ValidationError({"links": _("At most %(max)d links, please.") % {"max": MAX_LINKS}})
    return cleaned


def submission_save(
    *,
    cohort: Cohort,
    module: Module,
    actor: Any,
    text: str,
    now: datetime,
    links: Sequence[str] = (),
    files: Sequence[Any] = (),
    remove_attachments: Sequence[int] = (),
) -> Submission:
    """Share what you did for a module's challenge, or change it until a review of it starts."""
    if module.program_id != cohort.program_id:
        raise ValidationError(_("That module is not part of this cohort's program."))
    enrollment = access.enrollment_of(actor, cohort)
    if enrollment is None or not access.can_submit(actor, cohort):
        raise PermissionDenied(_("Only learners enrolled in this cohort submit actions here."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Say what you did, even briefly.")})
    refuse_nul(text=text, links=list(links))
    cleaned_links = clean_links(links)
    errors: list[ValidationError] = []
    file_types = []
    for upload in files:
        try:
            file_types.append(uploads.validate_upload(upload))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError({"uploads": errors})
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update().filter(enrollment=enrollment, module=module).first()
        )
        if submission is not None and reviews_started(submission):
            raise ValidationError(
                _("A peer has started reviewing your submission, so it can no longer change.")
            )
        kept = 0
        if submission is not None:
            kept = submission.attachments.exclude(pk__in=list(remove_attachments)).count()
        if kept + len(files) > uploads.MAX_FILES:
            raise ValidationError(
                {"uploads": _("At most %(max)d files per submission.") % {"max": uploads.MAX_FILES}}
            )
        if submission is None:
            submission = Submission(
                enrollment=enrollment,
                module=module,
                text=text,
                links=cleaned_links,
                submitted_at=now,
                updated_at=now,
            )
            submission.full_clean()
            submission.save()
        else:
            submission.text, submission.links, submission.updated_at = text, cleaned_links, now
            submission.version += 1
            submission.full_clean()
            submission.save(update_fields=["text", "links", "updated_at", "version"])
            for attachment in submission.attachments.filter(pk__in=list(remove_attachments)):
                attachment.file.delete(save=False)
                attachment.delete()
        for upload, file_type in zip(files, file_types, strict=True):
            Attachment.objects.create(
                submission=submission,
                file=upload,
                original_name=uploads.clean_name(upload.name),
                size=upload.size,
                content_type=file_type.content_type,
                uploaded_at=now,
            )
    return submission


def highlight_set(
    *, submission: Submission, actor: Any, on: bool, now: datetime, note: str = ""
) -> Highlight | None:
    """Pick a submission for the module's gallery highlights (or take it back out)."""
    if not access.can_lead_cohort(actor, submission.enrollment.cohort):
        raise PermissionDenied(_("Only the cohort's facilitators and organizers choose highlights."))
    if not on:
        Highlight.objects.filter(submission=submission).delete()
        return None
    highlight, _created = Highlight.objects.update_or_create(
        submission=submission, defaults={"chosen_by": actor, "note": note.strip()[:300], "created_at": now}
    )
    return highlight
