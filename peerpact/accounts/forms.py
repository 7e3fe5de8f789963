from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.accounts.models import User
from peerpact.lib.timezones import is_valid_timezone, timezone_choices


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form. The time zone is filled in from the browser."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("How peers will see you. Optional; you can change it later."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        initial="UTC",
        help_text=_("We detected this from your browser; deadlines are shown in it."),
        widget=forms.Select(attrs={"data-detect-timezone": "true", "autocomplete": "off"}),
    )

    def signup(self, request: Any, user: User) -> None:
        """allauth calls this after creating the user; the adapter already stored the fields."""


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "pronouns", "timezone", "language"]
        widgets = {"timezone": forms.Select(attrs={"data-detect-timezone": "true"})}

    def clean_timezone(self) -> str:
        value: str = self.cleaned_data["timezone"]
        if not is_valid_timezone(value):
            raise forms.ValidationError(_("Choose a time zone from the list."))
        return value
