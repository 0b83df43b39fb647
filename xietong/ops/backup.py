"""Backups that restore: the database and the uploaded files, in one directory with a manifest.

    manage.py backup /backups                # → /backups/xietong-backup-20261207T031500Z/
    manage.py restore /backups/xietong-backup-20261207T031500Z

A backup directory holds:

- `database.sqlite3` (SQLite's online backup API: a consistent copy while the platform runs) or
  `database.dump` (PostgreSQL: `pg_dump --format=custom`, one consistent snapshot);
- `media.tar`: every file under MEDIA_ROOT (uploads, rendered PDFs, batch files);
- `manifest.json`: what it holds, the database vendor, the applied migrations, and the SHA-256 and
  size of both files, checked before anything is restored.

`restore` refuses a database that holds any table, and a MEDIA_ROOT that holds any file: it restores
into fresh ones only. Afterwards it checks the audit trail's hash chain (`verify_audit`) and every
document's stored hash against its file (`documents_verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar"
FORMAT = 1

# Every stored file whose hash the platform recorded: (model, file field, hash field).
DOCUMENT_HASHES: tuple[tuple[str, str, str], ...] = (
    ("agreements.Agreement", "pdf", "pdf_sha256"),
    ("judiciary.Ruling", "pdf", "sha256"),
    ("service.ServedDocument", "file", "sha256"),
    ("intake.Attachment", "file", "sha256"),
    ("batches.Batch", "file", "sha256"),
    ("service.OrganisationDocument", "file", "sha256"),
    ("repayment.PaymentFile", "file", "sha256"),
    ("repayment.PaymentDeclaration", "voucher", "voucher_sha256"),
    ("suggestions.AnswerAttachment", "file", "sha256"),
)


class BackupError(Exception):
    pass


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _pg_params(alias: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore; the password goes through the environment."""
    db = settings.DATABASES[alias]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client, the server's major version)")
    return path


def _media_root() -> Path:
    from django.core.files.storage import FileSystemStorage, default_storage

    if not isinstance(default_storage, FileSystemStorage):
        raise BackupError(
            "the uploads are in object storage (STORAGES['default']), not in MEDIA_ROOT: back up the bucket "
            "with its own versioning or replication and pass --no-media"
        )
    return Path(settings.MEDIA_ROOT)


def backup_create(dest: Path, *, alias: str = DEFAULT_DB_ALIAS, media: bool = True) -> Path:
    """Write a backup directory under `dest`; returns its path."""
    connection = connections[alias]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = dest / f"xietong-backup-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    vendor = connection.vendor
    if vendor == "sqlite":
        db_file = target / "database.sqlite3"
        connection.ensure_connection()
        out = sqlite3.connect(db_file)
        try:
            connection.connection.backup(out)  # online: a consistent copy while others write
        finally:
            out.close()
    elif vendor == "postgresql":
        db_file = target / "database.dump"
        args, env = _pg_params(alias)
        dump = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(db_file)]
        subprocess.run([*dump, *args], env=env, check=True)  # noqa: S603 - our settings, no shell
    else:
        raise BackupError(f"no backup for the {vendor} database")
    files = 0
    if media:
        root = _media_root()
        with tarfile.open(target / MEDIA_ARCHIVE, "w") as tar:
            if root.exists():
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
                        files += 1
    applied = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "vendor": vendor,
        "database": {"file": db_file.name, "sha256": file_sha256(db_file), "size": db_file.stat().st_size},
        "media": (
            {
                "file": MEDIA_ARCHIVE,
                "files": files,
                "sha256": file_sha256(target / MEDIA_ARCHIVE),
                "size": (target / MEDIA_ARCHIVE).stat().st_size,
            }
            if media
            else None
        ),
        "migrations": applied,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return target


def _database_is_empty(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        return not connections[alias].introspection.table_names(cursor)


def backup_restore(source: Path, *, alias: str = DEFAULT_DB_ALIAS, media: bool = True) -> dict[str, Any]:
    """Restore a backup directory into an empty database and an empty MEDIA_ROOT."""
    manifest = json.loads((source / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    connection = connections[alias]
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"a {manifest['vendor']} backup cannot be restored into {connection.vendor}")
    db_file = source / manifest["database"]["file"]
    if file_sha256(db_file) != manifest["database"]["sha256"]:
        raise BackupError(f"{db_file.name} does not match its SHA-256 in the manifest: the backup is damaged")
    if media and manifest.get("media"):
        archive = source / manifest["media"]["file"]
        if file_sha256(archive) != manifest["media"]["sha256"]:
            raise BackupError(f"{archive.name} does not match its SHA-256 in the manifest: the backup is damaged")
    if not _database_is_empty(alias):
        raise BackupError("the database is not empty: restore into a new, empty database")
    root = _media_root() if media and manifest.get("media") else None
    if root is not None and root.exists() and any(p.is_file() for p in root.rglob("*")):
        raise BackupError(f"MEDIA_ROOT ({root}) holds files: restore into an empty directory")

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        src = sqlite3.connect(db_file)
        try:
            src.backup(connection.connection)
        finally:
            src.close()
    else:
        args, env = _pg_params(alias)
        connection.close()
        restore = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        subprocess.run([*restore, *args, str(db_file)], env=env, check=True)  # noqa: S603 - our settings, no shell
    restored_files = 0
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / manifest["media"]["file"]) as tar:
            tar.extractall(root, filter="data")  # refuses absolute paths, "..", devices and links out
            restored_files = sum(1 for m in tar.getmembers() if m.isfile())
    return {"vendor": manifest["vendor"], "files": restored_files, "created_at": manifest["created_at"]}


@dataclass(frozen=True)
class DocumentProblem:
    model: str
    pk: Any
    name: str
    reason: str


def documents_verify() -> tuple[int, list[DocumentProblem]]:
    """Every stored document's file against its recorded SHA-256: (files checked, problems)."""
    checked = 0
    problems: list[DocumentProblem] = []
    for label, file_field, hash_field in DOCUMENT_HASHES:
        model = apps.get_model(label)
        rows = model.objects.exclude(**{file_field: ""}).values_list("pk", file_field, hash_field)
        storage = model._meta.get_field(file_field).storage
        for pk, name, expected in rows.iterator(chunk_size=2000):
            checked += 1
            if not expected:
                problems.append(DocumentProblem(label, pk, name, "no hash recorded"))
                continue
            if not storage.exists(name):
                problems.append(DocumentProblem(label, pk, name, "file missing"))
                continue
            with storage.open(name, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256")
            if digest.hexdigest() != expected:
                problems.append(DocumentProblem(label, pk, name, "hash differs"))
    return checked, problems
