from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from xietong.core.api import ERRORS
from xietong.core.errors import NotAllowed, NotFound

from .choices import Dimension, WarningState
from .schemas import WarningDetailOut, WarningListOut
from .selectors import may_view_warnings, warning_detail, warning_summary, warnings_visible

router = Router(tags=["risk"])
API_LIMIT = 500


def _actor(request: HttpRequest) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not may_view_warnings(actor):
        raise NotAllowed(_("Group-risk warnings are for regulators, the courts and the institutions concerned."))
    return actor


@router.get(
    "/warnings",
    response={200: WarningListOut, **ERRORS},
    summary="The group-risk warnings the caller may see (open ones unless state is given), most severe first",
)
def risk_warnings(request: HttpRequest, state: str = "open", dimension: str = "") -> dict[str, Any]:
    actor = _actor(request)
    qs = warnings_visible(actor)
    if state == "open":
        qs = qs.exclude(state=WarningState.RESOLVED)
    elif state in WarningState.values:
        qs = qs.filter(state=state)
    elif state != "all":
        raise NotFound(_("Unknown state."))
    if dimension:
        if dimension not in Dimension.values:
            raise NotFound(_("Unknown dimension."))
        qs = qs.filter(dimension=dimension)
    items = [warning_summary(w, actor) for w in qs[:API_LIMIT]]
    return {"count": len(items), "items": items}


@router.get(
    "/warnings/{int:warning_id}",
    response={200: WarningDetailOut, **ERRORS},
    summary="One warning with its daily series, baseline, threshold, method parameters and breakdown",
)
def risk_warning(request: HttpRequest, warning_id: int) -> dict[str, Any]:
    actor = _actor(request)
    warning = warnings_visible(actor).filter(pk=warning_id).first()
    if warning is None:
        raise NotFound(_("No such warning."))
    return warning_detail(warning, actor)
