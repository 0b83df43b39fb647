from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import EnforcementResult


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    reference = forms.CharField(label=_("Your reference"), max_length=64)


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=EnforcementResult.choices)
    amount = forms.DecimalField(
        label=_("Amount recovered (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SuspendForm(forms.Form):
    until = forms.DateField(
        label=_("Suspended until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=_("Reason (e.g. serious illness)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
