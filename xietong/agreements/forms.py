from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import DEFAULT_AFTER_MISSED, DEFAULT_GRACE_DAYS, MAX_GRACE_DAYS
from .plans import MAX_MONTHS


class DraftForm(forms.Form):
    waived = forms.DecimalField(
        label=_("Amount waived (interest and penalty, yuan)"), min_value=Decimal("0"), decimal_places=2, max_digits=14
    )
    months = forms.IntegerField(label=_("Monthly instalments"), min_value=1, max_value=MAX_MONTHS, required=False)
    first_due = forms.DateField(
        label=_("First instalment due"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    day_of_month = forms.IntegerField(
        label=_("Later instalments on day (optional)"), min_value=1, max_value=31, required=False
    )
    plan_text = forms.CharField(
        label=_("Or a plan of your own: one line per instalment, “date amount”"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-01-20 1500.00"}),
    )
    default_clause = forms.CharField(label=_("On default"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    grace_days = forms.IntegerField(
        label=_("Grace days after a due date"),
        min_value=0,
        max_value=MAX_GRACE_DAYS,
        initial=DEFAULT_GRACE_DAYS,
        required=False,
        help_text=lazy(lambda: gettext("Left empty: %(n)d days.") % {"n": DEFAULT_GRACE_DAYS}, str)(),
    )
    default_after_missed = forms.IntegerField(
        label=_("Missed instalments that default the plan"),
        min_value=1,
        max_value=MAX_MONTHS,
        initial=DEFAULT_AFTER_MISSED,
        required=False,
    )
    accelerate = forms.TypedChoiceField(
        label=_("On default the whole balance falls due at once"),
        choices=[("yes", _("yes")), ("no", _("no"))],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
        initial="yes",
    )
    terms = forms.CharField(
        label=_("Other terms"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("grace_days") is None:
            data["grace_days"] = DEFAULT_GRACE_DAYS
        if data.get("accelerate") is None:
            data["accelerate"] = True
        if data.get("default_after_missed") is None:
            data["default_after_missed"] = DEFAULT_AFTER_MISSED
        if not data.get("months") and not (data.get("plan_text") or "").strip():
            raise forms.ValidationError(_("Give the number of months or a plan of your own."))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=6, min_length=6)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
