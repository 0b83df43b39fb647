"""`manage.py triage_risk_review`: what the group-risk rule, now following the risk warnings, would change.

Lists the open cases whose channel the rules would set differently today: those in the group-risk
channel that belong to no stratum of an open warning (most of them put there by the old surge rule,
an institution's own batch among them), and those outside it that do. It changes nothing: staff
review them and change the triage with a reason (the case page's override), which is recorded.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xietong.cases.choices import CaseState, Channel
from xietong.cases.definitions import OPEN_STATES
from xietong.cases.models import Case
from xietong.triage.services import triage_evaluate


class Command(BaseCommand):
    help = "List open cases whose group-risk channel the warning-based rule would set differently (read only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=200, help="list at most this many numbers per kind")

    def handle(self, *args: Any, **options: Any) -> None:
        leave: list[str] = []
        enter: list[str] = []
        qs = Case.objects.filter(state__in=OPEN_STATES).exclude(state=CaseState.SUBMITTED).order_by("pk")
        for case in qs.iterator(chunk_size=500):
            now = triage_evaluate(case).channel
            if case.channel == Channel.GROUP_RISK and now != Channel.GROUP_RISK:
                leave.append(case.number or str(case.pk))
            elif case.channel != Channel.GROUP_RISK and now == Channel.GROUP_RISK:
                enter.append(case.number or str(case.pk))
        limit = options["limit"]
        self.stdout.write(f"{len(leave)} open case(s) in the group-risk channel belong to no open warning:")
        for n in leave[:limit]:
            self.stdout.write(f"  {n}")
        self.stdout.write(f"{len(enter)} open case(s) outside it belong to the stratum of an open warning:")
        for n in enter[:limit]:
            self.stdout.write(f"  {n}")
        self.stdout.write("Nothing was changed. Review them and change the triage on the case page, with a reason.")
