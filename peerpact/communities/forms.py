from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.communities.models import Community, CommunityRole


class CommunityForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "description", "members_can_create_circles", "departed_member_content"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Optional in the form: a post without it (an older form, a script) keeps the current policy.
        self.fields["departed_member_content"].required = False

    def clean_departed_member_content(self) -> str | None:
        return self.cleaned_data.get("departed_member_content") or None


ROLE_CHOICES = [(CommunityRole.MEMBER, _("Member")), (CommunityRole.ORGANIZER, _("Organizer"))]


class EmailInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=CommunityRole.MEMBER)
    message = forms.CharField(
        label=_("Personal message"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    days_valid = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=14)

    def __init__(self, *args: Any, can_invite_organizers: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_invite_organizers:
            del self.fields["role"]


class LinkInvitationForm(forms.Form):
    days_valid = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=7)
    max_uses = forms.IntegerField(
        label=_("Use limit"),
        min_value=1,
        max_value=1000,
        initial=25,
        help_text=_("How many people can join with this link."),
    )


class TransferOwnershipForm(forms.Form):
    new_owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("New owner"), queryset=None, empty_label=None
    )
    confirm = forms.BooleanField(label=_("I understand that I will become an organizer."), required=True)

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["new_owner"]
        field.queryset = members
        field.label_from_instance = lambda user: f"{user.name} ({user.email})"


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
