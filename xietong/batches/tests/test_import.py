"""Importing a checked batch: one case per valid row, triaged, all or nothing."""

from __future__ import annotations

import pytest

from xietong.audit.services import SYSTEM
from xietong.batches.choices import BatchStatus
from xietong.batches.services import batch_import, batch_upload
from xietong.cases.choices import CaseState, Door, PartyRole
from xietong.cases.models import Case
from xietong.core.errors import Conflict, DomainError, NotAllowed
from xietong.parties.services import person_create

from .helpers import csv_bytes, good_row, upload

pytestmark = pytest.mark.django_db


def checked(world, rows, user="bank"):
    inst = world.bank if user == "bank" else world.other_bank
    return batch_upload(actor=world.users[user], institution=inst, file=upload(csv_bytes(rows))).batch


def test_valid_rows_become_triaged_cases(world):
    batch = checked(world, [good_row(1), good_row(2, principal="-5"), good_row(3, principal="99,000.10")])
    before = Case.objects.count()
    done = batch_import(batch=batch, actor=world.users["bank"])
    assert done.status == BatchStatus.IMPORTED and (done.total, done.done) == (2, 2)
    assert Case.objects.count() == before + 2
    rows = {r.number: r for r in batch.rows.select_related("case")}
    assert rows[3].case is None
    for n in (2, 4):
        case = rows[n].case
        assert case.door == Door.BATCH and case.institution == world.bank
        assert case.state == CaseState.TRIAGED  # through the same rules as a single dispute
        assert case.number and "诉前调" in case.number
        assert case.parties.get(role=PartyRole.APPLICANT).organisation == world.bank
        assert case.parties.get(role=PartyRole.RESPONDENT).person.id_number == good_row(n - 1)["id_number"]
    assert str(rows[4].case.principal) == "99000.10"
    # The bank sees its new cases; the other bank does not.
    assert Case.objects.restrict(world.users["bank"]).filter(pk=rows[2].case.pk).exists()
    assert not Case.objects.restrict(world.users["other_bank"]).filter(pk=rows[2].case.pk).exists()
    # Imported once only.
    with pytest.raises(Conflict):
        batch_import(batch=batch, actor=world.users["bank"])
    # The same debts delivered again are duplicates of the now open cases.
    again = checked(world, [good_row(1), good_row(5)])
    assert again.duplicate_count == 1 and again.valid_count == 1


def test_import_is_all_or_nothing(world):
    batch = checked(world, [good_row(1), good_row(2), good_row(3)])
    # Between the preview and the import, row 3's ID number is filed under another name.
    person_create(actor=SYSTEM, name="另一个人", id_number=good_row(3)["id_number"])
    before = Case.objects.count()
    with pytest.raises(DomainError) as exc:
        batch_import(batch=batch, actor=world.users["bank"])
    assert "4" in str(exc.value.message)  # row 4 of the file
    assert Case.objects.count() == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "4" in batch.failure  # retryable, nothing stored
    assert not batch.rows.filter(case__isnull=False).exists()


def test_only_the_institution_or_the_center_imports(world):
    batch = checked(world, [good_row(1)])
    for role in ("other_bank", "regulator", "clerk"):
        with pytest.raises(NotAllowed):
            batch_import(batch=batch, actor=world.users[role])
    assert batch_import(batch=batch, actor=world.users["admin"]).status == BatchStatus.IMPORTED


def test_import_page_flow(client, world):
    from django.urls import reverse

    batch = checked(world, [good_row(1), good_row(2)])
    url = reverse("batch-import", args=[batch.pk])
    client.force_login(world.users["other_bank"])
    assert client.post(url).status_code == 404
    client.force_login(world.users["regulator"])
    assert client.post(url).status_code == 403
    client.force_login(world.users["bank"])
    assert client.get(url).status_code == 405
    page = client.get(reverse("batch-detail", args=[batch.pk])).content.decode()
    assert 'data-testid="batch-import-form"' in page
    r1 = client.post(url)
    r2 = client.post(url)  # a double click
    assert r1.status_code == r2.status_code == 302
    assert Case.objects.filter(door=Door.BATCH).count() == 2
    page = client.get(reverse("batch-detail", args=[batch.pk])).content.decode()
    assert 'data-testid="batch-imported"' in page and "batch-import-form" not in page


def test_imported_cases_carry_the_whole_record_of_a_single_dispute(world):
    """Numbers, parties and timeline are partly derived in SQL: each case gets exactly its own."""
    from xietong.cases.choices import NumberKind
    from xietong.cases.models import CaseSequence
    from xietong.triage.models import TriageDecision

    first = batch_import(batch=checked(world, [good_row(1), good_row(2), good_row(3)]), actor=world.users["bank"])
    second = batch_import(batch=checked(world, [good_row(4), good_row(5)]), actor=world.users["bank"])
    seqs = []
    for batch, expected in ((first, 3), (second, 2)):
        cases = list(
            Case.objects.filter(batch_rows__batch=batch).order_by("pk").prefetch_related("numbers", "events", "parties")
        )
        assert len(cases) == expected
        for case in cases:
            (number,) = case.numbers.all()
            assert number.text == case.number and number.kind == NumberKind.PRE_MEDIATION
            assert number.court_id == case.court_id and number.assigned_at == case.submitted_at
            seqs.append(number.seq)
            events = [(e.kind, e.from_state, e.to_state, e.data) for e in case.events.all()]
            assert events == [
                ("created", "", CaseState.SUBMITTED, {"number": case.number, "door": Door.BATCH}),
                ("triage", CaseState.SUBMITTED, CaseState.TRIAGED, {}),
            ]
            roles = sorted((p.role, p.organisation_id, bool(p.person_id)) for p in case.parties.all())
            assert roles == [(PartyRole.APPLICANT, world.bank.pk, False), (PartyRole.RESPONDENT, None, True)]
            assert TriageDecision.objects.filter(case=case).count() == 1
    # One unbroken run of sequence numbers over both batches, and the sequence knows the last one.
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    seq = CaseSequence.objects.get(court_id=cases[0].court_id, kind=NumberKind.PRE_MEDIATION)
    assert seq.last == seqs[-1]


def test_a_large_import_refreshes_the_planners_statistics(world, monkeypatch):
    """PostgreSQL: the next batch's lookups of 100,000 ID numbers must not plan for an empty table."""
    from django.db import connection

    from xietong.batches import importing

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's planner keeps no statistics here")
    monkeypatch.setattr(importing, "ANALYZE_AFTER", 2)

    def person_rows_estimate() -> float:
        with connection.cursor() as c:
            c.execute("SELECT reltuples FROM pg_class WHERE relname = 'parties_person'")
            return float(c.fetchone()[0])

    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM parties_person")
        before = c.fetchone()[0]
    batch_import(batch=checked(world, [good_row(1), good_row(2), good_row(3)]), actor=world.users["bank"])
    assert person_rows_estimate() == before + 3
