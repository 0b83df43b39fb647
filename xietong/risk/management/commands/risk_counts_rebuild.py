"""`manage.py risk_counts_rebuild [--first YYYY-MM-DD] [--last YYYY-MM-DD]`: recount every day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xietong.audit.services import SYSTEM
from xietong.risk.counting import risk_counts_rebuild


class Command(BaseCommand):
    help = "Rebuild the daily risk counts from the cases (all days, or a range)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--first")
        parser.add_argument("--last")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            first = dt.date.fromisoformat(options["first"]) if options["first"] else None
            last = dt.date.fromisoformat(options["last"]) if options["last"] else None
        except ValueError as exc:
            raise CommandError(f"dates are YYYY-MM-DD: {exc}") from exc
        rows = risk_counts_rebuild(actor=SYSTEM, first=first, last=last)
        self.stdout.write(f"{rows} count rows written")
