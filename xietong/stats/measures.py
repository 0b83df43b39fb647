"""The dictionary of measures (口径): what every figure of the dashboards, the API, the exports and
the public page means. One place; `docs/measures.md` says the same in prose and every figure on a
page carries its definition on hover.

The words themselves (closed, resolved before litigation, the 30-day target, the rounding of rates)
are `xietong/cases/definitions.py`'s; this module says how they are counted in a period.

Every count is booked in the month (Asia/Shanghai) in which its event happened: a dispute in the
month it was received, a closing in the month it closed, a mediation's end in the month it ended.
A rate is a ratio of two such counts over the same months; the denominators are spelled out below.
Periods are whole months: a month, a quarter, a year, or any run of months from one to another.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xietong.cases.definitions import TARGET_DAYS

# Counters kept per cell (see models.Cell). Each is a count of cases, except the amounts (in fen).
COUNTERS: tuple[str, ...] = (
    "received",  # disputes received in the month
    "amount",  # their total claimed, in fen
    "closed",  # cases closed in the month
    "in_target",  # ... of which within TARGET_DAYS of being received
    "resolved",  # resolved before litigation, booked in the month of the agreement
    "resolved_amount",  # their total claimed, in fen
    "med_ok",  # mediations that ended in an agreement in the month
    "med_failed",  # mediations that ended in failure in the month
    "confirmed",  # of med_ok: judicially confirmed since (民特)
    "basis",  # cases that became enforceable in the month (民特 ruling or judgment)
    "enforced",  # of basis: given an enforcement number (执) since
    "plan_ended",  # repayment plans that ended in the month: repaid, or enforcement applied for
    "plan_auto",  # of plan_ended: repaid in full without any application for enforcement
    "served_ok",  # service records served in the month by the ordinary ways
    "served_alt",  # ... served by an alternative (announcement, left at the address)
    "served_failed",  # ... given up as failed in the month
)

# Time to close: whole days from receipt to closing, counted in these steps. Exact to the day up
# to 30 days (the target), then in steps of 5 days to 90 (the statutory three months), then coarser;
# a quantile that falls in a step is stated as the step's upper end ("at most 45 days").
DAY_BUCKETS: tuple[int, ...] = (
    *range(0, TARGET_DAYS + 1),
    *range(35, 91, 5),
    120,
    150,
    180,
    270,
    365,
    730,
)
OVERFLOW = len(DAY_BUCKETS)  # the last bucket: more than 730 days
HISTOGRAM: tuple[str, ...] = tuple(f"d{i:02d}" for i in range(len(DAY_BUCKETS) + 1))


def day_bucket(days: int) -> int:
    """The index of the step that holds `days`."""
    for i, upper in enumerate(DAY_BUCKETS):
        if days <= upper:
            return i
    return OVERFLOW


@dataclass(frozen=True)
class Measure:
    code: str
    label: str | Promise
    definition: str | Promise
    kind: str  # count | amount | rate | days
    short: str | Promise = ""


MEASURES: tuple[Measure, ...] = (
    Measure(
        "received",
        _("Disputes received"),
        _(
            "Disputes opened in the period, through every door (online, counter, station, batch, API), "
            "counted in the month they were submitted."
        ),
        "count",
    ),
    Measure(
        "amount",
        _("Amount in dispute (yuan)"),
        _("The total claimed (principal, interest and penalty) of the disputes received in the period."),
        "amount",
    ),
    Measure(
        "resolved",
        _("Resolved before litigation"),
        _(
            "Disputes that an agreement ended before any filing: the parties signed a mediation agreement "
            "(confirmed by a judge or not, being repaid or repaid), and the case was never filed for trial "
            "(民初) nor sent to enforcement (执). Withdrawn and rejected disputes are not resolved. Counted in "
            "the month of the agreement; a case that later goes to trial or enforcement leaves this count."
        ),
        "count",
    ),
    Measure(
        "mediation_success_rate",
        _("Mediation success rate"),
        _(
            "Successes ÷ (successes + failures): mediations that ended in a signed agreement, divided by "
            "all mediations that ended (agreement or failure) in the period. A case whose confirmation was "
            "refused and was mediated again counts once, by its last ending."
        ),
        "rate",
    ),
    Measure(
        "confirmation_rate",
        _("Judicial-confirmation rate"),
        _(
            "Of the mediations that ended in an agreement in the period, the share that a judge has "
            "confirmed (民特 ruling) so far."
        ),
        "rate",
    ),
    Measure(
        "closure_rate",
        _("Closure rate"),
        _(
            "Closed ÷ (carried over + new): cases closed in the period, divided by the cases open at its "
            "start plus those received during it. Closed means fulfilled, closed, withdrawn or rejected. "
            "For one batch over its whole life this is closed ÷ delivered, as on the batch's follow-up page."
        ),
        "rate",
    ),
    Measure(
        "median_days",
        _("Median days to close"),
        _(
            "Half of the cases closed in the period were closed within this many whole days of being "
            "received. Exact to the day up to 30 days; beyond, stated as the upper end of its step "
            "(5-day steps to 90 days, then 120, 150, 180, 270, 365, 730)."
        ),
        "days",
    ),
    Measure(
        "p90_days",
        _("90th percentile of days to close"),
        _(
            "Nine tenths of the cases closed in the period were closed within this many whole days of "
            "being received (same steps as the median)."
        ),
        "days",
    ),
    Measure(
        "within_target_rate",
        _("Closed within 30 days"),
        _(
            "Of the cases closed in the period, the share closed at most 30 days (720 hours) after they "
            "were received: the center's target of one month instead of three."
        ),
        "rate",
    ),
    Measure(
        "auto_performance_rate",
        _("Automatic performance rate"),
        _(
            "Of the repayment plans that ended in the period (repaid in full, or enforcement applied for), "
            "the share repaid in full without any application for enforcement."
        ),
        "rate",
    ),
    Measure(
        "enforcement_rate",
        _("Enforcement rate"),
        _(
            "Of the cases that became enforceable in the period (a 民特 ruling of confirmation or a judgment), "
            "the share given an enforcement number (执) so far."
        ),
        "rate",
    ),
    Measure(
        "service_success_rate",
        _("Service success rate"),
        _(
            "Of the documents whose service on a recipient ended in the period, the share served by the "
            "ordinary ways (electronic, post, in person); served by announcement or left at the address, "
            "and failed, count against it."
        ),
        "rate",
    ),
    Measure(
        "closed",
        _("Cases closed"),
        _("Cases that reached a closing state (fulfilled, closed, withdrawn, rejected) in the period."),
        "count",
    ),
    Measure(
        "open_end",
        _("Open at the end"),
        _("Cases received up to the end of the period and not closed by then."),
        "count",
    ),
)
MEASURE_BY_CODE = {m.code: m for m in MEASURES}
# Shown as cards at the top of a dashboard, in this order.
HEADLINE = (
    "received",
    "resolved",
    "closure_rate",
    "median_days",
    "p90_days",
    "within_target_rate",
    "mediation_success_rate",
    "confirmation_rate",
    "auto_performance_rate",
    "enforcement_rate",
    "service_success_rate",
    "amount",
)
# The columns of a breakdown table.
BREAKDOWN_COLUMNS = (
    "received",
    "resolved",
    "closed",
    "closure_rate",
    "median_days",
    "within_target_rate",
    "mediation_success_rate",
)
# The public page: the year's headline figures.
PUBLIC = ("received", "resolved", "closure_rate", "median_days", "within_target_rate")


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str | Promise
    column: str  # the Cell column ("" for colour: read through the category)


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("court", _("Court"), "court_id"),
    Dimension("institution", _("Institution"), "institution_id"),
    Dimension("product", _("Product"), "product"),
    Dimension("category", _("Category"), "category_id"),
    Dimension("colour", _("Colour"), "category_id"),
    Dimension("channel", _("Channel"), "channel"),
    Dimension("track", _("Track"), "track"),
    Dimension("door", _("Door"), "door"),
    Dimension("batch", _("Batch"), "batch_id"),
    Dimension("mediator", _("Mediator"), "mediator_id"),
    Dimension("rule", _("Triage rule"), "rule_id"),
)
DIMENSION_BY_CODE = {d.code: d for d in DIMENSIONS}
