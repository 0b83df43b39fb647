"""`manage.py repayment_daily`: follow every open repayment plan now (states, default, reminders).

Idempotent per day: run it every hour (reminders held back by the debtor's quiet hours go out at
the next run after 08:00 their time). `--enqueue` hands the work to the task worker instead."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Follow up every open repayment plan: instalment states, default, reminders, webhooks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--enqueue", action="store_true", help="Enqueue the task instead of running it here.")

    def handle(self, *args: Any, **options: Any) -> None:
        from xietong.repayment.tasks import repayment_daily_task

        if options["enqueue"]:
            result = repayment_daily_task.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        from xietong.repayment.services import repayment_daily

        s = repayment_daily()
        self.stdout.write(
            f"plans {s.plans}, state changes {s.state_changes}, defaulted {s.defaulted}, reminders {s.reminders}, "
            f"held back {s.held_back}, plans made {s.plans_made}, limitation warnings {s.limitation_warnings}, "
            f"errors {len(s.errors)}"
        )
        for e in s.errors:
            self.stderr.write(e)
