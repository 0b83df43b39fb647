"""Demo data of the batches: the Postal Savings Bank's batch of story 2 as a real, imported batch.

The region's history opens the batch's 89 cases one by one (`story_batch`); this extension gives
them the batch they came in: the file the bank would have sent (a CSV of the template, generated
from the cases), checked by `batch_upload` like any upload, then marked imported with each row
linked to its case, at the moments of the history (delivery = when the first case was opened).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.cases.choices import Door, PartyRole
from xietong.cases.models import Case, CaseParty
from xietong.core.spreadsheets import csv_row

from .choices import BatchStatus
from .columns import FIELDS
from .models import Batch, BatchRow

MARKER_RE = re.compile(r"^(\d{4})年(\d{1,2})月批量委托（")
ROW_RE = re.compile(r"第(\d+)件。")


def _card_number(year: int, month: int, i: int) -> str:
    """A fictitious 16-digit card number, the same for the same case on every load."""
    return f"6221{year % 100:02d}{month:02d}88{i:06d}"


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row(f.header for f in FIELDS))
    for row in rows:
        writer.writerow(csv_row(row.get(f.key, "") for f in FIELDS))
    return out.getvalue().encode("utf-8")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def story_batches() -> dict[tuple[int, int, int], list[tuple[int, Case]]]:
    """(institution, year, month) → [(row index, case)] of the demo's batch cases, found by their marker."""
    from xietong.demo.region import batch_marker

    found: dict[tuple[int, int, int], list[tuple[int, Case]]] = defaultdict(list)
    cases = Case.objects.filter(door=Door.BATCH, facts__contains="月批量委托（", institution__isnull=False)
    for case in cases.select_related("institution").order_by("submitted_at", "pk"):
        m = MARKER_RE.match(case.facts)
        n = ROW_RE.search(case.facts)
        if not m or not n or case.institution is None:
            continue
        year, month = int(m.group(1)), int(m.group(2))
        if not case.facts.startswith(batch_marker(year, month, case.institution.display_name)):
            continue
        found[(case.institution.pk, year, month)].append((int(n.group(1)), case))
    return found


def seed(*, actor: Any) -> None:
    """Give each demo batch its Batch record. Runs once, in the loader's transaction; a second run adds nothing."""
    from xietong.batches.services import batch_upload

    for (_institution_id, year, month), members in story_batches().items():
        members.sort(key=lambda pair: pair[0])
        cases = [case for _i, case in members]
        if BatchRow.objects.filter(case__in=cases).exists():
            continue
        persons = {
            p.case_id: p.person
            for p in CaseParty.objects.filter(case__in=cases, role=PartyRole.RESPONDENT, person__isnull=False)
            .select_related("person")
            .order_by("-pk")
        }
        rows: list[dict[str, str]] = []
        placed: list[tuple[int, Case]] = []  # (row number in the file, case)
        for i, case in members:
            person = persons.get(case.pk)
            if person is None:
                continue
            delivered = timezone.localtime(case.submitted_at).date()
            overdue_since = delivered - dt.timedelta(days=60 + (i * 37) % 300)
            placed.append((len(rows) + 2, case))
            rows.append(
                {
                    "name": person.name,
                    "id_number": person.id_number,
                    "phone": person.phone,
                    "contract_number": _card_number(year, month, i),
                    "product": "信用卡",
                    "principal": _money(case.principal),
                    "interest": _money(case.interest),
                    "penalty": _money(case.penalty),
                    "overdue_since": overdue_since.isoformat(),
                    "overdue_days": str((delivered - overdue_since).days),
                    "consent_e_service": "是" if i % 3 else "否",
                }
            )
        first = cases[0]
        institution = first.institution
        assert institution is not None
        uploader = first.created_by
        name = f"{year}年{month}月信用卡逾期批量委托.csv"
        result = batch_upload(
            actor=uploader or actor, institution=institution, file=SimpleUploadedFile(name, _csv(rows))
        )
        batch = result.batch
        _link(batch=batch, placed=placed, actor=actor)


@transaction.atomic
def _link(*, batch: Batch, placed: list[tuple[int, Case]], actor: Any) -> None:
    """The import as the history made it: each row of the file linked to the case it became."""
    by_number = {r.number: r for r in batch.rows.all()}
    linked = []
    for number, case in placed:
        row = by_number.get(number)
        if row is not None:
            row.case = case
            linked.append(row)
    BatchRow.objects.bulk_update(linked, ["case"])
    delivered = min(case.submitted_at for _n, case in placed)
    finished = max(case.submitted_at for _n, case in placed) + dt.timedelta(seconds=5)
    fields: dict[str, Any] = {
        "status": BatchStatus.IMPORTED,
        "total": len(linked),
        "done": len(linked),
        "created_at": delivered - dt.timedelta(minutes=20),
    }
    # The import was not measured (the history's clock opened the cases): no start, so no time or speed shown.
    model_fields = {f.name for f in Batch._meta.get_fields()}
    for field, value in (
        ("import_requested_at", delivered - dt.timedelta(minutes=1)),
        ("import_finished_at", finished),
    ):
        if field in model_fields:
            fields[field] = value
    Batch.objects.filter(pk=batch.pk).update(**fields)
    audit_record(
        actor=actor,
        action=AuditAction.BATCH_IMPORT,
        obj=batch,
        before={"status": BatchStatus.CHECKED},
        after={
            "status": BatchStatus.IMPORTED,
            "cases": len(linked),
            "note": "demo: the batch's cases were opened by the region's history; its rows are linked to them",
        },
    )
