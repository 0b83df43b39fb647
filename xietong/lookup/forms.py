from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xietong.core.validators import parse_resident_id


class LookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "placeholder": "350802199001011234"}),
    )

    def clean_id_number(self) -> str:
        return parse_resident_id(self.cleaned_data["id_number"]).number


class OpenCasesForm(forms.Form):
    id_number = forms.CharField(max_length=24, widget=forms.HiddenInput)
    debts = forms.TypedMultipleChoiceField(label=_("Debts"), coerce=int, choices=[], required=True)

    def __init__(self, *args: object, debt_ids: list[int] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["debts"].choices = [(i, str(i)) for i in debt_ids or []]  # type: ignore[attr-defined]
        self.fields["debts"].error_messages["required"] = _("Choose at least one debt.")
        self.fields["debts"].error_messages["invalid_choice"] = _("A chosen debt is not one of this person's.")

    def clean_id_number(self) -> str:
        try:
            return parse_resident_id(self.cleaned_data["id_number"]).number
        except ValidationError:
            raise ValidationError(_("The lookup was incomplete; look the person up again.")) from None


class StatusNumberForm(forms.Form):
    number = forms.CharField(
        label=_("Case number"),
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "（2026）闽0802民诉前调1号"}),
    )


class StatusCodeForm(forms.Form):
    number = forms.CharField(max_length=64, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}),
    )
