"""/api/v1/disputes: an institution's system files a single dispute and reads its status and triage."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router

from xietong.accounts.models import ApiClient
from xietong.cases.choices import CaseState, Door
from xietong.cases.models import Case
from xietong.core.api import ERRORS
from xietong.core.errors import NotAllowed, NotFound
from xietong.triage.selectors import triage_result_for

from .schemas import DisputeCreated, DisputeIn, DisputeOut
from .services import DisputeDetails, PartyDetails, application_submit

router = Router(tags=["disputes"])


def _out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "state_label": str(CaseState(case.state).label),
        "door": case.door,
        "institution": case.institution.name if case.institution else None,
        "total": case.total,
        "submitted_at": case.submitted_at,
        "triage": triage_result_for(case),
    }


def _visible(actor: Any, pk: int) -> Case:
    case = Case.objects.restrict(actor).select_related("institution", "category", "team").filter(pk=pk).first()
    if case is None:
        raise NotFound(_("No such case."))
    return case


@router.post(
    "",
    response={200: DisputeCreated, **ERRORS},
    summary="File a single dispute as the calling institution",
    description=(
        "Opens a pre-litigation case with the caller's institution as applicant and the borrower as "
        "respondent, triaged at once. Send an `Idempotency-Key` header: a retried request with the same key "
        "returns the same case (`created: false`); the same key with a different body is refused "
        "(409 `idempotency_key_reused`)."
    ),
)
def disputes_create(
    request: HttpRequest,
    body: DisputeIn,
    idempotency_key: str = Header("", alias="Idempotency-Key", max_length=80),
) -> dict[str, Any]:
    client = request.auth  # type: ignore[attr-defined]
    if not isinstance(client, ApiClient):
        raise NotAllowed(_("Disputes are filed here by institutions' API clients; staff use the counter form."))
    payload = body.model_dump(mode="json")
    request_hash = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    r = body.respondent
    result = application_submit(
        actor=client,
        door=Door.API,
        api_client=client,
        person=PartyDetails(name=r.name, id_number=r.id_number, phone=r.phone, country=r.country, address=r.address),
        institutions=[client.organisation],
        dispute=DisputeDetails(
            product=body.product.value,
            principal=body.principal,
            interest=body.interest,
            penalty=body.penalty,
            facts=body.facts,
            wishes=[w.value for w in body.wishes],
            reference=body.contract_number,
        ),
        consent_online_mediation=False,
        consent_electronic_service=False,
        client_token=f"api:{client.pk}:{idempotency_key}" if idempotency_key else None,
        request_hash=request_hash,
    )
    case = result.application.cases.order_by("pk").first()
    if case is None:  # pragma: no cover - an application always opens a case
        raise NotFound(_("No such case."))
    return {**_out(_visible(client, case.pk)), "created": result.created}


@router.get("/{case_id}", response={200: DisputeOut, **ERRORS}, summary="A dispute's status and triage result")
def disputes_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return _out(_visible(request.auth, case_id))  # type: ignore[attr-defined]
