from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.cases.models import Case, CaseParty
from xietong.parties.models import Person

from .choices import (
    ContactChannel,
    ContactOutcome,
    Language,
    OfferAnswer,
    OfferSide,
    SessionMode,
    SessionStatus,
    Specialty,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class MediatorProfileForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Mediation organisation"), queryset=Organisation.objects.none(), required=False, empty_label="—"
    )
    specialties = forms.MultipleChoiceField(
        label=_("Specialties"), choices=Specialty.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=Language.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    capacity = forms.IntegerField(label=_("Capacity (open cases)"), min_value=0, max_value=500)
    is_available = forms.BooleanField(label=_("Available for new cases"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind__in=[OrganisationKind.MEDIATION_ORG, OrganisationKind.COURT], is_active=True
        )


class AssignForm(forms.Form):
    mediator = forms.ModelChoiceField(label=_("Mediator"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=Role.MEDIATOR, is_active=True
        )


def _person_parties(case: Case) -> Any:
    return CaseParty.objects.filter(case=case).select_related("person", "organisation")


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    party = forms.ModelChoiceField(label=_("With"), queryset=CaseParty.objects.none(), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    note = forms.CharField(label=_("Note (internal)"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_step_on = forms.DateField(label=_("Next step date"), widget=DATE, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = _person_parties(case)  # type: ignore[attr-defined]
        self.fields["party"].label_from_instance = lambda cp: f"{cp.name} ({cp.get_role_display()})"  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts (your time)"), widget=DATETIME)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=15, max_value=480, initial=60)
    mode = forms.ChoiceField(label=_("Mode"), choices=SessionMode.choices)
    meeting_link = forms.CharField(label=_("Meeting link (online)"), max_length=500, required=False)
    place = forms.CharField(label=_("Place (in person)"), max_length=300, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class SessionStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, label) for s, label in SessionStatus.choices if s != SessionStatus.SCHEDULED]
    )


class OfferForm(forms.Form):
    side = forms.ChoiceField(label=_("For"), choices=OfferSide.choices, required=False)
    total = forms.DecimalField(label=_("Total to repay (yuan)"), **MONEY)  # type: ignore[arg-type]
    instalments = forms.IntegerField(label=_("Monthly instalments"), min_value=1, max_value=60, initial=12)
    first_payment_on = forms.DateField(label=_("First payment"), widget=DATE)
    waived = forms.DecimalField(
        label=_("Interest and penalty waived (yuan)"),
        initial=0,
        required=False,
        **MONEY,  # type: ignore[arg-type]
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=OfferAnswer.choices)


class AffordabilityForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Debtor"), queryset=Person.objects.none())
    monthly_income = forms.DecimalField(label=_("Monthly income (yuan)"), **MONEY)  # type: ignore[arg-type]
    monthly_expenses = forms.DecimalField(label=_("Monthly living expenses (yuan)"), **MONEY)  # type: ignore[arg-type]
    other_debts = forms.DecimalField(
        label=_("Other debts' monthly payments (yuan)"),
        initial=0,
        **MONEY,  # type: ignore[arg-type]
    )
    dependants = forms.IntegerField(label=_("Dependants"), min_value=0, max_value=30, initial=0)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(  # type: ignore[attr-defined]
            case_parties__case=case
        ).distinct()


class TimezoneForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    timezone = forms.CharField(label=_("Time zone"), max_length=64)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(Q(case_parties__case=case) | Q(agent_for__case=case)).distinct()
        )
