"""Following a batch to the end: what became of the cases it delivered (reads only).

The figures, for the cases of one batch the actor may see:
- delivered: the batch's cases (one per imported row);
- in mediation, agreements, confirmed, filed: cases that *reached* that step at some point (their
  timeline has the transition, or they are in that state now) — a funnel, not today's snapshot;
- closed: cases in a closing state (fulfilled, closed, withdrawn, rejected); closure rate = closed /
  delivered, rounded to a whole percent;
- closed within the month: closed before the end of the calendar month (Asia/Shanghai) in which the
  batch was delivered — delivered = when its first case was opened (the import);
- outcome mix: fulfilled, closed after trial (the case was filed for trial), closed otherwise (after
  repayment or enforcement without a trial), withdrawn, rejected, and the open cases by state;
- median days to close: from a case's opening to its closing, over the closed cases.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.cases.choices import CaseState
from xietong.cases.definitions import CLOSED_STATES, percent
from xietong.cases.models import Case, CaseEvent
from xietong.core.spreadsheets import cell_safe, xlsx_row

from .models import Batch, BatchRow

REACHED = (CaseState.MEDIATING, CaseState.AGREEMENT, CaseState.CONFIRMED, CaseState.FILED)
STATE_ORDER = [s.value for s in CaseState]


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int
    pct: int  # of delivered, for the bar chart
    closing: bool


@dataclass
class Followup:
    batch: Batch
    delivered: int = 0
    in_mediation: int = 0
    agreements: int = 0
    confirmed: int = 0
    filed: int = 0
    closed: int = 0
    closure_rate: int = 0  # percent
    closed_in_month: int = 0
    closed_in_month_rate: int = 0
    delivered_at: dt.datetime | None = None
    month_end: dt.datetime | None = None  # exclusive: the first moment of the next month
    median_days_to_close: float | None = None
    outcome: dict[str, int] = field(default_factory=dict)
    open_by_state: dict[str, int] = field(default_factory=dict)
    states: list[StateCount] = field(default_factory=list)

    @property
    def month_label(self) -> str:
        if self.delivered_at is None:
            return ""
        local = timezone.localtime(self.delivered_at)
        return f"{local.year}-{local.month:02d}"

    @property
    def open(self) -> int:
        return self.delivered - self.closed


OUTCOME_LABELS = {
    "fulfilled": _("fulfilled"),
    "closed_after_trial": _("closed after trial"),
    "closed_otherwise": _("closed without trial"),
    "withdrawn": _("withdrawn"),
    "rejected": _("rejected"),
    "open": _("still open"),
}


def batch_cases(*, actor: Any, batch: Batch) -> QuerySet[Case]:
    """The batch's cases this actor may see (the one case rule applies here too)."""
    return Case.objects.restrict(actor).filter(batch_rows__batch=batch).distinct()


def _percent(part: int, whole: int) -> int:
    return percent(part, whole) or 0  # the one rounding of rates (cases/definitions.py), as the dashboard


def month_end_after(moment: dt.datetime) -> dt.datetime:
    """The first moment of the calendar month after `moment`'s, in the platform's time zone."""
    local = timezone.localtime(moment)
    first = local.date().replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(following, dt.time(0, 0), tzinfo=local.tzinfo)


def batch_followup(*, actor: Any, batch: Batch) -> Followup:
    result = Followup(batch=batch)
    cases = list(batch_cases(actor=actor, batch=batch).values("pk", "state", "submitted_at", "closed_at"))
    result.delivered = len(cases)
    if not cases:
        return result
    ids = [c["pk"] for c in cases]
    reached: dict[str, set[int]] = {s: set() for s in REACHED}
    for i in range(0, len(ids), 2000):
        for case_id, to_state in (
            CaseEvent.objects.filter(case_id__in=ids[i : i + 2000], to_state__in=list(REACHED))
            .values_list("case_id", "to_state")
            .distinct()
        ):
            reached[to_state].add(case_id)
    for c in cases:
        if c["state"] in reached:
            reached[c["state"]].add(c["pk"])
    result.in_mediation = len(reached[CaseState.MEDIATING])
    result.agreements = len(reached[CaseState.AGREEMENT])
    result.confirmed = len(reached[CaseState.CONFIRMED])
    result.filed = len(reached[CaseState.FILED])

    result.delivered_at = min(c["submitted_at"] for c in cases)
    result.month_end = month_end_after(result.delivered_at)
    closed = [c for c in cases if c["state"] in CLOSED_STATES]
    result.closed = len(closed)
    result.closure_rate = _percent(result.closed, result.delivered)
    result.closed_in_month = sum(1 for c in closed if c["closed_at"] and c["closed_at"] < result.month_end)
    result.closed_in_month_rate = _percent(result.closed_in_month, result.delivered)
    durations = [
        (c["closed_at"] - c["submitted_at"]).total_seconds() / 86400 for c in closed if c["closed_at"] is not None
    ]
    result.median_days_to_close = round(statistics.median(durations), 1) if durations else None

    states = Counter(c["state"] for c in cases)
    trial = reached[CaseState.FILED]
    result.outcome = {
        "fulfilled": states.get(CaseState.FULFILLED, 0),
        "closed_after_trial": sum(1 for c in cases if c["state"] == CaseState.CLOSED and c["pk"] in trial),
        "closed_otherwise": sum(1 for c in cases if c["state"] == CaseState.CLOSED and c["pk"] not in trial),
        "withdrawn": states.get(CaseState.WITHDRAWN, 0),
        "rejected": states.get(CaseState.REJECTED, 0),
        "open": result.delivered - result.closed,
    }
    result.open_by_state = {s: states[s] for s in STATE_ORDER if states.get(s) and s not in CLOSED_STATES}
    result.states = [
        StateCount(
            state=s,
            label=str(CaseState(s).label),
            count=states[s],
            pct=_percent(states[s], result.delivered),
            closing=s in CLOSED_STATES,
        )
        for s in STATE_ORDER
        if states.get(s)
    ]
    return result


# Per-case results (the API's /cases and the XLSX export) ---------------------------------------------


def batch_case_rows(*, actor: Any, batch: Batch) -> QuerySet[BatchRow]:
    """The batch's imported rows whose case this actor may see, with their case, in row order."""
    return (
        BatchRow.objects.filter(batch=batch, case__in=Case.objects.restrict(actor))
        .select_related("case", "case__mediator", "case__category")
        .order_by("number")
    )


def agreement_totals(case_ids: list[int]) -> dict[int, Decimal]:
    """The agreed total of each case's latest signed agreement (none: not in the dict)."""
    from xietong.agreements.models import Agreement

    totals: dict[int, Decimal] = {}
    for i in range(0, len(case_ids), 2000):
        for case_id, agreed in (
            Agreement.objects.filter(case_id__in=case_ids[i : i + 2000], status="signed")
            .order_by("case_id", "pk")
            .values_list("case_id", "agreed")
        ):
            totals[case_id] = agreed  # the latest wins
    return totals


def respondents(case_ids: list[int]) -> dict[int, Any]:
    """The first respondent person of each case."""
    from xietong.cases.choices import PartyRole
    from xietong.cases.models import CaseParty

    found: dict[int, Any] = {}
    for i in range(0, len(case_ids), 2000):
        for party in (
            CaseParty.objects.filter(
                case_id__in=case_ids[i : i + 2000], role=PartyRole.RESPONDENT, person__isnull=False
            )
            .select_related("person")
            .order_by("case_id", "pk")
        ):
            found.setdefault(party.case_id, party.person)
    return found


def iter_chunks(qs: QuerySet[BatchRow], size: int = 2000) -> Iterator[list[BatchRow]]:
    chunk: list[BatchRow] = []
    for row in qs.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# The XLSX export of the batch's current state ------------------------------------------------------

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def followup_xlsx(*, actor: Any, batch: Batch) -> bytes:
    """One row per case of the batch, as it stands now; ID numbers and phones masked; a summary sheet."""
    import io

    from django.utils.translation import gettext, pgettext
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    from xietong.cases.choices import Channel, Track

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(gettext("Cases"))
    headers = [
        gettext("Row"),
        gettext("Name"),
        gettext("ID number"),
        gettext("Phone"),
        gettext("Card or contract number"),
        gettext("Case number"),
        gettext("State"),
        gettext("Channel"),
        gettext("Track"),
        gettext("Mediator"),
        gettext("Agreed total (yuan)"),
        pgettext("batch export column: when the case was opened", "Opened"),
        gettext("Closed"),
    ]
    widths = [7, 12, 22, 16, 24, 30, 16, 14, 12, 12, 16, 18, 18]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A2"
    fill = PatternFill("solid", fgColor="DCE6F1")
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
        header_cells.append(cell)
    ws.append(xlsx_row(ws, header_cells))
    channels, tracks = dict(Channel.choices), dict(Track.choices)

    def local(moment: dt.datetime | None) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    for chunk in iter_chunks(batch_case_rows(actor=actor, batch=batch)):
        ids = [r.case_id for r in chunk if r.case_id]
        people = respondents(ids)
        totals = agreement_totals(ids)
        for row in chunk:
            case = row.case
            assert case is not None
            person = people.get(case.pk)
            mediator = case.mediator
            total = totals.get(case.pk)
            ws.append(
                xlsx_row(
                    ws,
                    [
                        row.number,
                        cell_safe(person.name if person else row.data.get("name", "")),
                        person.id_number_masked if person else "",
                        person.phone_masked if person else "",
                        cell_safe(row.contract_number),
                        case.number or "",
                        str(CaseState(case.state).label),
                        str(channels.get(case.channel, "")),
                        str(tracks.get(case.track, "")),
                        cell_safe(str(mediator)) if mediator else "",
                        total if total is not None else "",
                        local(case.submitted_at),
                        local(case.closed_at),
                    ],
                )
            )
    figures = batch_followup(actor=actor, batch=batch)
    summary = wb.create_sheet(gettext("Summary"))
    for label, value in (
        (gettext("Batch"), f"#{batch.pk} {batch.original_name}"),
        (gettext("Institution"), batch.institution.display_name),
        (gettext("Delivered"), figures.delivered),
        (gettext("Reached mediation"), figures.in_mediation),
        (gettext("Reached an agreement"), figures.agreements),
        (gettext("Judicially confirmed"), figures.confirmed),
        (gettext("Filed for trial"), figures.filed),
        (gettext("Closed"), figures.closed),
        (gettext("Closure rate (%)"), figures.closure_rate),
        (gettext("Closed within the month of delivery"), figures.closed_in_month),
        (gettext("Median days to close"), figures.median_days_to_close if figures.median_days_to_close else ""),
        (gettext("Exported"), local(timezone.now())),
    ):
        summary.append(xlsx_row(summary, [label, value]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
