"""`manage.py risk_detect [--day YYYY-MM-DD] [--days N]`: the daily detection, on demand.

Each day is recounted and read; running it again for the same day changes nothing and notifies
nobody twice. `--days N` runs the N days ending on `--day` in order (catching up after a pause).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xietong.risk.services import risk_detect


class Command(BaseCommand):
    help = "Recount the day's disputes per stratum and raise group-risk warnings (idempotent per day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="the day to read (YYYY-MM-DD); default today")
        parser.add_argument("--days", type=int, default=1, help="run this many days ending on --day")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            last = dt.date.fromisoformat(options["day"]) if options["day"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--day must be YYYY-MM-DD: {exc}") from exc
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        for i in range(options["days"] - 1, -1, -1):
            day = last - dt.timedelta(days=i)
            r = risk_detect(day=day)
            self.stdout.write(f"{day}: {r.strata} strata read, {r.raised} warnings raised, {r.worse} raised again")
