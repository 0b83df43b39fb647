"""Demo data of the batches: the Postal Savings Bank's delivery of story 2, uploaded and imported for real.

The region's story 2 (`xietong/demo/stories/batch.py`) calls `deliver` at the moment of the delivery,
with the rows of the file the bank sends (the template's columns): `batch_upload` checks the file like
any upload and `batch_import` opens its cases, triaged by the rules, as the background task would. The
history then takes each case on from there.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from xietong.accounts.models import Organisation
from xietong.core.spreadsheets import csv_row

from .columns import FIELDS
from .models import Batch
from .services import batch_import, batch_upload


def card_number(year: int, month: int, i: int) -> str:
    """A fictitious 16-digit card number, the same for the same row on every load."""
    return f"6221{year % 100:02d}{month:02d}88{i:06d}"


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def csv_file(rows: list[dict[str, str]]) -> bytes:
    """The batch template as the bank fills it in: a header of the template's columns, one row per dispute."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row(f.header for f in FIELDS))
    for row in rows:
        writer.writerow(csv_row(row.get(f.key, "") for f in FIELDS))
    return out.getvalue().encode("utf-8")


def deliver(*, actor: Any, institution: Organisation, name: str, rows: list[dict[str, str]]) -> list[int]:
    """Upload the file and import it now; the ids of the cases it opened, in the order of its rows."""
    uploaded = batch_upload(actor=actor, institution=institution, file=SimpleUploadedFile(name, csv_file(rows)))
    batch: Batch = batch_import(batch=uploaded.batch, actor=actor)
    ids = list(batch.rows.order_by("number").values_list("case_id", flat=True))
    if len(ids) != len(rows) or None in ids:
        raise RuntimeError(f"the demo batch {name} did not open a case for every row")
    return [int(i) for i in ids]
