from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Your system's address that receives the events, e.g. https://bank.example/xietong/events"),
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )
    organisation = forms.ModelChoiceField(label=_("Institution"), queryset=Organisation.objects.none(), required=False)
    client_token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, choose_institution: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choose_institution:
            field = self.fields["organisation"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True)
            field.required = True
        else:
            del self.fields["organisation"]
        if not self.is_bound:
            self.initial.setdefault("client_token", uuid.uuid4().hex)
