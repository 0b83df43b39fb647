from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import Role
from xietong.accounts.models import User

from .choices import HearingStatus, OutcomeKind, ReviewDecision


class ReviewForm(forms.Form):
    voluntary = forms.BooleanField(label=_("Both parties agreed voluntarily (双方自愿)"), required=False)
    lawful = forms.BooleanField(
        label=_(
            "Lawful: no breach of mandatory provisions of laws and administrative regulations, no harm to the "
            "interests of the State, the public or third parties"
        ),
        required=False,
    )
    within_jurisdiction = forms.BooleanField(label=_("Within this court's jurisdiction"), required=False)
    parties_identified = forms.BooleanField(label=_("The parties' identities are verified"), required=False)
    reasons = forms.CharField(label=_("Reasons"), required=False, max_length=4000, widget=forms.Textarea({"rows": 3}))
    decision = forms.ChoiceField(choices=ReviewDecision.choices)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2}))


class HearingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    judge = forms.ModelChoiceField(label=_("Judge"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, court_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["judge"]
        assert isinstance(field, forms.ModelChoiceField)
        judges = User.objects.filter(role=Role.JUDGE, is_active=True)
        field.queryset = judges.filter(organisation_id=court_id).order_by("pk") if court_id else judges.none()
        field.empty_label = _("— the judge scheduling it, or the case's judge —")


class HearingStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, label) for s, label in HearingStatus.choices if s != HearingStatus.SCHEDULED]
    )
    note = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Outcome"), choices=OutcomeKind.choices)
    summary = forms.CharField(label=_("Summary"), max_length=4000, widget=forms.Textarea({"rows": 3}))
    amount_awarded = forms.DecimalField(
        label=_("Amount awarded (yuan)"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    due_date = forms.DateField(
        label=_("Paid in one sum by (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    schedule = forms.CharField(
        label=_("Or paid in instalments: one a line, “date amount” (optional)"),
        required=False,
        widget=forms.Textarea({"rows": 3, "placeholder": "2027-03-20 1500.00"}),
    )

    def payment_schedule(self) -> list[tuple[dt.date, Decimal]]:
        """The schedule the judge gave: the lines typed, or the one due date for the whole amount."""
        from xietong.agreements.plans import parse_plan_text

        d = self.cleaned_data
        if (d.get("schedule") or "").strip():
            return parse_plan_text(d["schedule"])
        if d.get("due_date") and d.get("amount_awarded"):
            return [(d["due_date"], d["amount_awarded"])]
        return []
