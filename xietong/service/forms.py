from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AlternativeKind, AttemptMethod, DocumentKind, Outcome


class AttemptForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=AttemptMethod.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(v, lbl) for v, lbl in Outcome.choices if v != Outcome.OPENED]
    )
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=40, required=False)
    at = forms.DateTimeField(
        label=_("When (if not now)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AlternativeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Alternative"), choices=AlternativeKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class SendForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("Document (PDF)"))
