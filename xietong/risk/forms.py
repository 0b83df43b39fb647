from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import REGULATOR_KINDS
from xietong.accounts.models import Organisation

from .choices import Resolution


class StepForm(forms.Form):
    """One step of a warning; what each step needs is checked by the service (`warning_step`)."""

    step = forms.ChoiceField(
        label=_("step"),
        choices=[
            ("acknowledge", _("Acknowledge")),
            ("verify", _("Verify")),
            ("escalate", _("Escalate")),
            ("snooze", _("Snooze")),
            ("resolve", _("Resolve")),
        ],
    )
    note = forms.CharField(label=_("note or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    agency = forms.ModelChoiceField(
        label=_("agency"),
        queryset=Organisation.objects.filter(kind__in=sorted(REGULATOR_KINDS), is_active=True),
        required=False,
    )
    resolution = forms.ChoiceField(label=_("resolution"), choices=[("", "—"), *Resolution.choices], required=False)
    until = forms.DateField(
        label=_("snoozed until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
