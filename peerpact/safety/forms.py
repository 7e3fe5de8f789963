from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.safety.models import ConcernAddressee, ModerationActionKind, ReportReason


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=ReportReason.choices)
    details = forms.CharField(
        label=_("Anything the organizers should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the organizers read this. The author is not told who reported."),
    )


class ModerateForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[(a.value, a.label) for a in ModerationActionKind if a != ModerationActionKind.DISMISS],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note for the audit trail"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Organizers see it; the author and the reporters do not."),
    )


class DismissForm(forms.Form):
    note = forms.CharField(label=_("Why dismiss it?"), required=False, max_length=2000)


class ConcernForm(forms.Form):
    addressed_to = forms.ChoiceField(
        label=_("Who should handle it?"), choices=ConcernAddressee.choices, widget=forms.RadioSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("What is going on?"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Only you and the people you address (and the organizers, should it escalate) see it."),
    )


class ConcernActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("reply", _("Reply")), ("acknowledge", _("Acknowledge")), ("resolve", _("Resolve"))]
    )
    text = forms.CharField(
        label=_("Message"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BlockForm(forms.Form):
    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        self.fields["user"] = forms.TypedChoiceField(
            label=_("Person"),
            coerce=int,
            choices=[("", _("Choose someone")), *((p.pk, p.name) for p in people)],
            help_text=_("People in your circles. They are not told."),
        )

    def blocked(self) -> Any:
        return self.people[self.cleaned_data["user"]]


class CharterAcceptForm(forms.Form):
    accept_charter = forms.BooleanField(label=_("I have read the charter and accept it"))
