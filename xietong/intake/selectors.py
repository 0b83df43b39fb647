"""Reads for intake."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind
from xietong.accounts.models import Organisation
from xietong.cases.models import Case, CaseNumber, CaseParty
from xietong.core.errors import DomainError
from xietong.parties.models import Person

from .models import Application

# The court that holds every dispute taken in here: the region's basic court. One place to change it.
DEFAULT_INTAKE_COURT_CODE = "闽0802"


def intake_court() -> Organisation:
    code = getattr(settings, "XIETONG_INTAKE_COURT_CODE", DEFAULT_INTAKE_COURT_CODE)
    court = Organisation.objects.filter(kind=OrganisationKind.COURT, court_code=code, is_active=True).first()
    if court is None:
        raise DomainError(
            _("The court that takes in disputes (%(code)s) is not set up.") % {"code": code}, code="court"
        )
    return court


def institutions_for_intake() -> QuerySet[Organisation]:
    """The region's financial institutions a dispute can be brought against."""
    return Organisation.objects.filter(kind=OrganisationKind.INSTITUTION, is_active=True).order_by("name")


def person_of(user: Any) -> Person | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user_id=user.pk).first()


def application_by_token(*, token: str) -> Application | None:
    return Application.objects.filter(client_token=token).first()


def application_cases(*, application: Application, actor: Any) -> QuerySet[Case]:
    """The cases one submission opened, as far as the actor may see them."""
    return (
        Case.objects.restrict(actor)
        .filter(applications=application)
        .select_related("institution", "court", "category")
        .order_by("pk")
    )


def case_by_any_number(number: str) -> Case | None:
    """A case by its current or any earlier number (no visibility rule: callers verify a phone first)."""
    number = (number or "").strip()
    if not number:
        return None
    found = Case.objects.filter(number=number).first()
    if found is None:
        found = Case.objects.filter(Exists(CaseNumber.objects.filter(case_id=OuterRef("pk"), text=number))).first()
    return found


def claimable_person(*, number: str, phone: str) -> Person | None:
    """The person of this case whose phone on file is `phone` and who has no account yet."""
    case = case_by_any_number(number)
    if case is None or not phone:
        return None
    party = (
        CaseParty.objects.select_related("person")
        .filter(case=case, person__phone=phone, person__user__isnull=True)
        .order_by("pk")
        .first()
    )
    return party.person if party else None
