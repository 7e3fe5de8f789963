from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.circles.models import Membership, MembershipStatus
from peerpact.roles.models import CircleRole, RoleAssignment


class RoleForm(forms.ModelForm):
    class Meta:
        model = CircleRole
        fields = ["name", "duties", "is_active"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 4})}


class RoleAddForm(forms.ModelForm):
    class Meta:
        model = CircleRole
        fields = ["name", "duties"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 3})}


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.user.name)


class SwapRequestForm(forms.Form):
    offered_to = MemberChoiceField(queryset=Membership.objects.none(), label=_("Ask"), empty_label=None)
    message = forms.CharField(label=_("Message (optional)"), max_length=300, required=False)

    def __init__(self, *args: Any, assignment: RoleAssignment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["offered_to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            Membership.objects.filter(circle_id=assignment.cycle.circle_id, status=MembershipStatus.ACTIVE)
            .exclude(pk=assignment.membership_id)
            .select_related("user")
            .order_by("user__display_name", "user__email")
        )


class SwapDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline")), ("cancel", _("Withdraw"))]
    )


class SummaryForm(forms.Form):
    text = forms.CharField(
        label=_("Summary"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Markdown works: lists, **bold**, ### headings."),
    )
