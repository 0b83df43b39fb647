"""Mark failed (retryable) every batch import whose worker died; run it from cron or after a restart."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xietong.batches.services import batch_recover_stale


class Command(BaseCommand):
    help = "Mark interrupted batch imports failed, so the operator can retry them. Nothing of them was stored."

    def handle(self, *args: Any, **options: Any) -> None:
        ids = batch_recover_stale()
        self.stdout.write(f"{len(ids)} interrupted import(s) marked failed: {ids}" if ids else "nothing to recover")
