from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
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


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To make sure it is really you."),
    )
    understood = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        error_messages={"required": _("Please confirm that you understand.")},
    )


class PasswordConfirmForm(forms.Form):
    """Re-enter the password before data leaves the server (a stolen session alone cannot take it)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class LanguageForm(forms.Form):
    """The footer's language switcher: which language, and the page to come back to."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, max_length=2000)
