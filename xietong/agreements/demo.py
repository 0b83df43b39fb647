"""The demo's "reach_agreement" steps, taken through this app: draft, send, every party signs, frozen.

Registered as the demo step of `reach_agreement` (apps.py). The demo note says the plan ("分N期" or a single
payment) and that the penalty is waived; the first instalment is due on the 20th of next month.
Parties with an account (the demo's story citizens) sign online with a one-time code, recorded as
method "otp" (the demo does not read the code back from the SMS log); parties without one sign on
paper at the counter, recorded by the mediator; institutions sign through their operator.
PDFs are rendered on first download: rendering every demo agreement would slow the load down.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from xietong.accounts.choices import Role
from xietong.accounts.models import User
from xietong.cases.models import Case, CaseParty

from .choices import DEFAULT_CLAUSE, SignatureMethod
from .models import Agreement
from .services import _sign, agreement_draft, agreement_send

MONTHS_RE = re.compile(r"分(\d+)期")


def months_from_note(note: str) -> int:
    m = MONTHS_RE.search(note or "")
    return int(m.group(1)) if m else 1


def reach_agreement(*, case_id: int, actor: Any, note: str) -> None:
    case = Case.objects.get(pk=case_id)
    mediator = actor if getattr(actor, "role", None) == Role.MEDIATOR else case.mediator
    today = timezone.localdate()
    first_due = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=20)
    agreement = agreement_draft(
        actor=mediator,
        case=case,
        waived=case.penalty,
        months=months_from_note(note),
        first_due=first_due,
        default_clause=str(DEFAULT_CLAUSE),
        terms=note,
    )
    agreement = agreement_send(actor=mediator, agreement=agreement, notify=False)
    parties = list(CaseParty.objects.filter(case_id=case.pk).select_related("person", "agent", "organisation"))
    parties.sort(key=lambda p: p.organisation_id is not None)  # the institution signs last
    for party in parties:
        agreement = Agreement.objects.get(pk=agreement.pk)
        signer_person = party.agent or party.person
        if party.organisation_id is not None:
            operator = (
                User.objects.filter(role=Role.INSTITUTION_OPERATOR, organisation_id=party.organisation_id)
                .order_by("pk")
                .first()
            )
            by: Any = operator or mediator
            method = SignatureMethod.OPERATOR if operator else SignatureMethod.COUNTER
            label = f"{party.name}（{by}）"
        elif signer_person is not None and signer_person.user_id is not None:
            by, method = signer_person.user, SignatureMethod.OTP
            label = signer_person.name if party.agent is None else f"{party.agent.name}（代{party.name}）"
        else:
            by, method = mediator, SignatureMethod.COUNTER
            label = party.name if party.agent is None else f"{party.agent.name}（代{party.name}）"
        _sign(
            actor=by,
            agreement=agreement,
            party=party,
            method=method,
            signer=label,
            render_pdf=False,
            transition_note=note,
        )
