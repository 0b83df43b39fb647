"""The figures' pages: the dashboard per audience (/dashboard/), its XLSX export, the public figures.
Thin: selectors.py reads, export.py writes the workbook."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xietong.core.csp import charts

from .export import XLSX_CONTENT_TYPE, dashboard_export
from .forms import DashboardForm
from .measures import BREAKDOWN_COLUMNS, DIMENSION_BY_CODE, MEASURES, PUBLIC
from .periods import StatsError, period_parse
from .rollup import stats_catch_up_for_reading
from .selectors import PUBLIC as PUBLIC_AUDIENCE
from .selectors import (
    Audience,
    Dashboard,
    Figure,
    Selection,
    audience_for,
    dashboard_build,
    selection_parse,
    totals,
    trend,
)

CHART_SERIES = ("received", "closed", "resolved")


def _value(f: Figure) -> Any:
    return None if f.suppressed or f.value is None else (float(f.value) if f.kind == "amount" else f.value)


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What the charts draw (read by static/stats/charts.js from a json_script block): the same numbers
    as the tables beside them; hidden figures are null."""
    trend_chart = {
        "kind": "trend",
        "categories": [f"{m:%Y-%m}" for m, _f in board.trend],
        "series": [
            {"code": code, "name": str(board.trend[0][1][code].label) if board.trend else code,
             "values": [_value(f[code]) for _m, f in board.trend]}
            for code in CHART_SERIES
        ],
        "line": {
            "code": "closure_rate",
            "name": _("Closure rate") + " (%)",
            "values": [_value(f["closure_rate"]) for _m, f in board.trend],
        },
        "links": board.trend_links,
    }  # fmt: skip
    data: dict[str, Any] = {"trend": trend_chart}
    if board.rows:
        data["breakdown"] = {
            "kind": "bar",
            "categories": [r.label for r in board.rows],
            "series": [
                {"code": code, "name": str(board.rows[0].figures[code].label), "values": [_value(r.figures[code]) for r in board.rows]}
                for code in CHART_SERIES
            ],
            "links": [r.link for r in board.rows],
        }  # fmt: skip
    return data


def _params(request: HttpRequest) -> dict[str, str]:
    return {k: v for k, v in request.GET.items() if isinstance(v, str)}


def _audience(request: HttpRequest) -> Audience:
    if not request.user.is_authenticated:
        raise PermissionDenied
    audience = audience_for(request.user)
    if audience is None:
        raise PermissionDenied
    return audience


@charts
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{_login_url()}?next={request.get_full_path()}")
    audience = _audience(request)
    stats_catch_up_for_reading()
    params = _params(request)
    form = DashboardForm(params or None, audience=audience)
    ctx: dict[str, Any] = {"audience": audience, "form": form, "measures": MEASURES, "columns": BREAKDOWN_COLUMNS}
    try:
        selection = selection_parse(audience, params)
        board = dashboard_build(audience=audience, selection=selection)
    except StatsError as exc:
        ctx["error"] = str(exc.message)
        return render(request, "stats/dashboard.html", ctx, status=400)
    ctx.update(
        {
            "board": board,
            "breakdown_label": DIMENSION_BY_CODE[selection.breakdown].label if selection.breakdown else "",
            "charts": chart_data(board),
            "export_query": _query(selection),
            "trend_rows": list(zip(board.trend, board.trend_links or [""] * len(board.trend), strict=True)),
        }
    )
    return render(request, "stats/dashboard.html", ctx)


def _login_url() -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url

    return str(resolve_url(settings.LOGIN_URL))


def _query(selection: Selection) -> str:
    from urllib.parse import urlencode

    return urlencode(selection.params())


@require_GET
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{_login_url()}?next={request.get_full_path()}")
    audience = _audience(request)
    try:
        selection = selection_parse(audience, _params(request))
        board = dashboard_build(audience=audience, selection=selection)
    except StatsError as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    data = dashboard_export(actor=request.user, board=board)
    # Aggregate figures only, naming no one: not a document download (the export has its own audit entry).
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="figures-{board.period.label.replace(" ", "")}.xlsx"'
    return response


@charts
@require_GET
def public_figures(request: HttpRequest) -> HttpResponse:
    """The center's headline figures of a year, for anyone: aggregates only, small cells hidden."""
    today = timezone.localdate()
    try:
        period = period_parse(kind="year", at=request.GET.get("year", ""), today=today)
        if period.start > today:
            raise StatsError(_("There are no figures for a year that has not begun."), code="bad_period")
    except StatsError as exc:
        return render(request, "stats/public.html", {"error": str(exc.message)}, status=400)
    selection = Selection(period=period)
    total = totals(PUBLIC_AUDIENCE, selection)
    from .selectors import figures_of

    figures = figures_of(total.counters, total.carried, suppress=True)
    months = [(m, f) for m, f in trend(PUBLIC_AUDIENCE, selection) if m <= today.replace(day=1)]
    chart = {
        "trend": {
            "kind": "trend",
            "categories": [f"{m:%Y-%m}" for m, _f in months],
            "series": [
                {"code": code, "name": str(figures[code].label), "values": [_value(f[code]) for _m, f in months]}
                for code in ("received", "resolved")
            ],
            "links": [],
        }
    }
    years = list(range(today.year, max(today.year - 5, 2000) - 1, -1))
    ctx = {
        "period": period,
        "figures": [figures[c] for c in PUBLIC],
        "months": months,
        "charts": chart,
        "years": years,
        "generated": dt.datetime.now(tz=dt.UTC),
    }
    return render(request, "stats/public.html", ctx)
