from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import EnforcementResult


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"max_decimal_places": _("An amount has at most two decimals (fen).")},
    )
    reference = forms.CharField(label=_("Your reference"), max_length=64)

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        if amount < 0:
            raise forms.ValidationError(_("A payment cannot be negative (%(amount)s yuan).") % {"amount": amount})
        if amount == 0:
            raise forms.ValidationError(_("A payment must be more than zero."))
        return amount


def form_errors(form: forms.Form) -> list[str]:
    """Each field's errors as "Label: message", for the messages shown after a refused form."""
    out: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out.extend(f"{label}: {e}" if label else str(e) for e in errors)
    return out


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


class PaymentFileForm(forms.Form):
    file = forms.FileField(
        label=_("Payments file (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
        help_text=_("One payment a row: case number, date, amount, your reference. Up to 5,000 rows and 5 MB."),
    )


class DeclarationForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"max_decimal_places": _("An amount has at most two decimals (fen).")},
    )
    voucher = forms.FileField(
        label=_("Voucher (photo or PDF of the receipt)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
        help_text=_("JPG, PNG or PDF, up to 10 MB."),
    )
    note = forms.CharField(
        label=_("How you paid (optional)"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. transfer from my bank card ending 1234")}),
    )

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        if amount < 0:
            raise forms.ValidationError(_("A payment cannot be negative (%(amount)s yuan).") % {"amount": amount})
        if amount == 0:
            raise forms.ValidationError(_("A payment must be more than zero."))
        return amount


class ConfirmDeclarationForm(forms.Form):
    reference = forms.CharField(label=_("Your reference (optional)"), required=False, max_length=64)


class DisputeDeclarationForm(forms.Form):
    reason = forms.CharField(label=_("Why you dispute it"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SettleDeclarationForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("paid", _("the payment was made")), ("not_paid", _("the payment was not made"))],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Amount found paid (yuan; blank: as declared)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    note = forms.CharField(label=_("How it was settled"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class WaiverForm(forms.Form):
    seq = forms.TypedChoiceField(label=_("Instalment"), coerce=int)
    amount = forms.DecimalField(
        label=_("Amount waived (yuan)"),
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Reason (e.g. the penalty interest of a seriously ill debtor)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, instalments: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["seq"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (
                i.seq,
                _("No. %(seq)s, due %(date)s, %(left)s yuan owed")
                % {"seq": i.seq, "date": i.due_date.isoformat(), "left": i.outstanding},
            )
            for i in instalments
            if i.outstanding > 0
        ]


class AcknowledgementForm(forms.Form):
    acknowledged_on = forms.DateField(
        label=_("Acknowledged on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("What the debtor signed (e.g. a letter promising to repay)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TimeRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need more time?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    months = forms.IntegerField(
        label=_("How many months would you need (optional)"), required=False, min_value=1, max_value=120
    )


class RevisionForm(forms.Form):
    months = forms.IntegerField(label=_("Months"), required=False, min_value=1, max_value=120)
    first_due = forms.DateField(
        label=_("First instalment due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    day_of_month = forms.IntegerField(label=_("Then on day (optional)"), required=False, min_value=1, max_value=31)
    lines = forms.CharField(
        label=_("Or write the instalments: one a line, “date amount”"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2027-03-20 1500.00"}),
    )
    grace_days = forms.IntegerField(label=_("Grace days"), min_value=0, max_value=30)
    default_after_missed = forms.IntegerField(label=_("Missed instalments that default the plan"), min_value=1)
    accelerate = forms.BooleanField(label=_("The whole balance falls due on default"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The code sent to your phone"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
