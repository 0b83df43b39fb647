"""The judiciary's panel on the case page: review and confirmation, filing, hearings, outcome, rulings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xietong.accounts.choices import Role
from xietong.cases.choices import CaseState, PartyRole
from xietong.cases.panels import CasePanel
from xietong.cases.permissions import actor_person_id, actor_role

from .choices import CHECKLIST, HearingStatus, OutcomeKind
from .forms import HearingForm, OutcomeForm
from .selectors import judicial_record

S = CaseState
JUDICIAL_STATES = frozenset({S.AGREEMENT, S.FAILED, S.FILED, S.TRIED})


def _is_plaintiff(user: Any, case: Any) -> bool:
    role = actor_role(user)
    applicants = [p for p in case.parties.all() if p.role in (PartyRole.APPLICANT, PartyRole.PLAINTIFF)]
    if role == Role.INSTITUTION_OPERATOR:
        return any(p.organisation_id and p.organisation_id == user.organisation_id for p in applicants)
    if role == Role.PARTY:
        pid = actor_person_id(user)
        return pid is not None and any(pid in (p.person_id, p.agent_id) for p in applicants)
    return False


def judiciary_panel(request: HttpRequest, case: Any) -> CasePanel | None:
    user: Any = request.user
    role = actor_role(user)
    record = judicial_record(case)
    if case.state not in JUDICIAL_STATES and record.empty:
        return None
    of_court = role in (Role.CLERK, Role.JUDGE) and user.organisation_id == case.court_id
    judge = of_court and role == Role.JUDGE
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
        ctx["may_request_filing"] = record.filing_request is None and (
            _is_plaintiff(user, case) or (role == Role.CLERK and of_court)
        )
        ctx["paper_request"] = role == Role.CLERK
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
