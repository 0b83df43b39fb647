from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from xietong.cases.models import Case
from xietong.core.api import ERRORS
from xietong.core.errors import NotFound

from .schemas import CaseTriageOut
from .selectors import decision_dict, triage_decisions, triage_result_for

router = Router(tags=["triage"])


@router.get(
    "/cases/{case_id}",
    response={200: CaseTriageOut, **ERRORS},
    summary="A case's triage: the current result and every decision, newest first",
)
def triage_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    case = Case.objects.restrict(actor).select_related("category", "team").filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."))
    return {
        "case_id": case.pk,
        "number": case.number,
        "current": triage_result_for(case),
        "history": [decision_dict(d) for d in triage_decisions(case)],
    }
