from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from xietong.core.api import ERRORS

router = Router(tags=["accounts"])


class MeOut(Schema):
    kind: str
    name: str
    role: str
    role_label: str
    organisation: str | None
    organisation_kind: str | None


@router.get("/me", response={200: MeOut, **ERRORS}, summary="Who is calling")
def me(request: HttpRequest) -> MeOut:
    actor = request.auth  # type: ignore[attr-defined]
    from .choices import Role

    org = actor.organisation
    return MeOut(
        kind=actor.actor_kind,
        name=str(actor),
        role=str(actor.role),
        role_label=str(Role(actor.role).label),
        organisation=org.name if org else None,
        organisation_kind=org.kind if org else None,
    )
