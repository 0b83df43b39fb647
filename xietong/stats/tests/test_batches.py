"""A batch import reaches the figures after its commit, and a batch's closure rate is the follow-up page's:
on a batch imported here, and on the demo's October batch (89 delivered, 82 closed, 92 %)."""

from __future__ import annotations

import pytest
from django.test import TestCase, override_settings
from django.utils import timezone

from xietong.audit.services import SYSTEM
from xietong.batches.followup import batch_followup
from xietong.batches.services import batch_import, batch_upload
from xietong.batches.tests.helpers import csv_bytes, good_row, upload
from xietong.cases.choices import CaseState as S
from xietong.stats.models import CaseFact
from xietong.stats.rollup import cells_snapshot, stats_rebuild
from xietong.stats.selectors import audience_for, dashboard_build, selection_parse

from .builders import History


def board(actor, **params):
    audience = audience_for(actor)
    return dashboard_build(audience=audience, selection=selection_parse(audience, params))


@pytest.mark.django_db
def test_a_batch_import_is_counted_when_it_commits(world, django_capture_on_commit_callbacks):
    batch = batch_upload(
        actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes([good_row(n) for n in range(1, 8)]))
    ).batch
    with django_capture_on_commit_callbacks(execute=True):
        done = batch_import(batch=batch, actor=world.users["bank"])
    ids = list(done.rows.exclude(case=None).values_list("case_id", flat=True))
    assert len(ids) == 7
    assert set(CaseFact.objects.filter(batch_id=done.pk).values_list("case_id", flat=True)) == set(ids)
    # Two of them close this month: the batch's closure rate is the follow-up page's.
    for case_id in ids[:2]:
        h = History(done.rows.get(case_id=case_id).case)
        h.to(S.WITHDRAWN, timezone.localtime().strftime("%Y-%m-%d %H:%M"))
    with django_capture_on_commit_callbacks(execute=True):
        pass
    from xietong.stats.rollup import stats_catch_up

    stats_catch_up()
    b = board(world.users["bank"], batch=str(done.pk), period="month")
    followup = batch_followup(actor=world.users["bank"], batch=done)
    assert b.headline["received"].value == followup.delivered == 7
    assert b.headline["closure_rate"].value == followup.closure_rate == 29  # 2 of 7
    incremental = cells_snapshot()
    stats_rebuild(actor=SYSTEM)
    assert cells_snapshot() == incremental


@override_settings(MEDIA_ROOT="/tmp/xietong-test-media-stats")
class DemoBatchTests(TestCase):
    """The demo region: story 2's batch of 89 credit-card cases, 82 closed within the month."""

    @classmethod
    def setUpTestData(cls) -> None:
        from xietong.demo.region import load_region

        cls.result = load_region()
        stats_rebuild(actor=SYSTEM)

    def test_the_batch_says_89_82_92_percent_as_its_follow_up_page(self) -> None:
        from xietong.accounts.models import User
        from xietong.batches.models import Batch, BatchRow

        batch_id = BatchRow.objects.filter(case_id__in=self.result.batch_case_ids).values_list("batch_id", flat=True)[0]
        batch = Batch.objects.get(pk=batch_id)
        year, month = self.result.batch_month
        admin = User.objects.get(username="admin")
        followup = batch_followup(actor=admin, batch=batch)
        assert (followup.delivered, followup.closed_in_month, followup.closure_rate) == (89, 82, 92)
        # The batch's month: 89 received, 82 closed in it, nothing carried over.
        b = board(admin, batch=str(batch.pk), period="month", at=f"{year}-{month:02d}")
        assert b.headline["received"].value == 89
        assert b.headline["closed"].value == 82
        assert b.headline["closure_rate"].display == "92%"
        # Over its whole life: closed ÷ delivered, the follow-up page's rate.
        life = board(
            admin,
            batch=str(batch.pk),
            period="custom",
            **{"from": f"{year}-{month:02d}", "to": timezone.localdate().strftime("%Y-%m")},
        )
        assert life.headline["closure_rate"].value == followup.closure_rate
        # The bank sees the same on its own dashboard, with the batch as a row of its breakdown.
        bank = User.objects.get(username="psbc")
        rows = board(bank, breakdown="batch", period="month", at=f"{year}-{month:02d}").rows
        [row] = [r for r in rows if r.key == batch.pk]
        assert (row.figures["received"].value, row.figures["closure_rate"].display) == (89, "92%")

    def test_the_region_has_figures_for_every_audience(self) -> None:
        from xietong.accounts.models import User

        for username in ("admin", "pboc", "psbc", "mediator", "judge"):
            b = board(User.objects.get(username=username), breakdown="channel")
            assert b.headline["received"].value is not None or b.headline["received"].suppressed, username
