"""Case numbers in the courts' form: （2026）闽0802民诉前调123号.

Sequences are per court, kind and year; the sequence row is locked while a number is issued,
so two clerks (or two web processes) never receive the same number.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from xietong.accounts.models import Organisation

from .choices import NumberKind
from .models import Case, CaseNumber, CaseSequence


def format_case_number(*, year: int, court_code: str, kind: str, seq: int) -> str:
    return f"（{year}）{court_code}{kind}{seq}号"


def next_sequence(*, court: Organisation, kind: str, year: int) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_sequence must run inside a transaction")
    try:
        with transaction.atomic():
            CaseSequence.objects.create(court=court, kind=kind, year=year, last=0)
    except IntegrityError:
        pass  # another transaction created it first
    seq_row = CaseSequence.objects.select_for_update().get(court=court, kind=kind, year=year)
    seq_row.last += 1
    seq_row.save(update_fields=["last"])
    return seq_row.last


def case_number_assign(*, case: Case, kind: NumberKind, court: Organisation | None = None) -> CaseNumber:
    """Issue the next number of this kind to the case and make it the case's current number."""
    court = court or case.court
    year = timezone.localdate().year
    seq = next_sequence(court=court, kind=kind, year=year)
    number = CaseNumber.objects.create(
        case=case,
        kind=kind,
        court=court,
        year=year,
        seq=seq,
        text=format_case_number(year=year, court_code=court.court_code, kind=kind, seq=seq),
    )
    case.number = number.text
    case.save(update_fields=["number", "updated_at"])
    return number
