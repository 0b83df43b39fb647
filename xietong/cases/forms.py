from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation

from .choices import CaseState, Channel, Colour, Door, Product, Track
from .models import Category
from .permissions import restrict_courts, restrict_institutions
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
    # Set by the figures' links (a bar of a chart, a row of a table): the cases behind that figure.
    product = forms.ChoiceField(label=_("Product"), choices=ANY + list(Product.choices), required=False)
    track = forms.ChoiceField(label=_("Track"), choices=ANY + list(Track.choices), required=False)
    door = forms.ChoiceField(label=_("Door"), choices=ANY + list(Door.choices), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False, empty_label=_("any")
    )
    submitted_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    submitted_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        institutions = Organisation.objects.filter(kind=OrganisationKind.INSTITUTION)
        self.fields["institution"].queryset = restrict_institutions(institutions, actor)  # type: ignore[attr-defined]
        courts = Organisation.objects.filter(kind=OrganisationKind.COURT)
        self.fields["court"].queryset = restrict_courts(courts, actor)  # type: ignore[attr-defined]

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
            product=d["product"],
            track=d["track"],
            door=d["door"],
            category=d["category"].pk if d["category"] else None,
            submitted_from=d["submitted_from"],
            submitted_to=d["submitted_to"],
        )


class TransitionForm(forms.Form):
    code = forms.CharField(max_length=40, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Reason or note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
