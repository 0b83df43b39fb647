"""`manage.py case_status_rebuild`: every case's status document built again (`cases/status.py`)."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from xietong.cases.models import Case
from xietong.cases.status import CHUNK, chunks, status_docs_save, status_docs_stale


class Command(BaseCommand):
    help = (
        "Build every case's status document again and write those that changed (run it once on a database "
        "from before the status documents, and after a release that changes them). --check only reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="report the stale documents, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        total = Case.objects.count()
        t0 = time.monotonic()
        if options["check"]:
            stale = status_docs_stale()
            self.stdout.write(f"{len(stale)} of {total} status documents are stale or missing")
            if stale:
                self.stdout.write("first: " + ", ".join(str(pk) for pk in stale[:20]))
                sys.exit(1)
            return
        written = 0
        ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
        for chunk in chunks(ids, CHUNK):
            with transaction.atomic():  # one chunk at a time: other writers wait for a chunk, not for all
                written += status_docs_save(chunk)
        self.stdout.write(f"{written} of {total} status documents written in {time.monotonic() - t0:.1f} s")
