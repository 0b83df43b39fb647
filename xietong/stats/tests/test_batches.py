"""A batch import reaches the figures after its commit, and a batch's closure rate is the follow-up page's
(on the demo's October batch too, 89 delivered, 82 closed, 92 %: xietong/demo/tests/test_region.py, which
loads the region once for all its tests)."""

from __future__ import annotations

import pytest
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
