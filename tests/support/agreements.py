"""Test helpers: an agreement drafted and signed through the real services (any app's tests may use them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.agreements.choices import DEFAULT_CLAUSE
from xietong.agreements.models import Agreement
from xietong.agreements.services import agreement_draft, agreement_send, agreement_sign_counter, agreement_sign_operator
from xietong.cases.models import Case, CaseParty


def agreement_make_draft(
    case: Case, mediator: Any, *, months: int = 3, waived: Decimal | None = None, send: bool = True
) -> Agreement:
    """Draft (and by default send for signing) a plan of `months` instalments, the penalty waived."""
    case = Case.objects.get(pk=case.pk)
    first_due = timezone.localdate() + dt.timedelta(days=30)
    agreement = agreement_draft(
        actor=mediator,
        case=case,
        waived=case.penalty if waived is None else waived,
        months=months,
        first_due=first_due,
        default_clause=str(DEFAULT_CLAUSE),
    )
    if send:
        agreement = agreement_send(actor=mediator, agreement=agreement, notify=False)
    return agreement


def agreement_make_signed(case: Case, mediator: Any, *, months: int = 3, render_pdf: bool = False) -> Agreement:
    """Draft, send and have every party sign: institutions through one of their operators if there is
    one, the others on paper at the counter, recorded by the mediator. The case moves to AGREEMENT.

    The PDF is rendered lazily (on first download) unless `render_pdf`: rendering takes a second.
    """
    agreement = agreement_make_draft(case, mediator, months=months)
    for party in CaseParty.objects.filter(case_id=case.pk).order_by("pk"):
        operator = (
            User.objects.filter(role=Role.INSTITUTION_OPERATOR, organisation_id=party.organisation_id, is_active=True)
            .order_by("pk")
            .first()
            if party.organisation_id
            else None
        )
        if operator is not None:
            agreement_sign_operator(actor=operator, agreement=agreement, case_party=party, render_pdf=render_pdf)
        else:
            agreement_sign_counter(actor=mediator, agreement=agreement, case_party=party, render_pdf=render_pdf)
    return Agreement.objects.get(pk=agreement.pk)
