"""Idempotency under a race: twenty concurrent submissions with one Idempotency-Key, one batch, one reply."""

from __future__ import annotations

import json
import threading

import pytest
from django.test import Client

from xietong.audit.models import GENESIS_HASH, AuditHead
from xietong.batches.models import Batch

from .helpers import good_row

THREADS = 20


@pytest.fixture
def fresh_head(transactional_db):
    """Transactional tests start from a flushed database: put back the audit head the migration made."""
    AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submissions_with_one_key_are_one_batch(fresh_head, world):
    body = json.dumps({"rows": [good_row(1), good_row(2)]})
    barrier = threading.Barrier(THREADS)
    replies: list[tuple[int, dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def post() -> None:
        try:
            c = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
            barrier.wait(timeout=30)
            resp = c.post("/api/v1/batches", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="race-1")
            with lock:
                replies.append((resp.status_code, resp.json()))
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []
    assert len(replies) == THREADS
    assert sorted({status for status, _ in replies}) in ([200, 201], [201]), [r for r in replies if r[0] >= 300]
    assert len({body["id"] for _, body in replies}) == 1
    assert sum(1 for status, _ in replies if status == 201) == 1
    assert Batch.objects.count() == 1
