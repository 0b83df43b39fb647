from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation

from .choices import CaseState, Channel, Colour
from .selectors import CaseFilters

ANY = [("", _("any"))]


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("case number, name or ID number")}),
    )
    state = forms.ChoiceField(label=_("State"), choices=ANY + list(CaseState.choices), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=ANY + list(Channel.choices), required=False)
    colour = forms.ChoiceField(label=_("Colour"), choices=ANY + list(Colour.choices), required=False)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Organisation.objects.none(), required=False, empty_label=_("any")
    )
    court = forms.ModelChoiceField(
        label=_("Court"), queryset=Organisation.objects.none(), required=False, empty_label=_("any")
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institutions = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION)
        if actor.role == Role.INSTITUTION_OPERATOR:
            institutions = institutions.filter(pk=actor.organisation_id)
        self.fields["institution"].queryset = institutions  # type: ignore[attr-defined]
        courts = Organisation.objects.filter(kind=OrganisationKind.COURT)
        if actor.role in (Role.CLERK, Role.JUDGE):
            courts = courts.filter(pk=actor.organisation_id)
        self.fields["court"].queryset = courts  # type: ignore[attr-defined]

    def filters(self) -> CaseFilters:
        if not self.is_valid():
            return CaseFilters()
        d = self.cleaned_data
        return CaseFilters(
            state=d["state"],
            channel=d["channel"],
            colour=d["colour"],
            institution=d["institution"].pk if d["institution"] else None,
            court=d["court"].pk if d["court"] else None,
            q=d["q"],
        )


class TransitionForm(forms.Form):
    code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Reason or note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
