"""`manage.py stats_rebuild`: every figure computed again from the cases (facts and cells)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xietong.audit.services import SYSTEM
from xietong.stats.rollup import stats_rebuild


class Command(BaseCommand):
    help = "Rebuild the figures' rollups (one fact per case, the cells of every cube) from the raw tables."

    def handle(self, *args: Any, **options: Any) -> None:
        result = stats_rebuild(actor=SYSTEM)
        self.stdout.write(f"{result.facts} facts, {result.cells} cells in {result.seconds:.1f} s")
