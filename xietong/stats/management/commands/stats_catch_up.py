"""`manage.py stats_catch_up [--verify]`: bring stale cases' figures up to date (what the periodic task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xietong.stats.rollup import stats_catch_up, stats_verify


class Command(BaseCommand):
    help = "Refresh the cases whose timeline moved past their figures (--verify: compare every case)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--verify", action="store_true", help="check every case, not only the newest events")

    def handle(self, *args: Any, **options: Any) -> None:
        result = stats_verify() if options["verify"] else stats_catch_up()
        self.stdout.write(f"timeline events {result.read_from}..{result.read_to}: {result.refreshed} cases refreshed")
