"""The figures' rollups: one fact per case, and cells of counters per cube and month.

* `CaseFact`: what the figures need to know of one case — its dimensions and the months of its
  events (received, closed, resolved, mediation ended, ...) — derived from the raw tables by
  `facts.facts_compute`. `last_event_id` is the newest timeline event it has seen: every change of
  a case writes a timeline event in the same transaction, so a fact older than its case's newest
  event is stale (see `rollup.stats_catch_up`).
* `Cell`: the counters of `measures.COUNTERS` and the days-to-close histogram for one cube, month
  and combination of dimension values (`cubes.py`). Cells are sums of facts: the rollup adds the
  difference between a case's new and old fact, and `stats_rebuild` recomputes them all.
* `RollupState`: the one row saying how far the timeline has been read and when the cells were rebuilt.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.cases.models import Case

from .cubes import FILTERS_INDEX, FILTERS_INDEX_NAME, INSTITUTION_INDEX, INSTITUTION_INDEX_NAME, KEY_COLUMNS, LARGEST
from .measures import COUNTERS, HISTOGRAM


class CaseFact(models.Model):
    # No database constraint: a fact outlives a deleted case until the rollup takes it out of the cells.
    case = models.OneToOneField(
        Case,
        verbose_name=_("case"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # Dimensions (plain ids: the fact follows the case, it does not constrain anything).
    court_id = models.BigIntegerField(_("court"), default=0)
    institution_id = models.BigIntegerField(_("institution"), default=0)
    product = models.CharField(_("product"), max_length=20, blank=True)
    category_id = models.BigIntegerField(_("category"), default=0)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    track = models.CharField(_("track"), max_length=10, blank=True)
    door = models.CharField(_("door"), max_length=10, blank=True)
    batch_id = models.BigIntegerField(_("batch"), default=0)
    mediator_id = models.BigIntegerField(_("mediator"), default=0)
    rule_id = models.BigIntegerField(_("triage rule"), default=0)
    # Months (the first day) in which things happened, and what happened.
    received = models.DateField(_("received"))
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)
    closed = models.DateField(_("closed"), null=True, blank=True)
    close_days = models.IntegerField(_("days to close"), null=True, blank=True)
    in_target = models.BooleanField(_("closed within the target"), default=False)
    resolved = models.DateField(_("resolved before litigation"), null=True, blank=True)
    mediation_ended = models.DateField(_("mediation ended"), null=True, blank=True)
    mediation_ok = models.BooleanField(_("mediation succeeded"), null=True, blank=True)
    confirmed = models.BooleanField(_("judicially confirmed"), default=False)
    enforceable = models.DateField(_("enforceable"), null=True, blank=True)
    enforced = models.BooleanField(_("enforcement number"), default=False)
    plan_ended = models.DateField(_("repayment plan ended"), null=True, blank=True)
    plan_auto = models.BooleanField(_("repaid without enforcement"), default=False)
    # Service records ended: [["2026-10-01", served, alternative, failed], ...]
    service = models.JSONField(_("service"), default=list, blank=True)
    last_event_id = models.BigIntegerField(_("last timeline event"), default=0)

    class Meta:
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")

    def __str__(self) -> str:
        return f"fact {self.case_id}"


class Cell(models.Model):
    cube = models.CharField(_("cube"), max_length=60)
    month = models.DateField(_("month"))
    court_id = models.BigIntegerField(default=0)
    institution_id = models.BigIntegerField(default=0)
    product = models.CharField(max_length=20, blank=True)
    category_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=20, blank=True)
    track = models.CharField(max_length=10, blank=True)
    door = models.CharField(max_length=10, blank=True)
    batch_id = models.BigIntegerField(default=0)
    mediator_id = models.BigIntegerField(default=0)
    rule_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("figures cell")
        verbose_name_plural = _("figures cells")
        constraints = [models.UniqueConstraint(fields=["cube", "month", *KEY_COLUMNS], name="stats_cell_key")]
        # One institution's cells of the largest cube, with the columns a read filters by: a query of five or
        # more main dimensions scoped to (or filtered by) an institution reads only those, rather than every
        # cell of the cube in the period in `stats_cell_key`'s order (cubes.py; bench/README.md). And the same
        # cells by the values a read across institutions filters by (broken down by institution).
        indexes = [
            models.Index(fields=INSTITUTION_INDEX, name=INSTITUTION_INDEX_NAME, condition=models.Q(cube=LARGEST)),
            models.Index(fields=FILTERS_INDEX, name=FILTERS_INDEX_NAME, condition=models.Q(cube=LARGEST)),
        ]

    def __str__(self) -> str:
        return f"{self.cube} {self.month}"


# The counters and the histogram: integer columns, added to the model once (and so to its migration).
for _name in COUNTERS + HISTOGRAM:
    Cell.add_to_class(_name, models.BigIntegerField(default=0))
del _name


class RollupState(models.Model):
    """One row: the newest timeline event whose case has been brought up to date, and the last rebuild."""

    watermark = models.BigIntegerField(_("timeline read up to"), default=0)
    rebuilt_at = models.DateTimeField(_("rebuilt"), null=True, blank=True)
    caught_up_at = models.DateTimeField(_("caught up"), null=True, blank=True)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return f"watermark {self.watermark}"
