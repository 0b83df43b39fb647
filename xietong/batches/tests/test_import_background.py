"""The import as a background task: progress, one start only, all or nothing, retry, same triage rules."""

from __future__ import annotations

import datetime as dt
import os
import socket
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone, translation

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry
from xietong.audit.services import audit_verify
from xietong.batches import importing
from xietong.batches.choices import BatchStatus
from xietong.batches.models import Batch
from xietong.batches.services import batch_import_start, batch_recover_stale, batch_upload
from xietong.cases.choices import CaseState, Channel, Door, NumberKind, PartyRole, Product, Track
from xietong.cases.models import Case, CaseEvent, CaseNumber, CaseSequence, Team
from xietong.core.errors import Conflict, DomainError, NotAllowed
from xietong.intake.models import ServiceAddressConfirmation
from xietong.parties.models import Person
from xietong.triage.models import TriageDecision
from xietong.triage.services import triage_evaluate
from xietong.triage.tests.factories import make_memo, make_rule

from .helpers import csv_bytes, good_row, upload

pytestmark = pytest.mark.django_db


def checked(world, rows, user="bank"):
    inst = world.bank if user == "bank" else world.other_bank
    return batch_upload(actor=world.users[user], institution=inst, file=upload(csv_bytes(rows))).batch


def batch_cases(batch):
    return Case.objects.filter(batch_rows__batch=batch)


def sequence_last(world) -> int:
    year = timezone.localdate().year
    seq = CaseSequence.objects.filter(court=world.court, kind=NumberKind.PRE_MEDIATION, year=year).first()
    return seq.last if seq else 0


def test_background_import_creates_every_case_triaged(world):
    existing = Person.objects.create(
        name=good_row(2)["name"], id_number=good_row(2)["id_number"], birth_date=dt.date(1960, 1, 1), sex="M"
    )
    rows = [good_row(1), good_row(2, service_address=""), good_row(3, principal="-1"), good_row(4)]
    batch = checked(world, rows)
    last_before = sequence_last(world)
    audits_before = AuditEntry.objects.count()
    done = batch_import_start(batch=batch, actor=world.users["bank"])  # ImmediateBackend: runs now
    assert done.status == BatchStatus.IMPORTED and (done.total, done.done) == (3, 3)
    cases = list(batch_cases(batch).order_by("pk"))
    assert len(cases) == 3
    # Numbers: one consecutive range from the court's sequence, shown on the batch.
    seqs = sorted(CaseNumber.objects.filter(case__in=cases).values_list("seq", flat=True))
    assert seqs == [last_before + 1, last_before + 2, last_before + 3] and sequence_last(world) == last_before + 3
    assert done.cases_from == cases[0].number and done.cases_to == cases[-1].number
    for case in cases:
        assert case.state == CaseState.TRIAGED and case.door == Door.BATCH and case.institution == world.bank
        assert case.channel and case.track and case.number and "诉前调" in case.number
        assert case.total == case.principal + case.interest + case.penalty
        assert case.created_by == world.users["bank"]
        assert case.parties.get(role=PartyRole.APPLICANT).organisation == world.bank
        assert TriageDecision.objects.filter(case=case, kind="auto").count() == 1
        kinds = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", "to_state"))
        assert kinds == [("created", CaseState.SUBMITTED), ("triage", CaseState.TRIAGED)]
        assert Case.objects.restrict(world.users["bank"]).filter(pk=case.pk).exists()
        assert not Case.objects.restrict(world.users["other_bank"]).filter(pk=case.pk).exists()
    # The person on file is reused; the others are created with their residence.
    respondent = {c.pk: c.parties.get(role=PartyRole.RESPONDENT).person for c in cases}
    assert existing in respondent.values()
    new = Person.objects.get(id_number=good_row(1)["id_number"])
    assert new.birth_date.year == 1960 and new.addresses.get().line == "福建省龙岩市新罗区"
    # Service-address confirmations for the rows that carry one (row 3 has none).
    sacs = ServiceAddressConfirmation.objects.filter(case__in=cases)
    assert sacs.count() == 2 and all(s.consent_electronic_service and s.confirmed_by == s.person for s in sacs)
    # One audit entry for the start, one for the import (with the number range); the chain holds.
    actions = list(AuditEntry.objects.filter(seq__gt=audits_before).values_list("action", flat=True))
    assert actions.count(AuditAction.BATCH_IMPORT_START) == 1 and actions.count(AuditAction.BATCH_IMPORT) == 1
    entry = AuditEntry.objects.get(action=AuditAction.BATCH_IMPORT, object_id=str(batch.pk))
    assert entry.after["cases"] == 3 and entry.after["first_number"] == cases[0].number
    assert audit_verify()[1] is None


def test_triage_is_decided_by_the_same_rules_as_a_single_dispute(world):
    team = Team.objects.create(name="批量组", kind="mediation", court=world.court)
    make_rule(name="大额", min_total=Decimal("50000"), set_channel=Channel.HARD_TO_ENFORCE, position=10)
    make_rule(name="房贷", products=[Product.MORTGAGE], set_channel="", set_team=team, position=20)
    make_memo(world.bank, dt.date(2020, 1, 1), dt.date(2099, 1, 1), amount_limit=Decimal("2000"))
    rows = [
        good_row(1, principal="60,000"),
        good_row(2, product="抵押贷款"),
        good_row(3, principal="100", interest="0"),
    ]
    batch = checked(world, rows)
    batch_import_start(batch=batch, actor=world.users["bank"])
    cases = {c.pk: c for c in batch_cases(batch)}
    assert len(cases) == 3
    for case in cases.values():
        single = triage_evaluate(case)  # the single-dispute path, on the imported case
        decision = TriageDecision.objects.get(case=case)
        assert (case.channel, case.track, case.team_id, case.category_id) == (
            single.channel,
            single.track,
            single.team.pk if single.team else None,
            single.category.pk if single.category else None,
        )
        assert decision.reasons == single.reasons and decision.rule_name == (single.rule.name if single.rule else "")
    by_principal = {str(c.principal): c for c in cases.values()}
    assert by_principal["60000.00"].channel == Channel.HARD_TO_ENFORCE
    assert by_principal["100.00"].track == Track.FAST  # the memorandum
    mortgage = next(c for c in cases.values() if c.product == Product.MORTGAGE)
    assert mortgage.team == team


def test_a_batch_never_lands_in_group_risk_by_a_warning_about_its_own_bank(world):
    from xietong.risk.choices import Dimension
    from xietong.risk.models import RiskWarning

    RiskWarning.objects.create(
        dimension=Dimension.INSTITUTION,
        key=str(world.bank.pk),
        label=world.bank.name,
        detector="ears_poisson",
        severity=3,
        opened_on=timezone.localdate(),
        reading_on=timezone.localdate(),
        observed=30,
        baseline=2.0,
        threshold=8.0,
    )
    make_rule(in_risk_stratum=True)
    batch = checked(world, [good_row(n) for n in range(1, 5)])
    batch_import_start(batch=batch, actor=world.users["bank"])
    rows = batch.rows.select_related("case").order_by("number")
    assert [r.case.channel for r in rows] == [Channel.MEDIABLE] * 4


def test_progress_endpoint_polls_while_running_and_stops_when_finished(client, world):
    batch = checked(world, [good_row(1), good_row(2)])
    queued = batch_import_start(batch=batch, actor=world.users["bank"], enqueue=False)
    assert queued.status == BatchStatus.QUEUED
    url = reverse("batch-progress", args=[batch.pk])
    client.force_login(world.users["other_bank"])
    assert client.get(url).status_code == 404
    client.force_login(world.users["regulator"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["bank"])
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.IMPORTING,
        import_phase="preparing",
        done=1,
        import_worker=f"{socket.gethostname()}:{os.getpid()}",  # alive: this process
        import_started_at=timezone.now() - dt.timedelta(seconds=2),
        heartbeat_at=timezone.now(),
    )
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="1"' in page and 'max="2"' in page
    assert 'data-testid="batch-progress-rate"' in page
    detail = client.get(reverse("batch-detail", args=[batch.pk])).content.decode()
    assert 'data-testid="batch-progress"' in detail and "batch-import-form" not in detail
    # Finished: the partial shows the result and no longer polls.
    from xietong.batches.services import batch_import_run

    Batch.objects.filter(pk=batch.pk).update(status=BatchStatus.QUEUED, import_worker="")
    batch_import_run(batch_id=batch.pk)
    page = client.get(url).content.decode()
    assert "hx-trigger" not in page and 'data-testid="batch-imported"' in page
    assert 'data-testid="batch-first-case"' in page


def test_a_second_start_is_refused_and_enqueues_nothing(world, settings):
    from django_tasks_db.models import DBTaskResult

    settings.BATCH_IMPORT_TASK_BACKEND = "db"  # a real queue: the task waits for a worker
    batch = checked(world, [good_row(1)])
    queued = batch_import_start(batch=batch, actor=world.users["bank"])
    assert queued.status == BatchStatus.QUEUED and queued.import_task_id
    assert DBTaskResult.objects.count() == 1
    for _ in range(2):
        with pytest.raises(Conflict):
            batch_import_start(batch=batch, actor=world.users["bank"])
    assert DBTaskResult.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.BATCH_IMPORT_START).count() == 1
    # The task, run by a worker, imports it; a later start finds it imported.
    from xietong.batches.tasks import import_batch

    assert import_batch.call(batch.pk) == BatchStatus.IMPORTED
    with pytest.raises(Conflict):
        batch_import_start(batch=batch, actor=world.users["bank"])
    assert DBTaskResult.objects.count() == 1


def test_start_refusals_change_nothing(world, client):
    bad = checked(world, [good_row(1, principal="-1")])
    with pytest.raises(DomainError) as exc:
        batch_import_start(batch=bad, actor=world.users["bank"])
    assert exc.value.code == "batch_empty"
    for role in ("other_bank", "regulator", "clerk"):
        with pytest.raises(NotAllowed):
            batch_import_start(batch=bad, actor=world.users[role])
    bad.refresh_from_db()
    assert bad.status == BatchStatus.CHECKED and bad.import_attempts == 0
    client.force_login(world.users["bank"])
    r = client.post(reverse("batch-import", args=[bad.pk]), follow=True)
    with translation.override("zh-hans"):
        refusal = translation.gettext("This batch has no valid rows to import.")
    assert r.status_code == 200 and refusal in r.content.decode()


def test_a_failure_while_writing_stores_nothing_and_a_retry_imports_all(world, monkeypatch, client):
    batch = checked(world, [good_row(n) for n in range(1, 6)])
    last_before, cases_before = sequence_last(world), Case.objects.count()
    persons_before = Person.objects.count()

    def boom(writer, row_ids, case_ids):  # after every insert, before the batch rows are linked
        raise IntegrityError("injected")

    monkeypatch.setattr(importing, "set_row_cases", boom)
    failed = batch_import_start(batch=batch, actor=world.users["bank"])
    assert failed.status == BatchStatus.FAILED and "IntegrityError" in failed.failure
    assert Case.objects.count() == cases_before and Person.objects.count() == persons_before
    assert sequence_last(world) == last_before  # gapless: the reserved range went back with the rest
    assert not batch.rows.filter(case__isnull=False).exists()
    assert AuditEntry.objects.filter(action=AuditAction.BATCH_IMPORT_FAIL, object_id=str(batch.pk)).exists()
    client.force_login(world.users["bank"])
    page = client.get(reverse("batch-detail", args=[batch.pk])).content.decode()
    assert 'data-testid="batch-failed"' in page and 'data-testid="batch-retry"' in page
    monkeypatch.undo()
    r = client.post(reverse("batch-import", args=[batch.pk]))
    assert r.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IMPORTED and batch.import_attempts == 2 and not batch.failure
    assert batch_cases(batch).filter(state=CaseState.TRIAGED).count() == 5
    assert sequence_last(world) == last_before + 5


def test_a_duplicate_opened_in_between_fails_the_whole_import(world):
    first = checked(world, [good_row(1), good_row(2), good_row(3)])
    second = checked(world, [good_row(9), good_row(3)])  # row 3 of the file: good_row(3)
    batch_import_start(batch=second, actor=world.users["bank"])
    cases_before = Case.objects.count()
    failed = batch_import_start(batch=first, actor=world.users["bank"])
    assert failed.status == BatchStatus.FAILED and "4" in failed.failure  # row 4 of the file
    assert Case.objects.count() == cases_before and not batch_cases(first).exists()


def test_recovery_marks_a_dead_import_failed_and_leaves_a_live_one(world):
    batch = checked(world, [good_row(1)])
    batch_import_start(batch=batch, actor=world.users["bank"], enqueue=False)
    now = timezone.now()
    alive = {"status": BatchStatus.IMPORTING, "import_started_at": now, "heartbeat_at": now}
    Batch.objects.filter(pk=batch.pk).update(**alive, import_worker=f"{socket.gethostname()}:{os.getpid()}")
    assert batch_recover_stale() == []
    # Another host, recent heartbeat: alive. Old heartbeat: dead.
    Batch.objects.filter(pk=batch.pk).update(import_worker="elsewhere:12")
    assert batch_recover_stale() == []
    Batch.objects.filter(pk=batch.pk).update(heartbeat_at=now - dt.timedelta(hours=1))
    with translation.override("en"):
        assert batch_recover_stale() == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED and "interrupted" in batch.failure
    # This host, a pid that is gone: dead at once.
    batch_import_start(batch=batch, actor=world.users["bank"], enqueue=False)
    Batch.objects.filter(pk=batch.pk).update(**alive, import_worker=f"{socket.gethostname()}:999999999")
    assert batch_recover_stale(batch_id=batch.pk) == [batch.pk]


@pytest.mark.parametrize("n", [2000])
def test_a_2000_row_import_is_complete_and_correct(world, n):
    rows = [good_row(k) for k in range(1, n + 1)]
    batch = checked(world, rows)
    assert batch.valid_count == n
    last_before = sequence_last(world)
    done = batch_import_start(batch=batch, actor=world.users["bank"])
    assert done.status == BatchStatus.IMPORTED and done.done == n
    cases = batch_cases(batch)
    assert cases.count() == n == cases.filter(state=CaseState.TRIAGED).exclude(channel="").count()
    assert TriageDecision.objects.filter(case__in=cases).count() == n
    assert CaseEvent.objects.filter(case__in=cases).count() == 2 * n
    numbers = list(CaseNumber.objects.filter(case__in=cases).order_by("seq").values_list("seq", flat=True))
    assert numbers == list(range(last_before + 1, last_before + n + 1))
    assert len(set(cases.values_list("number", flat=True))) == n
    # Each row's case is the row's person and amounts.
    for row in batch.rows.select_related("case").order_by("?")[:25]:
        case = row.case
        assert case.parties.get(role=PartyRole.RESPONDENT).person.id_number == row.id_number
        assert str(case.principal) == row.data["principal"]
    assert ServiceAddressConfirmation.objects.filter(case__in=cases).count() == n
    assert audit_verify()[1] is None
