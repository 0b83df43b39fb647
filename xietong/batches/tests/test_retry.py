"""A failed import is never a dead end: a retry checks again, a new upload of the same file is a new batch."""

from __future__ import annotations

import pytest

from xietong.batches.choices import BatchStatus
from xietong.batches.models import Batch
from xietong.batches.services import batch_import, batch_upload
from xietong.core.errors import Conflict, DomainError

from .helpers import csv_bytes, good_row, upload

pytestmark = pytest.mark.django_db


def _upload(world, rows, name="b.csv"):
    return batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes(rows), name))


def _failed(world):
    """A checked batch whose row 2 was imported meanwhile by another batch: its import fails."""
    first = _upload(world, [good_row(1), good_row(2)]).batch
    other = _upload(world, [good_row(1), good_row(3)], "other.csv").batch
    batch_import(batch=other, actor=world.users["bank"])
    with pytest.raises(DomainError) as exc:
        batch_import(batch=first, actor=world.users["bank"])
    first.refresh_from_db()
    assert first.status == BatchStatus.FAILED
    assert "Import again" in str(exc.value.message) or "请再次导入" in str(exc.value.message)
    return first


def test_retrying_a_failed_import_checks_again_against_the_open_cases(world):
    first = _failed(world)
    done = batch_import(batch=first, actor=world.users["bank"])
    assert done.status == BatchStatus.IMPORTED
    assert (done.valid_count, done.duplicate_count, done.done) == (1, 1, 1)
    rows = {r.number: r for r in done.rows.all()}
    assert rows[2].case is None and rows[2].is_duplicate and rows[2].errors[0]["code"] == "duplicate_open_case"
    assert rows[3].case is not None


def test_the_same_file_uploaded_after_a_failure_is_a_new_batch(world):
    first = _failed(world)
    again = _upload(world, [good_row(1), good_row(2)])
    assert again.created and again.batch.pk != first.pk
    assert (again.batch.valid_count, again.batch.duplicate_count) == (1, 1)  # checked against today's cases
    # A second upload while it is live returns it; the failed one can no longer be retried beside it.
    assert _upload(world, [good_row(1), good_row(2)]).batch.pk == again.batch.pk
    with pytest.raises(Conflict) as exc:
        batch_import(batch=first, actor=world.users["bank"])
    assert exc.value.code == "batch_uploaded_again"
    assert Batch.objects.filter(sha256=first.sha256).count() == 2
