"""Case numbers in the courts' form: （2026）闽0802民诉前调123号.

Sequences are per court, kind and year; the sequence row is locked while numbers are issued,
so two clerks (or two web processes, or a batch import beside them) never receive the same number.
One number (`case_number_assign`) or a run of them (`case_numbers_reserve`, for cases opened in
bulk) come from the same rows, in the same form; both roll back with the transaction that took
them, so the sequence stays gapless.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from xietong.accounts.models import Organisation

from .choices import NumberKind
from .models import Case, CaseNumber, CaseSequence


def format_case_number(*, year: int, court_code: str, kind: str, seq: int) -> str:
    return f"（{year}）{court_code}{kind}{seq}号"


def sequence_take(*, court: Organisation, kind: str, year: int, n: int = 1) -> int:
    """Take the next n numbers of the court's sequence in one locked update; returns the first.

    The row is created on first use (a race to create it is settled by its unique constraint), then
    locked (SELECT ... FOR UPDATE; SQLite's write lock) until the transaction ends.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_sequence must run inside a transaction")
    if n < 1:
        raise ValueError("take at least one number")
    try:
        with transaction.atomic():
            CaseSequence.objects.create(court=court, kind=kind, year=year, last=0)
    except IntegrityError:
        pass  # another transaction created it first
    seq_row = CaseSequence.objects.select_for_update().get(court=court, kind=kind, year=year)
    first = seq_row.last + 1
    seq_row.last += n
    seq_row.save(update_fields=["last"])
    return first


def next_sequence(*, court: Organisation, kind: str, year: int) -> int:
    return sequence_take(court=court, kind=kind, year=year)


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


@dataclass(frozen=True)
class ReservedNumbers:
    """A run of consecutive numbers of one court, kind and year: seq `first` … `first + len - 1`."""

    court_id: int
    kind: str
    year: int
    first: int
    texts: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def seqs(self) -> range:
        return range(self.first, self.first + len(self.texts))


def case_numbers_reserve(*, court: Organisation, kind: NumberKind, n: int, year: int | None = None) -> ReservedNumbers:
    """Reserve n consecutive numbers for cases opened together (in the caller's transaction).

    The caller writes the `CaseNumber` rows (k-th case, k-th number); `case_number_assign` issues one.
    """
    year = year if year is not None else timezone.localdate().year
    if n == 0:
        return ReservedNumbers(court_id=court.pk, kind=kind, year=year, first=0, texts=[])
    first = sequence_take(court=court, kind=kind, year=year, n=n)
    code = court.court_code
    texts = [format_case_number(year=year, court_code=code, kind=kind, seq=seq) for seq in range(first, first + n)]
    return ReservedNumbers(court_id=court.pk, kind=kind, year=year, first=first, texts=texts)
