"""The batch page keeps up: the polled progress brings the state badge and the follow-up link along."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from xietong.batches.choices import BatchStatus
from xietong.batches.models import Batch
from xietong.batches.services import batch_import, batch_import_start, batch_upload

from .helpers import csv_bytes, good_row, upload

pytestmark = pytest.mark.django_db


def _batch(world):
    return batch_upload(
        actor=world.users["bank"], institution=world.bank, file=upload(csv_bytes([good_row(1), good_row(2)]))
    ).batch


def test_the_polled_progress_swaps_the_badge_and_the_followup_link(client, world):
    batch = _batch(world)
    batch_import_start(batch=batch, actor=world.users["bank"], enqueue=False)
    client.force_login(world.users["bank"])
    url = reverse("batch-progress", args=[batch.pk])
    running = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert f'id="batch-status-{batch.pk}" data-testid="batch-status" hx-swap-oob="true">waiting to import<' in running
    assert "batch-followup-link" not in running
    page = client.get(reverse("batch-detail", args=[batch.pk])).content.decode()
    assert f'id="batch-status-{batch.pk}"' in page and f'id="batch-followup-{batch.pk}"' in page
    assert "hx-swap-oob" not in page  # on the page itself they are plain elements, the targets of the swap

    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.CHECKED)
    batch_import(batch=Batch.objects.get(pk=batch.pk), actor=world.users["bank"])
    with translation.override("en"):
        done = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "hx-trigger" not in done  # polling stops
    with translation.override("en"):
        imported = str(BatchStatus.IMPORTED.label)
    assert f'id="batch-status-{batch.pk}" data-testid="batch-status" hx-swap-oob="true">{imported}<' in done
    assert f'id="batch-followup-{batch.pk}" hx-swap-oob="true"><a' in done
    assert reverse("batch-followup", args=[batch.pk]) in done


def test_an_import_not_measured_claims_no_speed(client, world):
    batch = _batch(world)
    batch_import(batch=batch, actor=world.users["bank"])
    client.force_login(world.users["bank"])
    url = reverse("batch-detail", args=[batch.pk])
    assert "rows/s" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    Batch.objects.filter(pk=batch.pk).update(import_started_at=None)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "rows/s" not in page and "imported in" not in page
