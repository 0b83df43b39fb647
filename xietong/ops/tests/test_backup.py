"""Backups that restore: into a fresh database and storage, the audit chain and every document's hash intact."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from xietong.ops.backup import DOCUMENT_HASHES, documents_verify

ROOT = Path(settings.BASE_DIR)
FAKE_PDF = b"%PDF-1.4\n% a document of the backup test\n%%EOF\n"


@pytest.fixture
def documents(world, monkeypatch):
    """The bank case mediated, agreed (PDF), confirmed (ruling PDF) and the ruling served: files with hashes."""
    from tests.support.judiciary import confirm_case, ensure_signed_agreement
    from xietong.agreements.models import Agreement
    from xietong.agreements.services import agreement_pdf_ensure
    from xietong.cases.services import case_start_mediation

    monkeypatch.setattr("xietong.documents.render.pdf_from_html", lambda html: FAKE_PDF + html[:40].encode())
    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    agreement = ensure_signed_agreement(case, world.users["mediator"])
    agreement_pdf_ensure(agreement=Agreement.objects.get(pk=agreement.pk))
    confirm_case(case, world.users["judge"], render=True)  # after commit: the ruling rendered and served
    checked, problems = documents_verify()
    assert problems == [] and checked >= 3
    return checked


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def fresh_target(tmp_path: Path) -> tuple[dict[str, str], str | None]:
    """Settings of an empty database and an empty MEDIA_ROOT, for a `manage.py` in another process."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH", "XIETONG_TEST_DB_NAME")}
    env.update(
        DJANGO_SETTINGS_MODULE="xietong.settings.dev",
        MEDIA_ROOT=str(tmp_path / "restored-media"),
        XIETONG_VAR_DIR=str(tmp_path / "restored-var"),
        DEBUG="0",
        AUDIT_HMAC_KEY=settings.AUDIT_HMAC_KEY,  # the chain is verified with the key it was written with
    )
    if connection.vendor == "sqlite":
        env["SQLITE_PATH"] = str(tmp_path / "restored.sqlite3")
        return env, None
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_restored_{uuid.uuid4().hex[:6]}"
    auth = {
        k: v
        for k, v in {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}.items()
        if v
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **auth) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    env["DATABASE_URL"] = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    return env, name


def drop(name: str | None) -> None:
    if name is None:
        return
    import psycopg

    db = connection.settings_dict
    auth = {
        k: v
        for k, v in {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"]}.items()
        if v
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **auth) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_and_storage(documents, tmp_path):
    from xietong.audit.models import AuditEntry

    entries = AuditEntry.objects.count()
    call_command("backup", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()
    assert {p.name for p in backup.iterdir()} == {
        "manifest.json",
        "media.tar",
        "database.sqlite3" if connection.vendor == "sqlite" else "database.dump",
    }
    env, created = fresh_target(tmp_path)
    try:
        restored = run("restore", str(backup), env=env)
        assert restored.returncode == 0, restored.stderr
        assert f"audit trail intact: {entries} entries" in restored.stdout
        assert f"documents intact: {documents} files match" in restored.stdout

        # A restore onto a database that is not empty refuses, and changes nothing.
        again = run("restore", str(backup), "--no-media", env=env)
        assert again.returncode != 0 and "not empty" in again.stderr

        # The check would see a damaged file.
        media = Path(env["MEDIA_ROOT"])
        victim = next(p for p in sorted(media.rglob("judiciary/rulings/**/*.pdf")))  # a file with its hash on record
        victim.write_bytes(victim.read_bytes() + b"tampered")
        check = run("verify_documents", env=env)
        assert check.returncode != 0 and "hash differs" in check.stderr
    finally:
        drop(created)


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_media_root_that_holds_files_and_a_damaged_backup(documents, tmp_path):
    call_command("backup", str(tmp_path / "backups"))
    (backup,) = (tmp_path / "backups").iterdir()
    env, created = fresh_target(tmp_path)
    try:
        Path(env["MEDIA_ROOT"]).mkdir(parents=True)
        (Path(env["MEDIA_ROOT"]) / "left-over.txt").write_text("x")
        refused = run("restore", str(backup), env=env)
        assert refused.returncode != 0 and "MEDIA_ROOT" in refused.stderr
        db_file = next(p for p in backup.iterdir() if p.name.startswith("database."))
        with db_file.open("ab") as fh:
            fh.write(b"\0")
        damaged = run("restore", str(backup), "--no-media", env=env)
        assert damaged.returncode != 0 and "damaged" in damaged.stderr
    finally:
        drop(created)


def test_every_model_with_a_stored_hash_is_verified():
    """A new model that keeps a file with its SHA-256 must be listed in DOCUMENT_HASHES."""
    from django.apps import apps
    from django.db.models import FileField

    listed = {(label.lower(), f) for label, f, _h in DOCUMENT_HASHES}
    for model in apps.get_models():
        if not model.__module__.startswith("xietong."):
            continue
        names = {f.name for f in model._meta.get_fields()}
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and ({"sha256", f"{field.name}_sha256"} & names):
                assert (model._meta.label_lower, field.name) in listed, model._meta.label
