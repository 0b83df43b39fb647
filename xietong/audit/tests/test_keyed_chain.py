"""An audit chain that cannot be rewritten: keyed with a secret outside the database, held to signed
checkpoints of its head kept outside the database. Run on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import transaction

from xietong.audit.choices import AuditAction
from xietong.audit.models import AuditEntry, AuditHead
from xietong.audit.services import (
    SYSTEM,
    audit_checkpoint,
    audit_checkpoints,
    audit_record,
    audit_verify,
    chain_hash,
    entry_hash,
    entry_payload,
)

from .test_audit_chain import assert_verify_command_fails_at, raw


def _write(n: int) -> None:
    with transaction.atomic():
        for i in range(n):
            audit_record(actor=SYSTEM, action=AuditAction.REFERENCE_CHANGE, object_type="cases.category", object_id=i)


def rewrite_without_the_key(*, target: int, label: str = "someone else") -> None:
    """What someone with write access to the database (and not the key) can do: change an entry and
    recompute every later hash and the head, as plain SHA-256 entries (version 1)."""
    prev = AuditEntry.objects.get(seq=target - 1).hash if target > 1 else "0" * 64
    for e in AuditEntry.objects.filter(seq__gte=target).order_by("seq"):
        if e.seq == target:
            e.actor_label = label
        e.version, e.prev_hash = 1, prev
        e.hash = entry_hash(prev, entry_payload(e))
        raw(
            "UPDATE audit_auditentry SET actor_label = %s, version = 1, prev_hash = %s, hash = %s WHERE seq = %s",
            [e.actor_label, e.prev_hash, e.hash, e.seq],
        )
        prev = e.hash
    raw("UPDATE audit_audithead SET hash = %s WHERE id = 1", [prev])


def cut_the_tail(*, keep: int) -> None:
    """Delete the newest entries and move the head back: the shorter chain is whole."""
    last = AuditEntry.objects.get(seq=keep)
    raw("DELETE FROM audit_auditentry WHERE seq > %s", [keep])
    raw("UPDATE audit_audithead SET seq = %s, hash = %s WHERE id = 1", [keep, last.hash])


def verify_ok() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


# The key ------------------------------------------------------------------------------------------


def test_entries_are_keyed_and_a_rewrite_without_the_key_is_caught(attacker):
    from .test_audit_chain import entries

    chain = entries()
    assert {e.version for e in chain} == {2}
    target = len(chain) // 2
    rewrite_without_the_key(target=target)
    # Every link holds and the head agrees, but the rewritten entries are not keyed any more.
    checked, problem = audit_verify()
    assert problem is not None and problem.seq == target and checked == target - 1
    assert "not keyed" in problem.reason
    assert_verify_command_fails_at(target)


def test_entries_written_before_the_key_stay_verifiable(db, monkeypatch):
    """Version 1 entries (plain SHA-256, written before the chain was keyed) verify as they are; the
    keyed entries follow them."""
    import xietong.audit.services as services

    monkeypatch.setattr(services, "CHAIN_VERSION", 1)
    _write(3)
    monkeypatch.setattr(services, "CHAIN_VERSION", 2)
    _write(2)
    chain = list(AuditEntry.objects.order_by("seq"))
    assert [e.version for e in chain] == [1, 1, 1, 2, 2]
    assert chain[0].hash == entry_hash(chain[0].prev_hash, entry_payload(chain[0]))  # as before the key
    assert chain[3].hash == chain_hash(chain[3]) != entry_hash(chain[3].prev_hash, entry_payload(chain[3]))
    assert audit_verify() == (5, None)
    assert "intact: 5 entries" in verify_ok()


def test_a_plain_entry_after_a_keyed_one_is_a_rewrite(db, monkeypatch):
    import xietong.audit.services as services

    _write(2)
    monkeypatch.setattr(services, "CHAIN_VERSION", 1)
    _write(1)
    checked, problem = audit_verify()
    assert problem is not None and (problem.seq, checked) == (3, 2) and "not keyed" in problem.reason


def test_another_key_verifies_nothing(world, settings):
    settings.AUDIT_HMAC_KEY = "another key entirely"
    checked, problem = audit_verify()
    assert problem is not None and (problem.seq, checked) == (1, 0) and "altered" in problem.reason


# Checkpoints outside the database -----------------------------------------------------------------


def test_a_checkpoint_is_a_signed_line_appended_outside_the_database(world, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "var" / "audit-checkpoints.log"
    head = AuditHead.objects.get(pk=1)
    first = audit_checkpoint(reason="hourly")
    _write(2)
    second = audit_checkpoint(reason="export service_failures to regulator")
    lines = settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()
    assert len(lines) == 2
    seq, hash_, _at, reason, signature = lines[0].split("\t")
    assert (int(seq), hash_, reason) == (head.seq, head.hash, "hourly") and len(signature) == 64
    assert (second.seq, second.hash) == (head.seq + 2, AuditHead.objects.get(pk=1).hash)
    points, problem = audit_checkpoints()
    assert problem is None and [(p.seq, p.line) for p in points] == [(first.seq, 1), (second.seq, 2)]
    assert "held to 2 signed checkpoints" in verify_ok()


def test_a_chain_rewritten_from_its_start_is_caught_by_a_checkpoint(attacker):
    """Rewritten from entry 1 as plain entries, the chain holds together and no keyed entry remains: only
    the checkpoint, signed outside the database, tells it is not the chain it signed."""
    n = AuditEntry.objects.count()
    audit_checkpoint(reason="hourly")
    rewrite_without_the_key(target=1)
    checked, problem = audit_verify(checkpoints=[])  # without the checkpoints, nothing to see
    assert problem is None and checked == n
    checked, problem = audit_verify()
    assert problem is not None and problem.seq == n and checked == n - 1
    assert "not the one the checkpoint" in problem.reason and "rewritten" in problem.reason
    assert "rewritten" in assert_verify_command_fails_at(n)


def test_a_chain_rewritten_before_a_checkpoint_differs_from_the_signed_hash(attacker, monkeypatch):
    """A chain of plain entries (before the key) rewritten below a checkpoint: the checkpoint's hash differs."""
    import xietong.audit.services as services

    raw("DELETE FROM audit_auditentry")
    raw("UPDATE audit_audithead SET seq = 0, hash = %s WHERE id = 1", ["0" * 64])
    monkeypatch.setattr(services, "CHAIN_VERSION", 1)
    _write(6)  # written before the key
    audit_checkpoint(reason="upgrade done")  # the first checkpoint: entries from here on are keyed
    monkeypatch.setattr(services, "CHAIN_VERSION", 2)
    _write(2)
    assert audit_verify() == (8, None)
    rewrite_without_the_key(target=3)  # entries 3..8 recomputed as plain entries
    checked, problem = audit_verify()
    assert problem is not None and problem.seq == 6 and checked == 5
    assert "checkpoint" in problem.reason and "rewritten" in problem.reason
    assert_verify_command_fails_at(6)


def test_a_cut_tail_with_the_head_moved_back_is_caught_by_a_checkpoint(attacker):
    n = AuditEntry.objects.count()
    audit_checkpoint(reason="export risk_notice 1 to regulator")
    cut_the_tail(keep=n - 3)
    checked, problem = audit_verify(checkpoints=[])  # the shorter chain is whole, head and all
    assert problem is None and checked == n - 3
    checked, problem = audit_verify()
    assert problem is not None and problem.seq == n - 2 and checked == n - 3
    assert f"signed entry {n}" in problem.reason and "removed" in problem.reason
    assert_verify_command_fails_at(n - 2)


def test_a_forged_or_edited_checkpoint_line_is_refused(world, settings):
    audit_checkpoint(reason="hourly")
    path = settings.AUDIT_CHECKPOINT_FILE
    text = path.read_text()
    seq, hash_, at, reason, signature = text.rstrip("\n").split("\t")
    # Moving a checkpoint back (to hide a cut tail) breaks its signature.
    path.write_text("\t".join([str(int(seq) - 3), hash_, at, reason, signature]) + "\n")
    _points, problem = audit_checkpoints()
    assert problem is not None and "not signed with the key" in problem.reason
    with pytest.raises(CommandError, match="not signed with the key"):
        call_command("verify_audit", stdout=StringIO())
    path.write_text("not a checkpoint\n")
    assert "not a checkpoint" in audit_checkpoints()[1].reason


def test_no_checkpoint_file_yet_is_said_plainly(world):
    assert "no checkpoint" in verify_ok()


def test_the_checkpoint_command(world, settings):
    out = StringIO()
    call_command("audit_checkpoint", "--reason", "upgrade done", stdout=out)
    assert "appended" in out.getvalue()
    assert settings.AUDIT_CHECKPOINT_FILE.read_text().split("\t")[3] == "upgrade done"


# When checkpoints are written -----------------------------------------------------------------------


def test_the_hourly_task_writes_a_checkpoint(world, settings):
    from xietong.audit.tasks import audit_checkpoint_hourly
    from xietong.ops.periodic import periodic_jobs

    jobs = periodic_jobs()
    job = jobs["xietong.audit.tasks.audit_checkpoint_hourly"]
    assert job.once_per == "hour"
    result = audit_checkpoint_hourly.call()
    assert result["seq"] == AuditHead.objects.get(pk=1).seq
    assert settings.AUDIT_CHECKPOINT_FILE.read_text().count("\thourly\t") == 1


def test_figures_for_a_regulator_write_a_checkpoint_once_committed(
    world, settings, client, django_capture_on_commit_callbacks
):
    client.force_login(world.users["regulator"])
    with django_capture_on_commit_callbacks(execute=False) as pending:
        r = client.get("/api/v1/service/failures")
    assert r.status_code == 200 and len(pending) == 1
    assert not settings.AUDIT_CHECKPOINT_FILE.exists()  # not before the commit
    pending[0]()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get("/service/failures/")
    assert page.status_code == 200
    lines = settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()
    assert [line.split("\t")[3] for line in lines] == [
        "export service_failures (API) to regulator",
        "export service_failures to regulator",
    ]
    # An institution's own figures are not an export to a regulator.
    client.force_login(world.users["bank"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/api/v1/service/failures")
    assert len(settings.AUDIT_CHECKPOINT_FILE.read_text().splitlines()) == 2


# Production ---------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_the_audit_key():
    env = {k: v for k, v in os.environ.items() if k != "AUDIT_HMAC_KEY"}
    env.update(SECRET_KEY="x" * 60, DJANGO_SETTINGS_MODULE="xietong.settings.production")
    proc = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "AUDIT_HMAC_KEY is not set" in proc.stderr


def test_an_export_is_not_refused_when_its_checkpoint_cannot_be_written(
    world, settings, client, tmp_path, django_capture_on_commit_callbacks, caplog
):
    settings.AUDIT_CHECKPOINT_FILE = tmp_path  # a directory: no line can be appended to it
    client.force_login(world.users["regulator"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/api/v1/service/failures")
    assert r.status_code == 200
    assert any("audit_checkpoint_after_export" in rec.getMessage() for rec in caplog.records)
