"""Factories for cases, built through `case_create` (numbered, on the timeline, audited).

case = CaseFactory()                                   # a new court and bank, a respondent, 诉前调 number
case = CaseFactory(court=court, respondent=person, institution=None, role=PartyRole.APPLICANT)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from tests.support.factories import ServiceFactory
from xietong.accounts.tests.factories import CourtFactory, InstitutionFactory
from xietong.cases.choices import Door, PartyRole, Product
from xietong.cases.models import Case
from xietong.cases.services import PersonParty, case_create
from xietong.parties.tests.factories import PersonFactory


class CaseFactory(ServiceFactory):
    """A dispute of one person (`respondent`, in `role`) with an institution, opened at the counter."""

    class Meta:
        model = Case

    court = factory.SubFactory(CourtFactory)
    institution = factory.SubFactory(InstitutionFactory)
    respondent = factory.SubFactory(PersonFactory)
    role = PartyRole.RESPONDENT
    product = Product.CONSUMER_LOAN
    door = Door.COUNTER
    principal = Decimal("1000.00")

    @classmethod
    def service(cls, **kwargs: Any) -> Case:
        person, role = kwargs.pop("respondent"), kwargs.pop("role")
        return case_create(persons=[PersonParty(person=person, role=role)], **kwargs)
