from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xietong.cases.choices import Channel, Colour, Track
from xietong.cases.models import Case, Category, Team

from .permissions import restrict_teams
from .selectors import WorklistFilters

ANY = [("", _("any"))]


def teams_for(actor: Any, court_id: int | None = None) -> Any:
    qs = restrict_teams(Team.objects.select_related("court").order_by("court__name", "name"), actor)
    if court_id is not None:
        qs = qs.filter(court_id=court_id)
    return qs


class OverrideForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False, empty_label="—"
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    track = forms.ChoiceField(label=_("Track"), choices=Track.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False, empty_label="—")
    reason = forms.CharField(
        label=_("Reason (required)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "required": True})
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {"category": case.category_id, "channel": case.channel, "track": case.track, "team": case.team_id},
        )
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(court_id=case.court_id)  # type: ignore[attr-defined]

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise forms.ValidationError(_("Give a reason for changing the triage."))
        return value


class WorklistFilterForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ANY + list(Channel.choices), required=False)
    track = forms.ChoiceField(label=_("Track"), choices=ANY + list(Track.choices), required=False)
    colour = forms.ChoiceField(label=_("Colour"), choices=ANY + list(Colour.choices), required=False)

    def filters(self) -> WorklistFilters:
        if not self.is_valid():
            return WorklistFilters()
        d = self.cleaned_data
        return WorklistFilters(channel=d["channel"], track=d["track"], colour=d["colour"])


class BulkAssignForm(forms.Form):
    cases = forms.ModelMultipleChoiceField(
        label=_("Cases"),
        queryset=Case.objects.none(),
        error_messages={"required": _("Select at least one case.")},
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), empty_label="—")

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = Case.objects.restrict(actor)  # type: ignore[attr-defined]
        # Any team is accepted here; the service refuses a team of another court with a clear message.
        self.fields["team"].queryset = Team.objects.all()  # type: ignore[attr-defined]
