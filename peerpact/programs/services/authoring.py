"""Writes to programs, modules and rubrics: drafts, publishing and duplicating."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peerpact.programs import access
from peerpact.programs.models import Calibration, Module, Program, ProgramStatus, Review, RubricCriterion

PROGRAM_FIELDS = ("title", "description")
MODULE_FIELDS = (
    "title",
    "content",
    "video_url",
    "video_title",
    "action_challenge",
    "due_days",
    "reviews_k",
    "separate_circles",
    "review_days",
    "followup_weeks",
    "calibration_example",
    "calibration_review",
)
MAX_LEVELS = 6


def _require_manager(actor: Any, community: Any) -> None:
    if not access.can_manage_programs(actor, community):
        raise PermissionDenied(_("Only the community's organizers create and edit programs."))


def _unique_slug(community: Any, title: str) -> str:
    base = (slugify(title) or "program")[:50]
    slug, n = base, 1
    while Program.objects.filter(community=community, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def program_create(*, community: Any, actor: Any, title: str, description: str = "") -> Program:
    """Start a program as a draft; only organizers see it until it is published."""
    _require_manager(actor, community)
    program = Program(
        community=community,
        title=title.strip(),
        description=description.strip(),
        slug=_unique_slug(community, title),
        created_by=actor,
    )
    program.full_clean()
    program.save()
    return program


def program_update(*, program: Program, actor: Any, **fields: Any) -> Program:
    """Change a program's title or description."""
    _require_manager(actor, program.community)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"unknown program fields: {sorted(unknown)}")
    changed = [name for name, value in fields.items() if getattr(program, name) != value]
    for name in changed:
        setattr(program, name, fields[name])
    program.full_clean()
    if changed:
        program.save(update_fields=changed)
    return program


def program_set_status(*, program: Program, actor: Any, status: str) -> Program:
    """Publish, archive, or return a program to draft. Publishing needs at least one module."""
    _require_manager(actor, program.community)
    if status not in ProgramStatus.values:
        raise ValidationError(_("Unknown status."))
    if status == ProgramStatus.PUBLISHED and not program.modules.exists():
        raise ValidationError(_("Add at least one module before publishing."))
    if status == ProgramStatus.DRAFT and program.cohorts.exists():
        raise ValidationError(_("A program with cohorts cannot go back to draft; archive it instead."))
    program.status = status
    fields = ["status"]
    if status == ProgramStatus.PUBLISHED and program.published_at is None:
        program.published_at = timezone.now()
        fields.append("published_at")
    program.save(update_fields=fields)
    return program


def program_duplicate(*, program: Program, actor: Any, title: str = "") -> Program:
    """A draft copy of a program with all its modules and rubrics, for a new cohort."""
    _require_manager(actor, program.community)
    new_title = title.strip() or _("%(title)s (copy)") % {"title": program.title}
    with transaction.atomic():
        copy = program_create(
            community=program.community, actor=actor, title=new_title[:160], description=program.description
        )
        copy.duplicated_from = program
        copy.save(update_fields=["duplicated_from"])
        for module in program.modules.prefetch_related("criteria"):
            criteria = list(module.criteria.all())
            module.pk = None
            module.program = copy
            module.save()
            RubricCriterion.objects.bulk_create(
                RubricCriterion(module=module, position=c.position, name=c.name, levels=c.levels)
                for c in criteria
            )
    return copy


def module_create(*, program: Program, actor: Any, **fields: Any) -> Module:
    """Add a module at the end of the program."""
    _require_manager(actor, program.community)
    unknown = set(fields) - set(MODULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown module fields: {sorted(unknown)}")
    last = program.modules.aggregate(last=Max("position"))["last"] or 0
    module = Module(program=program, position=last + 1, **fields)
    module.full_clean()
    module.save()
    return module


def module_update(*, module: Module, actor: Any, **fields: Any) -> Module:
    """Change a module. Its timing may change while a cohort runs; the worker follows the new dates."""
    _require_manager(actor, module.program.community)
    unknown = set(fields) - set(MODULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown module fields: {sorted(unknown)}")
    changed = [name for name, value in fields.items() if getattr(module, name) != value]
    for name in changed:
        setattr(module, name, fields[name])
    module.full_clean()
    if changed:
        module.save(update_fields=changed)
    return module


def clean_levels(levels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Levels as [{score, label, description}], distinct whole-number scores, lowest first."""
    cleaned = []
    for level in levels:
        try:
            score = int(level["score"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError({"levels": _("Each level needs a whole-number score.")}) from exc
        label = str(level.get("label", "")).strip()[:80]
        if not label:
            raise ValidationError({"levels": _("Each level needs a short label.")})
        cleaned.append(
            {"score": score, "label": label, "description": str(level.get("description", "")).strip()[:500]}
        )
    if not 2 <= len(cleaned) <= MAX_LEVELS:
        raise ValidationError({"levels": _("Give between 2 and %(max)d levels.") % {"max": MAX_LEVELS}})
    if len({level["score"] for level in cleaned}) != len(cleaned):
        raise ValidationError({"levels": _("Two levels have the same score.")})
    return sorted(cleaned, key=lambda level: level["score"])


def _rubric_locked(module: Module) -> bool:
    """Peer reviews, a calibration reference review or a learner's calibration use the rubric."""
    if Review.objects.filter(assignment__submission__module=module).exists():
        return True
    return Calibration.objects.filter(module=module, reference_at__isnull=False).exists()


def criterion_add(*, module: Module, actor: Any, name: str, levels: list[dict[str, Any]]) -> RubricCriterion:
    """Add a rubric criterion; refused once reviews exist (their scores refer to the rubric)."""
    _require_manager(actor, module.program.community)
    if _rubric_locked(module):
        raise ValidationError(_("Reviews already use this rubric; it can no longer change."))
    last = module.criteria.aggregate(last=Max("position"))["last"] or 0
    criterion = RubricCriterion(
        module=module, position=last + 1, name=name.strip(), levels=clean_levels(levels)
    )
    criterion.full_clean()
    criterion.save()
    return criterion


def criterion_remove(*, criterion: RubricCriterion, actor: Any) -> None:
    """Take a criterion out of a rubric that no review uses yet."""
    _require_manager(actor, criterion.module.program.community)
    if _rubric_locked(criterion.module):
        raise ValidationError(_("Reviews already use this rubric; it can no longer change."))
    criterion.delete()
