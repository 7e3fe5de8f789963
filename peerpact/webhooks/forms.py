from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from peerpact.webhooks.payloads import EVENT_TYPES


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Endpoint URL"),
        max_length=2000,
        help_text=_("Where PeerPact POSTs the events, e.g. https://example.com/hooks/peerpact."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("For you, to recognize it in the list (optional)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        widget=forms.CheckboxSelectMultiple,
        choices=lambda: [(event.name, f"{event.label} ({event.name})") for event in EVENT_TYPES],
        error_messages={"required": _("Choose at least one event.")},
    )

    def clean_url(self) -> str:
        from peerpact.webhooks.services import url_problem

        url = str(self.cleaned_data["url"]).strip()
        problem = url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url
