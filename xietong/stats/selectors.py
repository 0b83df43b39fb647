"""Reads of the figures: who sees what (audiences), what was asked (selection), and the dashboard.

Every figure comes from the cells (`models.Cell`), never from the cases table: a query sums the
cells of the smallest cube that has the dimensions it needs (`cubes.cube_for`), over the months of
the period. See measures.py for the definitions, and docs/measures.md.

Audiences:
- the center: everything, every breakdown, links to the cases;
- a court (clerk, judge): the same for its own court;
- a regulator: the region's aggregates only; a figure resting on fewer than five disputes is not
  shown (and, in a table, the next smallest with it, so it cannot be worked out from the total); a
  filter that narrows the selection to fewer than five disputes is refused; no names of mediators;
- an institution (operator or API client): its own figures, beside the region's when at least three
  other institutions make up the rest and the rest rests on at least five disputes;
- a mediator: their own.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.choices import OrganisationKind, Role
from xietong.accounts.models import Organisation, User
from xietong.cases.choices import Channel, Colour, Door, Product, Track
from xietong.cases.definitions import SMALL_CELL, TARGET_DAYS, percent
from xietong.cases.models import Category

from .cubes import CUBE_BY_CODE, FILTERS_INDEX, FILTERS_INDEX_NAME, INSTITUTION_INDEX_NAME, LARGEST, Cube, cube_for
from .facts import FIELDS
from .measures import DAY_BUCKETS, DIMENSION_BY_CODE, HEADLINE, HISTOGRAM, MEASURE_BY_CODE
from .models import Cell
from .periods import Period, StatsError, add_months, months_between, period_parse
from .permissions import audience_kind

TREND_MONTHS = 12
MIN_OTHER_INSTITUTIONS = 3

# Filters and breakdowns each audience may use (dimension codes).
ALL_DIMS = ("court", "institution", "product", "category", "colour", "channel", "track", "door", "batch", "mediator")
AGGREGATE_DIMS = ("court", "institution", "product", "category", "colour", "channel", "track", "door")


@dataclass(frozen=True)
class Audience:
    kind: str  # center | court | regulator | institution | mediator
    label: str
    scope: tuple[tuple[str, int], ...] = ()  # (Cell column, value): always applied
    dims: tuple[str, ...] = ALL_DIMS  # filters and breakdowns offered
    may_see_cases: bool = False
    suppress: bool = False
    region_beside: bool = False
    institution_id: int | None = None

    @property
    def scope_columns(self) -> set[str]:
        return {c for c, _v in self.scope}


def audience_for(actor: Any) -> Audience | None:
    """The figures this actor may see, or None (no dashboard for this role)."""
    kind = audience_kind(actor)
    org: int = getattr(actor, "organisation_id", None) or 0  # a court's or an institution's: always set
    if kind == "center":
        return Audience("center", _("The center"), may_see_cases=True)
    if kind == "court":
        dims = tuple(d for d in ALL_DIMS if d != "court")
        return Audience("court", _("Your court"), scope=(("court_id", org),), dims=dims, may_see_cases=True)
    if kind == "regulator":
        return Audience("regulator", _("The region (aggregates)"), dims=AGGREGATE_DIMS, suppress=True)
    if kind == "institution":
        dims = tuple(d for d in ALL_DIMS if d not in ("institution", "mediator"))
        return Audience(
            "institution",
            _("Your institution"),
            scope=(("institution_id", org),),
            dims=dims,
            may_see_cases=True,
            region_beside=True,
            institution_id=org,
        )
    if kind == "mediator":
        dims = ("court", "product", "category", "colour", "channel", "track")
        return Audience("mediator", _("Your cases"), scope=(("mediator_id", actor.pk),), dims=dims, may_see_cases=True)
    return None


PUBLIC = Audience("public", "", dims=(), suppress=True)


@dataclass(frozen=True)
class Selection:
    period: Period
    filters: tuple[tuple[str, int | str], ...] = ()  # (dimension code, value)
    breakdown: str = ""

    def params(self) -> dict[str, str]:
        out = self.period.params()
        out.update({d: str(v) for d, v in self.filters})
        if self.breakdown:
            out["breakdown"] = self.breakdown
        return out


CODES: dict[str, set[str]] = {
    "product": set(Product.values),
    "channel": set(Channel.values),
    "track": set(Track.values),
    "door": set(Door.values),
    "colour": set(Colour.values),
}


def _known_id(dim: str, value: int, audience: Audience) -> bool:
    from xietong.batches.models import Batch

    if dim == "court":
        return Organisation.objects.filter(pk=value, kind=OrganisationKind.COURT).exists()
    if dim == "institution":
        return Organisation.objects.filter(pk=value, kind=OrganisationKind.INSTITUTION).exists()
    if dim == "category":
        return Category.objects.filter(pk=value).exists()
    if dim == "batch":
        batches = Batch.objects.filter(pk=value)
        if audience.institution_id is not None:
            batches = batches.filter(institution_id=audience.institution_id)
        return batches.exists()
    if dim == "mediator":
        return User.objects.filter(pk=value, role=Role.MEDIATOR).exists()
    return False


def selection_parse(audience: Audience, params: Mapping[str, str], *, today: dt.date | None = None) -> Selection:
    """What the request asks for, checked: the period, known filter values, a breakdown offered. Raises StatsError."""
    today = today or timezone.localdate()
    period = period_parse(
        kind=params.get("period", ""),
        at=params.get("at", ""),
        start=params.get("from", ""),
        end=params.get("to", ""),
        today=today,
    )
    filters: list[tuple[str, int | str]] = []
    for dim in ALL_DIMS:
        raw = (params.get(dim) or "").strip()
        if not raw:
            continue
        label = DIMENSION_BY_CODE[dim].label
        if dim not in audience.dims:
            raise StatsError(
                _("Filtering by %(dimension)s is not offered here.") % {"dimension": str(label).lower()},
                code="filter_not_offered",
            )
        if dim in CODES:
            if raw not in CODES[dim]:
                raise StatsError(
                    _("Unknown %(dimension)s “%(value)s”.") % {"dimension": str(label).lower(), "value": raw[:40]},
                    code="unknown_filter_value",
                    details={"dimension": dim, "allowed": sorted(CODES[dim])},
                )
            filters.append((dim, raw))
            continue
        if not raw.isdigit() or not _known_id(dim, int(raw), audience):
            raise StatsError(
                _("Unknown %(dimension)s “%(value)s”.") % {"dimension": str(label).lower(), "value": raw[:40]},
                code="unknown_filter_value",
                details={"dimension": dim},
            )
        filters.append((dim, int(raw)))
    breakdown = (params.get("breakdown") or "").strip()
    if breakdown and breakdown not in audience.dims:
        raise StatsError(
            _("Unknown breakdown “%(value)s”.") % {"value": breakdown[:40]},
            code="unknown_breakdown",
            details={"allowed": list(audience.dims)},
        )
    return Selection(period=period, filters=tuple(filters), breakdown=breakdown)


# Figures ----------------------------------------------------------------------------------------------


@dataclass
class Figure:
    code: str
    value: int | Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    suppressed: bool = False
    over: bool = False  # days: beyond the last step

    @property
    def measure(self) -> Any:
        return MEASURE_BY_CODE[self.code]

    @property
    def label(self) -> str:
        return str(self.measure.label)

    @property
    def definition(self) -> str:
        return str(self.measure.definition)

    @property
    def kind(self) -> str:
        return str(self.measure.kind)

    @property
    def display(self) -> str:
        if self.suppressed:
            return "<5" if self.kind == "count" else "—"
        if self.value is None:
            return "—"
        if self.kind == "rate":
            return f"{self.value}%"
        if self.kind == "amount":
            return f"{self.value:,.2f}"
        if self.kind == "days":
            if self.over:
                return f">{DAY_BUCKETS[-1]}"
            return f"{self.value}" if int(self.value) <= TARGET_DAYS else f"≤{self.value}"
        return f"{self.value:,}"

    @property
    def plain(self) -> int | str | None:
        """The value for the API and the XLSX: amounts as strings with two decimals, nothing when not shown."""
        if self.suppressed or self.value is None:
            return None
        if isinstance(self.value, Decimal):
            return f"{self.value:.2f}"
        return int(self.value)


def quantile(histogram: list[int], q: float) -> tuple[int | None, bool]:
    """The nearest-rank quantile of the days histogram: (days, beyond the last step)."""
    total = sum(histogram)
    if not total:
        return None, False
    rank = max(1, math.ceil(q * total))
    running = 0
    for i, n in enumerate(histogram):
        running += n
        if running >= rank:
            if i >= len(DAY_BUCKETS):
                return DAY_BUCKETS[-1], True
            return DAY_BUCKETS[i], False
    return DAY_BUCKETS[-1], True  # pragma: no cover - the loop always reaches the rank


def figures_of(counters: Mapping[str, int], carried: int, *, suppress: bool) -> dict[str, Figure]:
    """Every measure of measures.MEASURES from summed counters and the cases carried over into the period."""
    c = {name: int(counters.get(name) or 0) for name in FIELDS}
    hist = [c[h] for h in HISTOGRAM]
    median, median_over = quantile(hist, 0.5)
    p90, p90_over = quantile(hist, 0.9)
    in_play = carried + c["received"]

    def rate(code: str, part: int, whole: int) -> Figure:
        return Figure(code, percent(part, whole), numerator=part, denominator=whole)

    figures = {
        "received": Figure("received", c["received"], denominator=c["received"]),
        "amount": Figure("amount", Decimal(c["amount"]) / 100, denominator=c["received"]),
        "resolved": Figure("resolved", c["resolved"], denominator=c["resolved"]),
        "closed": Figure("closed", c["closed"], denominator=c["closed"]),
        "open_end": Figure("open_end", in_play - c["closed"], denominator=in_play - c["closed"]),
        "closure_rate": rate("closure_rate", c["closed"], in_play),
        "median_days": Figure("median_days", median, denominator=c["closed"], over=median_over),
        "p90_days": Figure("p90_days", p90, denominator=c["closed"], over=p90_over),
        "within_target_rate": rate("within_target_rate", c["in_target"], c["closed"]),
        "mediation_success_rate": rate("mediation_success_rate", c["med_ok"], c["med_ok"] + c["med_failed"]),
        "confirmation_rate": rate("confirmation_rate", c["confirmed"], c["med_ok"]),
        "auto_performance_rate": rate("auto_performance_rate", c["plan_auto"], c["plan_ended"]),
        "enforcement_rate": rate("enforcement_rate", c["enforced"], c["basis"]),
        "service_success_rate": rate(
            "service_success_rate", c["served_ok"], c["served_ok"] + c["served_alt"] + c["served_failed"]
        ),
    }
    if suppress:
        for f in figures.values():
            base = f.denominator or 0
            if 0 < base < SMALL_CELL:
                f.suppressed = True
    return figures


def suppress_second(rows: list[dict[str, Figure]], codes: tuple[str, ...] = ("received", "resolved", "closed")) -> None:
    """In a table whose total is shown: when one count of a column is hidden, hide the next smallest too."""
    for code in codes:
        hidden = [r for r in rows if r[code].suppressed]
        if len(hidden) != 1:
            continue
        shown = [r for r in rows if not r[code].suppressed and r[code].value]
        if shown:
            smallest = min(shown, key=lambda r: int(r[code].value or 0))
            smallest[code].suppressed = True


# Reading the cells ------------------------------------------------------------------------------------


def _colour_categories(colour: str) -> list[int]:
    return list(Category.objects.filter(colour=colour).values_list("pk", flat=True))


def _conditions(audience: Audience, selection: Selection, *, without: str = "") -> dict[str, Any]:
    """Cell lookups for the audience's scope and the selection's filters (but `without`'s)."""
    where: dict[str, Any] = {}
    for column, scoped in audience.scope:
        if column != without:
            where[column] = scoped
    for dim, value in selection.filters:
        column = DIMENSION_BY_CODE[dim].column
        if column == without:
            continue
        if dim == "colour":
            where["category_id__in"] = _colour_categories(str(value))
        else:
            where[column] = value
    return where


def _needed(audience: Audience, selection: Selection, *, breakdown: str = "", without: str = "") -> set[str]:
    dims = {c for c, _v in audience.scope if c != without}
    dims |= {DIMENSION_BY_CODE[d].column for d, _v in selection.filters if DIMENSION_BY_CODE[d].column != without}
    if breakdown:
        dims.add(DIMENSION_BY_CODE[breakdown].column)
    return dims


def _cube(needed: set[str]) -> Cube:
    cube = cube_for(needed)
    if cube is None:
        raise StatsError(
            _(
                "The figures are not kept for this combination of filters and breakdown; remove a filter or choose another breakdown."
            ),
            code="combination_not_kept",
        )
    return cube


def cell_sums(
    cube: Cube,
    where: dict[str, Any],
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    before: dt.date | None = None,
    group: str = "",
    columns: tuple[str, ...] = FIELDS,
) -> list[dict[str, Any]]:
    """SUM of `columns` over the cube's cells matching `where` (column → value, or column__in → values) in
    the months first..last (or before `before`), grouped by `group`. One statement, written here rather
    than by the ORM: a dashboard runs a handful of these and the ORM's compilation of sixty-odd SUMs
    would cost more than the database does."""
    sql, params = cell_sums_sql(cube, where, first=first, last=last, before=before, group=group, columns=columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = ([group] if group else []) + list(columns)
    out = []
    for row in rows:
        item = dict(zip(names, row, strict=True))
        for c in columns:
            item[c] = int(item[c] or 0)
        out.append(item)
    return out


def cell_sums_sql(
    cube: Cube,
    where: dict[str, Any],
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
    before: dt.date | None = None,
    group: str = "",
    columns: tuple[str, ...] = FIELDS,
) -> tuple[str, list[Any]]:
    """The statement of `cell_sums` and its parameters.

    A read of the largest cube scoped to (or filtered by) one institution goes through the partial index of
    that cube's cells by institution (`stats_cell_institution`). A read of it across institutions pins four
    or more of the values the other partial index of its cells begins with (`stats_cell_filters`) and goes
    through that one: each column of the index before the last one pinned that the read does not filter by
    is pinned to every value it takes (the values of the cube of that dimension alone, a few dozen cells),
    so that the database seeks to the cells that match rather than walking every cell of the period. For
    the planners to see that a partial index applies, the cube's code is written into the statement rather
    than bound (PostgreSQL's plan of a prepared statement would not know the cube); SQLite is told which
    index to use (`INDEXED BY`), since its statistics know only the average cube, ten times smaller than
    this one."""
    qn = connection.ops.quote_name
    table = qn(Cell._meta.db_table)
    params: list[Any] = []
    if cube.code == LARGEST:
        conditions = [f"{qn('cube')} = '{LARGEST}'"]
        pinned = {key.removesuffix("__in") for key in where}
        index = ""
        if "institution_id" in pinned:
            index = INSTITUTION_INDEX_NAME
        elif len(pinned & set(FILTERS_INDEX)) >= 4:
            index = FILTERS_INDEX_NAME
            end = max(i for i, column in enumerate(FILTERS_INDEX) if column in pinned)
            for column in FILTERS_INDEX[:end]:
                if column not in pinned:
                    taken = f"SELECT DISTINCT {qn(column)} FROM {table} WHERE {qn('cube')} = %s"  # noqa: S608 - quoted names
                    if connection.vendor == "postgresql":
                        conditions.append(f"{qn(column)} = ANY(ARRAY({taken}))")
                    else:
                        conditions.append(f"{qn(column)} IN ({taken})")
                    params.append(CUBE_BY_CODE[column.removesuffix("_id")].code)
        if connection.vendor == "sqlite" and index:
            table += f" INDEXED BY {qn(index)}"
    else:
        conditions = [f"{qn('cube')} = %s"]
        params.append(cube.code)
    for key, value in where.items():
        if key.endswith("__in"):
            values = list(value) or [None]
            conditions.append(f"{qn(key[:-4])} IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
        else:
            conditions.append(f"{qn(key)} = %s")
            params.append(value)
    for op, month in ((">=", first), ("<=", last), ("<", before)):
        if month is not None:
            conditions.append(f"{qn('month')} {op} %s")
            params.append(month)
    select = [f"SUM({qn(c)})" for c in columns]
    if group:
        select.insert(0, qn(group))
    sql = f"SELECT {', '.join(select)} FROM {table} WHERE {' AND '.join(conditions)}"  # noqa: S608 - quoted names, bound values
    if group:
        sql += f" GROUP BY {qn(group)}"
    return sql, params


def _as_date(value: Any) -> dt.date:
    """A month as the driver returns it (SQLite: text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _carried(cube: Cube, where: dict[str, Any], before: dt.date, group: str = "") -> dict[Any, int]:
    return {
        (r[group] if group else None): r["received"] - r["closed"]
        for r in cell_sums(cube, where, before=before, group=group, columns=("received", "closed"))
    }


@dataclass
class Totals:
    counters: dict[str, int]
    carried: int


def totals(audience: Audience, selection: Selection, *, without: str = "") -> Totals:
    cube = _cube(_needed(audience, selection, without=without))
    where = _conditions(audience, selection, without=without)
    p = selection.period
    [counters] = cell_sums(cube, where, first=p.start, last=p.end)
    return Totals(counters, _carried(cube, where, p.start).get(None, 0))


def trend_months(period: Period) -> list[dt.date]:
    if months_between(period.start, period.end) >= TREND_MONTHS:
        return period.months
    return [add_months(period.end, -i) for i in range(TREND_MONTHS - 1, -1, -1)]


def trend(audience: Audience, selection: Selection) -> list[tuple[dt.date, dict[str, Figure]]]:
    months = trend_months(selection.period)
    cube = _cube(_needed(audience, selection))
    where = _conditions(audience, selection)
    by_month = {
        _as_date(row["month"]): row for row in cell_sums(cube, where, first=months[0], last=months[-1], group="month")
    }
    carried = _carried(cube, where, months[0]).get(None, 0)
    out = []
    for month in months:
        row = by_month.get(month, {})
        out.append((month, figures_of(row, carried, suppress=audience.suppress)))
        carried += int(row.get("received") or 0) - int(row.get("closed") or 0)
    if audience.suppress:
        suppress_second([f for _m, f in out])
    return out


@dataclass
class Row:
    key: int | str
    label: str
    figures: dict[str, Figure]
    link: str = ""


def breakdown(audience: Audience, selection: Selection) -> list[Row]:
    dim = selection.breakdown
    column = DIMENSION_BY_CODE[dim].column
    cube = _cube(_needed(audience, selection, breakdown=dim))
    where = _conditions(audience, selection)
    p = selection.period
    rows: dict[Any, Any] = {r[column]: r for r in cell_sums(cube, where, first=p.start, last=p.end, group=column)}
    carried: dict[Any, int] = _carried(cube, where, p.start, group=column)
    keys = set(rows) | {k for k, v in carried.items() if v}
    if dim == "colour":
        colour_of = dict(Category.objects.values_list("pk", "colour"))
        merged: dict[str, dict[str, int]] = {}
        merged_carried: dict[str, int] = {}
        for k in keys:
            colour = colour_of.get(int(k), "") if k else ""
            acc = merged.setdefault(colour, dict.fromkeys(FIELDS, 0))
            for name in FIELDS:
                acc[name] += int(rows.get(k, {}).get(name) or 0)
            merged_carried[colour] = merged_carried.get(colour, 0) + carried.get(k, 0)
        rows, carried, keys = merged, merged_carried, set(merged)
    labels = dimension_labels(dim, keys)
    out = [
        Row(
            key=k,
            label=labels.get(k, str(k)),
            figures=figures_of(rows.get(k, {}), carried.get(k, 0), suppress=audience.suppress),
        )
        for k in keys
    ]
    out.sort(key=lambda r: (-int(r.figures["received"].value or 0), r.label))
    if audience.suppress:
        suppress_second([r.figures for r in out])
    return out


def dimension_labels(dim: str, keys: set[Any]) -> dict[Any, str]:
    """Labels of breakdown values; "none" for the empty value."""
    from xietong.batches.models import Batch
    from xietong.triage.models import TriageRule

    none = {
        "category": _("no category"),
        "colour": _("no colour"),
        "channel": _("not yet triaged"),
        "track": _("not yet triaged"),
        "institution": _("no institution"),
        "batch": _("not in a batch"),
        "mediator": _("no mediator"),
        "rule": _("no configured rule"),
    }
    choices: dict[str, Any] = {"product": Product, "channel": Channel, "track": Track, "door": Door, "colour": Colour}
    out: dict[Any, str] = {}
    real = {k for k in keys if k}
    if dim in choices:
        labels = dict(choices[dim].choices)
        out = {k: str(labels.get(k, k)) for k in real}
    elif dim in ("court", "institution"):
        out = {o.pk: o.display_name for o in Organisation.objects.filter(pk__in=real)}
    elif dim == "category":
        out = dict(Category.objects.filter(pk__in=real).values_list("pk", "name"))
    elif dim == "mediator":
        out = {u.pk: str(u) for u in User.objects.filter(pk__in=real)}
    elif dim == "rule":
        out = dict(TriageRule.objects.filter(pk__in=real).values_list("pk", "name"))
    elif dim == "batch":
        for b in Batch.objects.filter(pk__in=real).select_related("institution"):
            local = timezone.localtime(b.created_at)
            out[b.pk] = f"#{b.pk} · {b.institution.display_name} · {local:%Y-%m}"
    for k in keys:
        if not k:
            out[k] = str(none.get(dim, _("none")))
    return out


# The dashboard ------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    audience: Audience
    selection: Selection
    headline: dict[str, Figure]
    region: dict[str, Figure] | None = None
    region_note: str = ""
    trend: list[tuple[dt.date, dict[str, Figure]]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    trend_links: list[str] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.selection.period

    def headline_list(self) -> list[Figure]:
        return [self.headline[c] for c in HEADLINE]


def _refuse_small(audience: Audience, selection: Selection, total: Totals) -> None:
    if not audience.suppress or not selection.filters:
        return
    in_play = total.carried + total.counters["received"]
    if 0 < in_play < SMALL_CELL:
        raise StatsError(
            _(
                "This selection covers fewer than five disputes. To protect the parties its figures are not "
                "shown: widen the period or remove a filter."
            ),
            code="small_stratum",
        )


def _region(audience: Audience, selection: Selection, own: Totals) -> tuple[dict[str, Figure] | None, str]:
    """The region's figures beside an institution's own, when the rest cannot be traced to anyone: at
    least three other institutions among the rest (disputes with no institution, kept as institution 0,
    are not one)."""
    cube = _cube(_needed(audience, selection, breakdown="institution", without="institution_id"))
    where = _conditions(audience, selection, without="institution_id")
    p = selection.period
    others = [
        r["institution_id"]
        for r in cell_sums(cube, where, first=p.start, last=p.end, group="institution_id", columns=("received",))
        if r["received"] and r["institution_id"] not in (audience.institution_id, 0)
    ]
    if len(others) < MIN_OTHER_INSTITUTIONS:
        return None, _(
            "The region's figures are shown when at least three other institutions have disputes in the selection."
        )
    region = totals(audience, selection, without="institution_id")
    rest = {k: region.counters[k] - own.counters.get(k, 0) for k in region.counters}
    figures = figures_of(region.counters, region.carried, suppress=False)
    rest_figures = figures_of(rest, region.carried - own.carried, suppress=True)
    for code, f in figures.items():
        f.suppressed = rest_figures[code].suppressed
    return figures, ""


def dashboard_build(*, audience: Audience, selection: Selection) -> Dashboard:
    total = totals(audience, selection)
    _refuse_small(audience, selection, total)
    board = Dashboard(
        audience=audience,
        selection=selection,
        headline=figures_of(total.counters, total.carried, suppress=audience.suppress),
    )
    if audience.region_beside:
        board.region, board.region_note = _region(audience, selection, total)
    board.trend = trend(audience, selection)
    if selection.breakdown:
        board.rows = breakdown(audience, selection)
    if audience.may_see_cases:
        case_links(board)
    return board


# Links to the case list with the same filters --------------------------------------------------------

LINKED = ("court", "institution", "product", "category", "colour", "channel", "track", "door")


def _case_list(filters: dict[str, Any], start: dt.date, last_day: dt.date) -> str:
    query = {k: v for k, v in filters.items() if k in LINKED and v not in ("", None, 0)}
    query["submitted_from"] = start.isoformat()
    query["submitted_to"] = last_day.isoformat()
    return f"{reverse('home')}?{urlencode(query)}"


def case_links(board: Dashboard) -> None:
    """Each breakdown row and month links to the cases received there, with the dashboard's filters."""
    base = dict(board.selection.filters)
    p = board.period
    for row in board.rows:
        dim = board.selection.breakdown
        if dim == "batch":
            if row.key and board.audience.kind in ("center", "institution"):
                row.link = reverse("batch-followup", args=[row.key])
            continue
        if dim in LINKED and row.key:
            row.link = _case_list({**base, dim: row.key}, p.start, p.last_day)
    linkable = "batch" not in base and "mediator" not in base
    board.trend_links = [
        _case_list(base, month, add_months(month, 1) - dt.timedelta(days=1)) if linkable else ""
        for month, _f in board.trend
    ]


# Outcomes of the triage routes (the triage rules page) -------------------------------------------------


@dataclass
class RouteOutcome:
    rule_id: int
    rule: str
    channel: str
    track: str
    figures: dict[str, Figure]


def triage_outcomes(*, today: dt.date | None = None, months: int = 12) -> tuple[Period, list[RouteOutcome]]:
    """Per triage rule, channel and track: the figures of the cases it routed, over the last `months` months.

    The rule is the one that routed the case (its first automatic decision); channel and track are the
    case's own now. Cases no configured rule routed are one row per channel and track ("no configured rule").
    """
    today = today or timezone.localdate()
    end = today.replace(day=1)
    period = Period("custom", add_months(end, -(months - 1)), end)
    from .cubes import CUBE_BY_CODE

    cube = CUBE_BY_CODE["channel+track+rule"]
    keys = ("rule_id", "channel", "track")
    sums = {
        (r["rule_id"], r["channel"], r["track"]): r
        for r in Cell.objects.filter(cube=cube.code, month__gte=period.start, month__lte=period.end)
        .values(*keys)
        .annotate(**{name: Sum(name) for name in FIELDS})
        .order_by()
    }
    carried = {
        (r["rule_id"], r["channel"], r["track"]): (r["r"] or 0) - (r["c"] or 0)
        for r in Cell.objects.filter(cube=cube.code, month__lt=period.start)
        .values(*keys)
        .annotate(r=Sum("received"), c=Sum("closed"))
        .order_by()
    }
    names = dimension_labels("rule", {k[0] for k in sums})
    channels, tracks = dict(Channel.choices), dict(Track.choices)
    out = [
        RouteOutcome(
            rule_id=k[0],
            rule=names.get(k[0], str(k[0])),
            channel=str(channels.get(k[1], k[1] or "—")),
            track=str(tracks.get(k[2], k[2] or "—")),
            figures=figures_of(row, carried.get(k, 0), suppress=False),
        )
        for k, row in sums.items()
    ]
    out.sort(key=lambda o: (o.rule_id == 0, o.rule, o.channel, o.track))
    return period, out
