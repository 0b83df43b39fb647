"""Forms of the accounts pages: an API token's roll-over."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def end_of_day(day: dt.date | None) -> dt.datetime | None:
    """A token valid "until" a day works through that day, in the platform's time zone."""
    if day is None:
        return None
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(midnight, timezone.get_default_timezone())


class TokenRotateForm(forms.Form):
    expires_on = forms.DateField(
        label=_("New token valid until"),
        required=False,
        help_text=_("Last day it works; empty: until revoked."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    old_until = forms.DateField(
        label=_("Old token works until"),
        required=False,
        help_text=_("Last day of the roll-over; empty: until its own expiry or until you revoke it."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        for name in ("expires_on", "old_until"):
            if data.get(name) and data[name] < today:
                self.add_error(name, _("The day cannot be in the past."))
        return data
