"""The dashboard's controls. They only draw the choices: the request is checked by
`selectors.selection_parse`, the one check shared with the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.cases.choices import Channel, Colour, Door, Product, Track
from xietong.cases.models import Category

from .measures import DIMENSION_BY_CODE
from .selectors import Audience

ANY = [("", _("all"))]
PERIODS = [("month", _("month")), ("quarter", _("quarter")), ("year", _("year")), ("custom", _("from … to"))]


def dimension_choices(dim: str, audience: Audience) -> list[tuple[Any, Any]]:
    from xietong.batches.models import Batch

    if dim == "court":
        return [(o.pk, o.display_name) for o in Organisation.objects.filter(kind=OrganisationKind.COURT)]
    if dim == "institution":
        return [(o.pk, o.display_name) for o in Organisation.objects.filter(kind=OrganisationKind.INSTITUTION)]
    if dim == "category":
        return list(Category.objects.values_list("pk", "name"))
    if dim == "batch":
        batches = Batch.objects.filter(status="imported").select_related("institution").order_by("-created_at")
        if audience.institution_id is not None:
            batches = batches.filter(institution_id=audience.institution_id)
        return [(b.pk, f"#{b.pk} · {b.institution.display_name} · {b.created_at:%Y-%m}") for b in batches[:200]]
    if dim == "mediator":
        return [(u.pk, str(u)) for u in User.objects.filter(role=Role.MEDIATOR, is_active=True)]
    choices = {"product": Product, "colour": Colour, "channel": Channel, "track": Track, "door": Door}[dim]
    return list(choices.choices)


class DashboardForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    at = forms.CharField(
        label=_("Which"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "2026 · 2026-Q4 · 2026-10", "size": 9}),
    )
    start = forms.CharField(
        label=_("From month"), required=False, widget=forms.TextInput(attrs={"type": "month", "name": "from"})
    )
    end = forms.CharField(
        label=_("To month"), required=False, widget=forms.TextInput(attrs={"type": "month", "name": "to"})
    )

    def __init__(self, *args: Any, audience: Audience, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dim in audience.dims:
            self.fields[dim] = forms.ChoiceField(
                label=str(DIMENSION_BY_CODE[dim].label), choices=ANY + dimension_choices(dim, audience), required=False
            )
        self.fields["breakdown"] = forms.ChoiceField(
            label=_("Break down by"),
            choices=[("", _("nothing"))] + [(d, DIMENSION_BY_CODE[d].label) for d in audience.dims],
            required=False,
        )
        self.dimension_fields = [self[d] for d in audience.dims]
