"""The judiciary's panel on the case page: review and confirmation, filing, hearings, outcome, rulings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xietong.accounts.permissions import may
from xietong.cases.choices import CaseState
from xietong.cases.panels import CasePanel

from .choices import CHECKLIST, HearingStatus, OutcomeKind
from .forms import HearingForm, OutcomeForm
from .selectors import judicial_record

S = CaseState
JUDICIAL_STATES = frozenset({S.AGREEMENT, S.FAILED, S.FILED, S.TRIED})


def judiciary_panel(request: HttpRequest, case: Any) -> CasePanel | None:
    user: Any = request.user
    record = judicial_record(case)
    if case.state not in JUDICIAL_STATES and record.empty:
        return None
    of_court = may(user, "judiciary.file", case)
    judge = may(user, "judiciary.judge", case)
    ctx: dict[str, Any] = {
        "record": record,
        "of_court": of_court,
        "checklist": [(n, str(label)) for n, label in CHECKLIST],
    }
    if case.state == S.AGREEMENT:
        from xietong.agreements.selectors import agreement_signed_for_case

        ctx["agreement"] = agreement_signed_for_case(case)
        ctx["may_review"] = judge
    if case.state == S.FAILED:
        ctx["may_request_filing"] = record.filing_request is None and may(user, "judiciary.request_filing", case)
        ctx["paper_request"] = may(user, "judiciary.record_paper_request", case)
        ctx["may_file"] = of_court
    if case.state == S.FILED:
        from xietong.service.selectors import service_satisfied

        scheduled = [h for h in record.hearings if h.status == HearingStatus.SCHEDULED]
        ctx["notice_served"] = service_satisfied(case, "hearing_notice") if record.hearings else None
        ctx["may_schedule"] = of_court and not scheduled
        ctx["may_mark"] = of_court
        ctx["hearing_form"] = HearingForm(court_id=case.court_id)
        ctx["may_outcome"] = judge
        ctx["outcome_form"] = OutcomeForm()
        ctx["outcome_kinds"] = OutcomeKind.choices
    return CasePanel(template="judiciary/_case_panel.html", context=ctx, column="side", order=40)
