"""The agreement panel of the case page: draft form, the current version, signatures, actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from xietong.accounts.permissions import may
from xietong.cases.choices import CaseState
from xietong.cases.panels import CasePanel

from .choices import DEFAULT_AFTER_MISSED, DEFAULT_CLAUSE, DEFAULT_GRACE_DAYS, AgreementStatus
from .forms import DraftForm
from .permissions import party_may_sign_as
from .selectors import (
    agreement_current,
    agreements_of_case,
    may_record_counter_signature,
    parties_of,
)

SHOWN_STATES = frozenset(
    {
        CaseState.MEDIATING,
        CaseState.AGREEMENT,
        CaseState.CONFIRMED,
        CaseState.PERFORMING,
        CaseState.FULFILLED,
        CaseState.ENFORCING,
        CaseState.CLOSED,
    }
)


def draft_prefill(case: Any) -> dict[str, Any]:
    """Start from the accepted offer of the mediation, else the affordability worksheet, else the case."""
    initial: dict[str, Any] = {
        "waived": case.penalty,
        "months": 1,
        "first_due": timezone.localdate() + dt.timedelta(days=30),
        "default_clause": str(DEFAULT_CLAUSE),
        "grace_days": DEFAULT_GRACE_DAYS,
        "default_after_missed": DEFAULT_AFTER_MISSED,
        "accelerate": "yes",
        "source": "",
    }
    try:
        from xietong.mediation.selectors import accepted_offer, affordability_for
    except ImportError:  # pragma: no cover - the mediation app is optional while it is written
        return initial
    offer = accepted_offer(case)
    if offer is not None:
        waived = max(Decimal("0.00"), case.total - offer.total)
        initial.update(
            waived=min(waived, case.waivable),
            months=offer.instalments,
            first_due=max(offer.first_payment_on, timezone.localdate()),
            source="offer",
        )
        return initial
    worksheet = affordability_for(case)
    if worksheet is not None:
        initial.update(months=worksheet.suggested_months, source="affordability")
    return initial


def agreement_panel(request: HttpRequest, case: Any) -> CasePanel | None:
    user: Any = request.user
    if not may(user, "cases.view"):
        return None
    current = agreement_current(case)
    history = [a for a in agreements_of_case(case) if current is None or a.pk != current.pk]
    if current is None and not history and case.state not in SHOWN_STATES:
        return None
    is_mediator = may(user, "agreements.draft", case)
    mediating = case.state == CaseState.MEDIATING
    may_draft = (
        is_mediator
        and mediating
        and (current is None or not current.signatures.exists() or current.status == AgreementStatus.SIGNED)
    )
    rows = []
    if current is not None:
        signed = {s.case_party_id: s for s in current.signatures.all()}
        counter = may_record_counter_signature(user, case)
        for party in parties_of(current):
            how = party_may_sign_as(user, party)
            rows.append(
                {
                    "party": party,
                    "signature": signed.get(party.pk),
                    "how": how if current.status == AgreementStatus.SIGNING and mediating else "",
                    "counter": counter and current.status == AgreementStatus.SIGNING and mediating,
                }
            )
    form = DraftForm(initial=draft_prefill(case)) if may_draft else None
    return CasePanel(
        template="agreements/_case_panel.html",
        context={
            "current": current,
            "history": history,
            "rows": rows,
            "form": form,
            "prefill_source": form.initial.get("source") if form else "",
            "may_draft": may_draft,
            "may_send": is_mediator and mediating and current is not None and current.status == AgreementStatus.DRAFT,
            # The court sets a signed agreement aside through its refusal (judiciary), not from here.
            "may_void": current is not None and current.status != AgreementStatus.VOID and is_mediator and mediating,
            "code_sent": request.session.get(f"agreement-code-{current.pk}") if current else None,
        },
        column="main",
        order=30,
    )
