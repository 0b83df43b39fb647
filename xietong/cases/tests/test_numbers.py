"""Case numbers in the courts' form, their sequences, and their uniqueness under concurrency."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xietong.accounts.tests.factories import CourtFactory
from xietong.audit.models import GENESIS_HASH, AuditHead
from xietong.audit.services import SYSTEM, audit_verify
from xietong.cases.choices import Door, NumberKind, PartyRole
from xietong.cases.models import Case, CaseNumber, CaseSequence
from xietong.cases.numbers import case_number_assign, case_numbers_reserve, format_case_number, next_sequence
from xietong.cases.services import PersonParty, case_create
from xietong.parties.tests.factories import PersonFactory

from .factories import CaseFactory


def this_year() -> int:
    return timezone.localdate().year


def open_case(court, person) -> Case:
    """A person's own dispute, with no institution: case_create through the factory."""
    return CaseFactory(court=court, respondent=person, role=PartyRole.APPLICANT, institution=None)


@pytest.fixture
def courts(db):
    return CourtFactory(court_code="闽0802"), CourtFactory(court_code="闽0803")


@pytest.fixture
def person(db):
    return PersonFactory()


# Format --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "code", "kind", "seq", "text"),
    [
        (2026, "闽0802", NumberKind.PRE_MEDIATION, 1, "（2026）闽0802民诉前调1号"),
        (2022, "闽0802", NumberKind.PRE_MEDIATION, 123, "（2022）闽0802民诉前调123号"),
        (2026, "闽0802", NumberKind.CONFIRMATION, 7, "（2026）闽0802民特7号"),
        (2026, "闽08", NumberKind.FIRST_INSTANCE, 45, "（2026）闽08民初45号"),
        (2027, "闽0803", NumberKind.ENFORCEMENT, 3001, "（2027）闽0803执3001号"),
    ],
)
def test_the_courts_format(year, code, kind, seq, text):
    assert format_case_number(year=year, court_code=code, kind=kind, seq=seq) == text


def test_the_brackets_are_full_width_and_there_is_no_zero_padding():
    text = format_case_number(year=2026, court_code="闽0802", kind=NumberKind.PRE_MEDIATION, seq=5)
    assert text.startswith("（") and "(" not in text
    assert "）闽0802" in text
    assert text.endswith("民诉前调5号")


# Issuing --------------------------------------------------------------------------------------


def test_a_new_case_gets_the_first_pre_mediation_number_of_the_year(courts, person):
    court, _ = courts
    case = open_case(court, person)
    assert case.number == f"（{this_year()}）闽0802民诉前调1号"
    n = CaseNumber.objects.get(case=case)
    assert (n.kind, n.court_id, n.year, n.seq, n.text) == (
        NumberKind.PRE_MEDIATION,
        court.pk,
        this_year(),
        1,
        case.number,
    )
    assert Case.objects.get(pk=case.pk).number == case.number


def test_sequences_are_per_court_and_count_up(courts, person):
    a, b = courts
    texts = [open_case(c, person).number for c in (a, a, b, a, b)]
    y = this_year()
    assert texts == [
        f"（{y}）闽0802民诉前调1号",
        f"（{y}）闽0802民诉前调2号",
        f"（{y}）闽0803民诉前调1号",
        f"（{y}）闽0802民诉前调3号",
        f"（{y}）闽0803民诉前调2号",
    ]
    assert CaseSequence.objects.get(court=a, kind=NumberKind.PRE_MEDIATION, year=y).last == 3
    assert CaseSequence.objects.get(court=b, kind=NumberKind.PRE_MEDIATION, year=y).last == 2


def test_sequences_are_per_kind(courts, person):
    court, _ = courts
    case = open_case(court, person)
    with transaction.atomic():
        confirm = case_number_assign(case=case, kind=NumberKind.CONFIRMATION)
        first = case_number_assign(case=case, kind=NumberKind.FIRST_INSTANCE)
        confirm2 = case_number_assign(case=case, kind=NumberKind.CONFIRMATION)
    assert (confirm.seq, first.seq, confirm2.seq) == (1, 1, 2)
    assert open_case(court, person).number.endswith("民诉前调2号")


def test_the_newest_number_becomes_the_cases_number(courts, person):
    court, _ = courts
    case = open_case(court, person)
    with transaction.atomic():
        n1 = case_number_assign(case=case, kind=NumberKind.CONFIRMATION)
    assert Case.objects.get(pk=case.pk).number == n1.text
    with transaction.atomic():
        n2 = case_number_assign(case=case, kind=NumberKind.ENFORCEMENT)
    assert Case.objects.get(pk=case.pk).number == n2.text
    assert list(case.numbers.order_by("pk").values_list("kind", flat=True)) == [
        NumberKind.PRE_MEDIATION,
        NumberKind.CONFIRMATION,
        NumberKind.ENFORCEMENT,
    ]


def test_a_number_may_be_issued_by_another_court(courts, person):
    court, other = courts
    case = open_case(court, person)
    with transaction.atomic():
        n = case_number_assign(case=case, kind=NumberKind.FIRST_INSTANCE, court=other)
    assert n.text == f"（{this_year()}）闽0803民初1号"
    assert n.court_id == other.pk


def _freeze_now(monkeypatch, when: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: when)


def test_the_year_is_the_local_year_of_the_court(courts, person, monkeypatch):
    court, _ = courts
    # 16:30 UTC on New Year's Eve is already 00:30 on 1 January in China (UTC+8).
    _freeze_now(monkeypatch, dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC))
    assert timezone.localdate().year == 2027
    case = open_case(court, person)
    assert case.number == "（2027）闽0802民诉前调1号"
    assert CaseNumber.objects.get(case=case).year == 2027


def test_a_new_year_starts_at_one_and_the_old_year_continues(courts, person, monkeypatch):
    court, _ = courts
    _freeze_now(monkeypatch, dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC))
    assert [open_case(court, person).number for _ in range(2)] == [
        "（2026）闽0802民诉前调1号",
        "（2026）闽0802民诉前调2号",
    ]
    _freeze_now(monkeypatch, dt.datetime(2027, 1, 2, 4, 0, tzinfo=dt.UTC))
    assert open_case(court, person).number == "（2027）闽0802民诉前调1号"
    _freeze_now(monkeypatch, dt.datetime(2026, 12, 31, 4, 0, tzinfo=dt.UTC))  # a late entry for the old year
    assert open_case(court, person).number == "（2026）闽0802民诉前调3号"


def test_the_database_refuses_a_repeated_sequence(courts, person):
    court, _ = courts
    case = open_case(court, person)
    n = CaseNumber.objects.get(case=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseNumber.objects.create(case=case, kind=n.kind, court=court, year=n.year, seq=n.seq, text="another text")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseNumber.objects.create(case=case, kind=n.kind, court=court, year=n.year, seq=n.seq + 1, text=n.text)


def test_a_failed_case_creation_gives_its_number_back(courts, person):
    from xietong.core.errors import DomainError

    court, _ = courts
    open_case(court, person)
    with pytest.raises(DomainError):
        case_create(
            actor=SYSTEM,
            court=court,
            product="spaceship",
            door=Door.COUNTER,
            persons=[PersonParty(person=person, role=PartyRole.APPLICANT)],
        )
    # The refused case rolled back everything it did: the next case takes number 2.
    assert open_case(court, person).number.endswith("民诉前调2号")


# A run of numbers for cases opened together ---------------------------------------------------


def test_a_reserved_run_continues_the_same_sequence_in_the_same_form(courts, person):
    court, other = courts
    open_case(court, person)  # number 1, issued one at a time
    with transaction.atomic():
        run = case_numbers_reserve(court=court, kind=NumberKind.PRE_MEDIATION, n=3)
    y = this_year()
    assert (run.court_id, run.kind, run.year, run.first, len(run)) == (court.pk, NumberKind.PRE_MEDIATION, y, 2, 3)
    assert list(run.seqs) == [2, 3, 4]
    assert run.texts == [
        format_case_number(year=y, court_code="闽0802", kind=NumberKind.PRE_MEDIATION, seq=s) for s in (2, 3, 4)
    ]
    assert CaseSequence.objects.get(court=court, kind=NumberKind.PRE_MEDIATION, year=y).last == 4
    # The next single number follows the run; the other court's sequence is untouched.
    assert open_case(court, person).number == f"（{y}）闽0802民诉前调5号"
    assert open_case(other, person).number == f"（{y}）闽0803民诉前调1号"


def test_a_run_is_per_kind_and_year_and_may_start_a_sequence(courts):
    court, _ = courts
    with transaction.atomic():
        a = case_numbers_reserve(court=court, kind=NumberKind.CONFIRMATION, n=2, year=2031)
        b = case_numbers_reserve(court=court, kind=NumberKind.CONFIRMATION, n=2, year=2030)
        c = case_numbers_reserve(court=court, kind=NumberKind.CONFIRMATION, n=1, year=2031)
    assert a.texts == ["（2031）闽0802民特1号", "（2031）闽0802民特2号"]
    assert b.texts == ["（2030）闽0802民特1号", "（2030）闽0802民特2号"]
    assert c.texts == ["（2031）闽0802民特3号"]


def test_an_empty_run_takes_nothing(courts):
    court, _ = courts
    with transaction.atomic():
        run = case_numbers_reserve(court=court, kind=NumberKind.PRE_MEDIATION, n=0)
    assert len(run) == 0 and run.texts == []
    assert not CaseSequence.objects.exists()


def test_a_run_rolled_back_is_given_back(courts, person):
    court, _ = courts
    with pytest.raises(RuntimeError, match="later failure"), transaction.atomic():
        case_numbers_reserve(court=court, kind=NumberKind.PRE_MEDIATION, n=50)
        raise RuntimeError("a later failure of the same transaction")
    assert open_case(court, person).number.endswith("民诉前调1号")


# Outside a transaction, and under concurrency -------------------------------------------------


@pytest.fixture
def fresh_head(transactional_db):
    """Transactional tests start from a flushed database: put back the audit head the migration made."""
    AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})


@pytest.mark.django_db(transaction=True)
def test_next_sequence_refuses_to_run_outside_a_transaction(fresh_head):
    court = CourtFactory()
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside a transaction"):
        next_sequence(court=court, kind=NumberKind.PRE_MEDIATION, year=this_year())
    assert not CaseSequence.objects.exists()
    with pytest.raises(RuntimeError, match="inside a transaction"):
        case_numbers_reserve(court=court, kind=NumberKind.PRE_MEDIATION, n=5)
    assert not CaseSequence.objects.exists()


THREADS = 8
PER_THREAD = 5


def run_in_threads(work) -> list[BaseException]:
    """Run work(i) in THREADS threads started together; return the errors they raised."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(i)
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            from django.db import connection as thread_connection

            thread_connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def assert_gapless(seqs: list[int], texts: list[str], n: int) -> None:
    assert len(texts) == n
    assert len(set(texts)) == n, "a number was issued twice"
    assert sorted(seqs) == list(range(1, n + 1)), "numbers are missing or repeated"


@pytest.mark.django_db(transaction=True)
def test_concurrent_number_assignment_is_unique_and_gapless(fresh_head):
    court, person = CourtFactory(court_code="闽0802"), PersonFactory()
    cases = [open_case(court, person) for _ in range(THREADS)]

    def work(i: int) -> None:
        for _ in range(PER_THREAD):
            with transaction.atomic():
                case_number_assign(case=Case.objects.get(pk=cases[i].pk), kind=NumberKind.CONFIRMATION)

    errors = run_in_threads(work)
    assert errors == []
    issued = CaseNumber.objects.filter(court=court, kind=NumberKind.CONFIRMATION, year=this_year())
    n = THREADS * PER_THREAD
    assert_gapless(list(issued.values_list("seq", flat=True)), list(issued.values_list("text", flat=True)), n)
    assert CaseSequence.objects.get(court=court, kind=NumberKind.CONFIRMATION, year=this_year()).last == n
    for c in cases:
        c.refresh_from_db()
        assert c.number == CaseNumber.objects.filter(case=c).latest("pk").text


@pytest.mark.django_db(transaction=True)
def test_concurrent_case_creation_numbers_every_case_once_and_keeps_the_audit_chain(fresh_head):
    court, persons = CourtFactory(court_code="闽0802"), PersonFactory.create_batch(THREADS)
    # No sequence row exists yet: the threads also race to create it.
    assert not CaseSequence.objects.exists()

    def work(i: int) -> None:
        for _ in range(PER_THREAD):
            open_case(court, persons[i])  # case_create runs in its own transaction

    errors = run_in_threads(work)
    assert errors == []
    n = THREADS * PER_THREAD
    assert Case.objects.filter(court=court).count() == n
    issued = CaseNumber.objects.filter(court=court, kind=NumberKind.PRE_MEDIATION, year=this_year())
    assert_gapless(list(issued.values_list("seq", flat=True)), list(issued.values_list("text", flat=True)), n)
    assert set(Case.objects.values_list("number", flat=True)) == set(issued.values_list("text", flat=True))
    checked, problem = audit_verify()
    assert problem is None
    assert checked == AuditHead.objects.get(pk=1).seq


@pytest.mark.django_db(transaction=True)
def test_runs_and_single_numbers_taken_together_never_overlap(fresh_head):
    """Half the threads reserve runs (a batch import), half open cases one at a time: one gapless sequence."""
    court, persons = CourtFactory(court_code="闽0802"), PersonFactory.create_batch(THREADS)
    runs: list[list[str]] = []
    run_seqs: list[int] = []

    def work(i: int) -> None:
        for j in range(PER_THREAD):
            if i % 2:
                open_case(court, persons[i])
            else:
                with transaction.atomic():
                    run = case_numbers_reserve(court=court, kind=NumberKind.PRE_MEDIATION, n=3 + j)
                runs.append(run.texts)
                run_seqs.extend(run.seqs)

    errors = run_in_threads(work)
    assert errors == []
    singles = CaseNumber.objects.filter(court=court, kind=NumberKind.PRE_MEDIATION, year=this_year())
    texts = [t for run in runs for t in run] + list(singles.values_list("text", flat=True))
    seqs = run_seqs + list(singles.values_list("seq", flat=True))
    n = (THREADS // 2) * PER_THREAD + (THREADS // 2) * sum(3 + j for j in range(PER_THREAD))
    assert_gapless(seqs, texts, n)
    for run in runs:  # each run is consecutive: nobody took a number in the middle of it
        first = int(run[0].split("诉前调")[1][:-1])
        assert [int(t.split("诉前调")[1][:-1]) for t in run] == list(range(first, first + len(run)))
    assert CaseSequence.objects.get(court=court, kind=NumberKind.PRE_MEDIATION, year=this_year()).last == n
