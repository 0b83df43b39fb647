"""`GET /api/v1/stats/dashboard`: the dashboard's figures, per audience, the same numbers as the page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from xietong.core.api import ERRORS
from xietong.core.errors import NotAllowed

from .measures import DIMENSION_BY_CODE
from .rollup import stats_catch_up_for_reading
from .schemas import DashboardOut, DashboardQuery
from .selectors import Dashboard, Figure, audience_for, dashboard_build, selection_parse

router = Router(tags=["statistics"])


def _figure(f: Figure, *, counts: bool = True) -> dict[str, Any]:
    """One figure; `counts=False` (regulators) leaves out the numerator and denominator behind a rate."""
    return {
        "code": f.code,
        "label": f.label,
        "value": f.plain,
        "display": f.display,
        "numerator": f.numerator if counts and not f.suppressed else None,
        "denominator": f.denominator if counts and not f.suppressed else None,
        "suppressed": f.suppressed,
    }


def dashboard_out(board: Dashboard) -> dict[str, Any]:
    sel = board.selection
    counts = not board.audience.suppress

    def figure_out(f: Figure) -> dict[str, Any]:
        return _figure(f, counts=counts)

    return {
        "audience": board.audience.kind,
        "period": {
            "kind": board.period.kind,
            "label": board.period.label,
            "first_month": f"{board.period.start:%Y-%m}",
            "last_month": f"{board.period.end:%Y-%m}",
        },
        "filters": dict(sel.filters),
        "figures": [figure_out(f) for f in board.headline_list()],
        "region": [figure_out(board.region[f.code]) for f in board.headline_list()] if board.region else None,
        "region_note": board.region_note,
        "trend": [
            {"month": f"{month:%Y-%m}", "figures": [figure_out(f) for f in figures.values()]}
            for month, figures in board.trend
        ],
        "breakdown": {
            "dimension": sel.breakdown,
            "label": str(DIMENSION_BY_CODE[sel.breakdown].label),
            "rows": [
                {"key": str(r.key), "label": r.label, "figures": [figure_out(f) for f in r.figures.values()]}
                for r in board.rows
            ],
        }
        if sel.breakdown
        else None,
    }


@router.get(
    "/dashboard",
    response={200: DashboardOut, **ERRORS},
    summary="The figures of the caller's dashboard, for a period, with filters and a breakdown",
)
def stats_dashboard(request: HttpRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    """Per audience, as on /dashboard/: the center (everything), a court (its own), a regulator (aggregates,
    figures resting on fewer than five disputes are null with `suppressed: true`), an institution (its own,
    the region beside it when three other institutions make it up), a mediator (their own). Amounts are
    strings with two decimals (yuan). Definitions: docs/measures.md. Bad input answers 400 with a message."""
    actor = request.auth  # type: ignore[attr-defined]
    audience = audience_for(actor)
    if audience is None:
        raise NotAllowed(_("Figures are for the center, the courts, regulators, institutions and mediators."))
    stats_catch_up_for_reading()
    params = {k: v for k, v in query.dict(by_alias=True).items() if v not in (None, "")}
    selection = selection_parse(audience, {k: str(v) for k, v in params.items()})
    return dashboard_out(dashboard_build(audience=audience, selection=selection))
