"""Forms of judicial suggestions: drafting, sending, the letter's outcome, the institution's answer.

What each write needs is checked again by its service; the forms give the messages beside the fields."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import REGULATOR_KINDS, OrganisationKind
from xietong.accounts.models import Organisation
from xietong.service.choices import AttemptMethod, Outcome

from .choices import Defect
from .models import Verdict
from .services import MAX_RECOMMENDATIONS

DEFAULT_LEGAL_BASIS = "《中华人民共和国民事诉讼法》；《最高人民法院关于加强司法建议工作的意见》"
MONTHS = [(3, "3"), (6, "6"), (12, "12")]


def recommendations_of(text: str) -> list[str]:
    """One recommendation a line; a leading number or 一、 typed by hand is dropped (they are numbered)."""
    import re

    out = []
    for line in (text or "").splitlines():
        line = re.sub(r"^\s*(?:\d+|[一二三四五六七八九十]+)\s*[、.．)）]\s*", "", line).strip()
        if line:
            out.append(line)
    return out


class DraftForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Addressee (the institution)"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True).order_by("name"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    copies_to = forms.ModelMultipleChoiceField(
        label=_("Copies to (regulators)"),
        queryset=Organisation.objects.filter(kind__in=sorted(REGULATOR_KINDS), is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    problems = forms.CharField(label=_("Problems found"), widget=forms.Textarea(attrs={"rows": 4}))
    causes = forms.CharField(label=_("Their causes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    recommendations = forms.CharField(
        label=_("Recommendations"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One a line; they are numbered in this order (一、二、三…)."),
        required=False,
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}), initial=DEFAULT_LEGAL_BASIS
    )
    reply_deadline = forms.DateField(
        label=_("Reply by"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The court's reply period by default."),
    )
    defect = forms.ChoiceField(
        label=_("Figures to freeze in the suggestion"),
        choices=[("", _("none")), *Defect.choices],
        required=False,
        help_text=_(
            "The figures of this defect for the institution, against the other institutions, are kept as "
            "they are today, with the query that produced them (to run it again after the answer)."
        ),
    )
    detail = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    months = forms.TypedChoiceField(label=_("Over the last (months)"), choices=MONTHS, coerce=int, initial=6)

    def clean_recommendations(self) -> list[str]:
        recs = recommendations_of(self.cleaned_data.get("recommendations", ""))
        if not recs:
            raise forms.ValidationError(_("A suggestion needs at least one recommendation."), code="no_recommendations")
        if len(recs) > MAX_RECOMMENDATIONS:
            raise forms.ValidationError(_("At most %(n)s recommendations.") % {"n": MAX_RECOMMENDATIONS})
        return recs

    def clean_reply_deadline(self) -> dt.date:
        day: dt.date = self.cleaned_data["reply_deadline"]
        if day <= timezone.localdate():
            raise forms.ValidationError(_("The reply deadline must be after today."), code="deadline_past")
        return day


class SendForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Serve the institution"),
        choices=[
            (AttemptMethod.ELECTRONIC, _("in the platform (served when the institution opens it)")),
            (AttemptMethod.POSTAL, _("by post (served when delivered)")),
        ],
        initial=AttemptMethod.ELECTRONIC,
        widget=forms.RadioSelect,
    )
    tracking_number = forms.CharField(label=_("Tracking number (by post)"), max_length=40, required=False)


class DeliveryForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome of the letter"),
        choices=[
            (Outcome.DELIVERED, Outcome.DELIVERED.label),
            (Outcome.RETURNED, Outcome.RETURNED.label),
            (Outcome.ADDRESS_WRONG, Outcome.ADDRESS_WRONG.label),
            (Outcome.REFUSED, Outcome.REFUSED.label),
            (Outcome.SENT, _("sent again")),
        ],
    )
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=40, required=False)
    delivered_on = forms.DateField(
        label=_("Date on the postal receipt"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_delivered_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("delivered_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def when(self) -> dt.datetime | None:
        day = self.cleaned_data.get("delivered_on")
        if day is None or day == timezone.localdate():
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AnswerForm(forms.Form):
    """The institution's answer: what it did, and one verdict (with the reason if not adopted) a recommendation."""

    actions = forms.CharField(
        label=_("What your institution did"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The measures taken, the rules or forms changed, from when."),
    )
    attachments = MultipleFileField(
        label=_("Attachments (PDF, JPG or PNG)"),
        required=False,
        help_text=_("Your new form or rules, for instance. Up to 5 files of 10 MB each."),
    )

    def __init__(self, *args: Any, recommendations: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recommendations = recommendations
        for n, _text in enumerate(recommendations, start=1):
            self.fields[f"verdict_{n}"] = forms.ChoiceField(
                label=_("Recommendation %(n)s") % {"n": n}, choices=Verdict.choices, widget=forms.RadioSelect
            )
            self.fields[f"reason_{n}"] = forms.CharField(
                label=_("Reason (if not fully adopted)"),
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=2000,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, len(self.recommendations) + 1):
            verdict = data.get(f"verdict_{n}")
            if verdict and verdict != Verdict.ADOPTED and not (data.get(f"reason_{n}") or "").strip():
                self.add_error(
                    f"reason_{n}", _("Give the reason why recommendation %(n)s was not fully adopted.") % {"n": n}
                )
        return data

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"n": n, "text": text, "verdict": self[f"verdict_{n}"], "reason": self[f"reason_{n}"]}
            for n, text in enumerate(self.recommendations, start=1)
        ]
