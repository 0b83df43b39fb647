"""`manage.py load_demo`: load the Longyan-like demo region into an empty database, once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xietong.cases.choices import CaseState
from xietong.demo.region import BATCH_SIZE, DEFAULT_SEED, DEMO_LOGINS, DEMO_PASSWORD, load_region


class Command(BaseCommand):
    help = "Load the demo region (courts, agencies, banks, people and four months of cases) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_region(seed=options["seed"])
        if result is None:
            self.stdout.write(
                "The database already holds organisations: the demo region is already loaded. Nothing done."
            )
            return
        w = self.stdout.write
        w(self.style.SUCCESS(f"Demo region loaded in {result.seconds:.1f} s (seed {result.seed})."))
        w(
            f"  organisations {result.organisations}, users {result.users}, persons {result.persons}, "
            f"cases {result.cases}, audit entries {result.audit_entries}"
        )
        w(f"  history from {result.history_from:%Y-%m-%d}")
        w("  cases by state:")
        for state in CaseState:
            w(f"    {state.value:<11} {result.states.get(state.value, 0):>4}")
        year, month = result.batch_month
        closed = result.batch_closed_in_month
        w(
            f"  batch {year}-{month:02d}: {len(result.batch_case_ids)} cases, {closed} closed within the month "
            f"({closed / BATCH_SIZE:.0%})"
        )
        stories = ", ".join(f"{k} {len(v)}" for k, v in sorted(result.story_case_ids.items()))
        w(f"  story cases: {stories}")
        w(f"  demo logins (password {DEMO_PASSWORD}): " + ", ".join(login.username for login in DEMO_LOGINS))
