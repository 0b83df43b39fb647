"""Writes for batches: upload (read, check every row, store as a checked batch), column mappings, import.

`batch_upload` and `mapping_save` create no case: a checked batch keeps every row (valid or not)
with its normalised data and its errors, for the operator's preview.

The import turns the valid rows of a checked batch into triaged cases, all or nothing:
`batch_import_start` (a page or the API) queues it and enqueues the `import_batch` task;
`batch_import_run` (the task) prepares every case in memory, with progress committed as it goes,
then writes them in one short transaction of bulk inserts (see `importing`). A worker killed in the
middle leaves nothing of the batch; `batch_recover_stale` marks such a batch failed, and the
operator retries it (no automatic re-run: a batch that kills its worker would loop).
`batch_import` runs the same import synchronously (scripts, the demo).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
from dataclasses import asdict, dataclass
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.models import Organisation
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, ActorRef, actor_ref, audit_record
from xietong.cases.models import Category
from xietong.core.bulk import BulkWriter
from xietong.core.errors import Conflict, DomainError, NotAllowed
from xietong.core.memory import gc_paused

from .checking import auto_mapping, check_rows, mark_names_on_file, resolve_columns
from .choices import IMPORT_RUNNING, IMPORT_STARTABLE, BatchStatus, ImportPhase
from .columns import FIELD_BY_KEY, FIELDS, KNOWN_HEADERS, PRODUCT_ALIASES, REQUIRED, WHOLE_FILE, header_key
from .models import Batch, BatchRow, ColumnMapping
from .permissions import may_act_for
from .reader import Sheet, check_size, read_sheet
from .selectors import mapping_for, names_on_file, open_case_keys

ROW_CHUNK = 2000
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadResult:
    batch: Batch
    created: bool  # False: the same file was uploaded before; this is the earlier batch

    @property
    def needs_mapping(self) -> bool:
        return self.batch.status == BatchStatus.UPLOADED


def headers_fingerprint(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(header_key(h) for h in headers).encode()).hexdigest()


def _refusal(e: ValidationError) -> DomainError:
    return DomainError(e.messages[0], code=e.code or "file")


def _read(data: bytes, name: str) -> Sheet:
    try:
        return read_sheet(data, name=name)
    except ValidationError as e:
        raise _refusal(e) from None


def _missing(mapping: dict[str, str], values: dict[str, str] | None = None) -> list[str]:
    """The required fields that have neither a column nor a value for the whole file."""
    return [k for k in REQUIRED if k not in mapping and k not in (values or {})]


def whole_file_values(values: dict[str, Any] | None, *, mapping: dict[str, str] | None = None) -> dict[str, str]:
    """The values given for every row, checked: only the fields that may be given so (columns.WHOLE_FILE),
    each valid (a product by its code, its Chinese or English name), none for a field that has a column."""
    clean: dict[str, str] = {}
    for key, value in (values or {}).items():
        text = str(value or "").strip()
        if not text:
            continue
        if key not in WHOLE_FILE:
            raise DomainError(
                _("“%(field)s” cannot be given for the whole file; it needs a column.") % {"field": key},
                code="value_field",
            )
        if mapping and key in mapping:
            raise DomainError(
                _(
                    "%(field)s has a column in the file (“%(column)s”); choose the column or a value for every row, not both."
                )
                % {"field": FIELD_BY_KEY[key].label, "column": mapping[key]},
                code="value_and_column",
            )
        code = PRODUCT_ALIASES.get(text) or PRODUCT_ALIASES.get(text.lower())
        if code is None:
            raise DomainError(_("Unknown product “%(value)s”.") % {"value": text[:40]}, code="value_product")
        clean[key] = str(code)
    return clean


@gc_paused()
def batch_upload(
    *,
    actor: Any,
    institution: Organisation,
    file: IO[bytes] | Any,
    values: dict[str, Any] | None = None,
    category: Category | None = None,
) -> UploadResult:
    """Read and check an uploaded file; store it as a batch (checked, or waiting for a column mapping).

    Refusals (encoding, size, zip bomb, formulas, merged or empty headers, missing columns, no rows)
    raise DomainError with a stable code and store nothing. The same file uploaded again by the same
    institution returns the earlier batch. `values` (the API's): a value for every row of a field the
    file has no column for (its product); `category`: the category of every case. A file that lacks
    only such a field, with no value given nor saved with its headers, waits for its mapping, where
    the operator gives it.
    """
    if not may_act_for(actor, institution):
        raise NotAllowed(_("You may not upload batches for this institution."), code="batch_forbidden")
    name = str(getattr(file, "name", "") or "batch")[-200:]
    size = getattr(file, "size", None)
    if size is not None:
        try:
            check_size(int(size))  # before a byte is read
        except ValidationError as e:
            raise _refusal(e) from None
    file.seek(0)
    data = file.read()
    sha = hashlib.sha256(data).hexdigest()
    earlier = _live_twin(institution=institution, sha=sha)
    if earlier is not None:
        return UploadResult(batch=earlier, created=False)
    started = time.perf_counter()
    sheet = _read(data, name)
    mapping = auto_mapping(sheet.headers)
    given = whole_file_values(values, mapping=mapping)
    key = headers_fingerprint(sheet.headers)
    if _missing(mapping, given):
        saved = mapping_for(institution=institution, headers_key=key)
        missing = _missing(mapping, given)
        if (
            saved is not None
            and not _missing(saved.mapping, {**saved.values, **given})
            and set(saved.mapping.values()) <= set(sheet.headers)
        ):
            mapping = dict(saved.mapping)
            given = whole_file_values({**saved.values, **given}, mapping=mapping)
            category = category or saved.category
        elif set(missing) <= set(WHOLE_FILE):
            mapping = {}  # only a value for every row is missing: the operator gives it at mapping
        elif all(header_key(h) in KNOWN_HEADERS for h in sheet.headers) or len(sheet.headers) < len(REQUIRED):
            # The template's own columns, some left out: nothing to map, a column is missing.
            raise DomainError(
                _("Required columns are missing: %(columns)s. Download the template to see every column.")
                % {"columns": "、".join(FIELD_BY_KEY[k].header for k in missing if k not in WHOLE_FILE)},
                code="missing_column",
            )
        else:
            mapping = {}
    try:
        return UploadResult(
            batch=_store(
                actor=actor,
                institution=institution,
                name=name,
                data=data,
                sha=sha,
                sheet=sheet,
                mapping=mapping,
                values=given,
                category=category,
                started=started,
            ),
            created=True,
        )
    except IntegrityError:  # the same file, uploaded at the same moment (a double submit)
        twin = _live_twin(institution=institution, sha=sha)
        if twin is None:  # pragma: no cover - the twin failed and was set aside in between
            raise
        return UploadResult(batch=twin, created=False)


def _live_twin(*, institution: Organisation, sha: str, exclude: int | None = None) -> Batch | None:
    """The institution's batch of this file that has not failed (a failed one never blocks a new upload)."""
    twins = Batch.objects.filter(institution=institution, sha256=sha).exclude(status=BatchStatus.FAILED)
    if exclude is not None:
        twins = twins.exclude(pk=exclude)
    return twins.order_by("pk").first()


@transaction.atomic
def _store(
    *,
    actor: Any,
    institution: Organisation,
    name: str,
    data: bytes,
    sha: str,
    sheet: Sheet,
    mapping: dict[str, str],
    values: dict[str, str],
    category: Category | None,
    started: float,
) -> Batch:
    batch = Batch(
        institution=institution,
        uploaded_by=actor if getattr(actor, "actor_kind", "") == "user" else None,
        api_client=actor if getattr(actor, "actor_kind", "") == "api_client" else None,
        original_name=name,
        source_format=sheet.format,
        encoding=sheet.encoding,
        size=len(data),
        sha256=sha,
        headers=sheet.headers,
        mapping=mapping,
        values=values,
        category=category,
        header_row=sheet.header_row,
        blank_rows=sheet.blank_rows,
        total_rows=sheet.total_rows,
        status=BatchStatus.UPLOADED,
        created_at=timezone.now(),
    )
    batch.file.save(f"{sha[:24]}.{sheet.format}", ContentFile(data), save=False)
    # The database's unique (institution, sha256) decides a double submit, not a query beforehand:
    # a twin committed between a check here and the insert would otherwise be a validation error.
    batch.full_clean(exclude=["file"], validate_constraints=False)
    with transaction.atomic():
        batch.save()
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_SUBMIT,
        obj=batch,
        after={
            "batch": batch.pk,
            "file": name,
            "sha256": sha,
            "rows": len(sheet.rows),
            "format": sheet.format,
            "header_row": sheet.header_row,
            "blank_rows": sheet.blank_rows,
            "total_rows": sheet.total_rows,
            "values": batch.values,
            "category": category.code if category else None,
        },
    )
    if mapping:
        _check_and_store_rows(batch=batch, actor=actor, sheet=sheet, started=started)
    return batch


def _check_and_store_rows(*, batch: Batch, actor: Any, sheet: Sheet, started: float) -> None:
    columns = resolve_columns(sheet.headers, batch.mapping)
    result = check_rows(
        sheet.rows,
        columns=columns,
        headers=sheet.headers,
        open_keys=open_case_keys(institution=batch.institution),
        values=batch.values,
    )
    mark_names_on_file(result, names_on_file(id_numbers=[r.id_number for r in result.rows]))
    # One bulk insert (executemany / COPY): bulk_create's per-field work was the upload's largest cost.
    # A valid row keeps its checked data only: the cells as read are shown for refused rows (preview,
    # error report), and the file itself is kept with the batch.
    dumps = json.JSONEncoder(ensure_ascii=False, default=str).encode
    batch_id = batch.pk
    BulkWriter(timezone.now()).insert(
        BatchRow,
        ("batch_id", "number", "raw", "data", "errors", "is_valid", "is_duplicate", "id_number", "contract_number"),
        (
            (batch_id, r.number, "{}", dumps(r.data), "[]", True, False, r.id_number, r.contract_number)
            if not r.errors
            else (
                batch_id,
                r.number,
                dumps(r.raw),
                dumps(r.data),
                dumps(r.errors),
                False,
                r.is_duplicate,
                r.id_number,
                r.contract_number,
            )
            for r in result.rows
        ),
    )
    batch.row_count = len(result.rows)
    batch.valid_count = result.valid_count
    batch.error_count = result.error_count
    batch.duplicate_count = result.duplicate_count
    batch.total = batch.valid_count
    batch.done = 0
    batch.status = BatchStatus.CHECKED
    batch.check_seconds = round(time.perf_counter() - started, 3)
    batch.save()
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_SUBMIT,
        obj=batch,
        before={"status": BatchStatus.UPLOADED},
        after={
            "status": batch.status,
            "rows": batch.row_count,
            "valid": batch.valid_count,
            "errors": batch.error_count,
            "duplicates": batch.duplicate_count,
        },
    )


@gc_paused()
def mapping_save(
    *,
    actor: Any,
    batch: Batch,
    mapping: dict[str, str],
    values: dict[str, Any] | None = None,
    category: Category | None = None,
) -> Batch:
    """Map the template's fields to this batch's columns, remember it for the institution, check the rows.

    `values`: a value for every row of a field the file has no column for (its product: columns.WHOLE_FILE);
    `category`: the category of every case. Both are remembered with the mapping for the next upload.
    """
    if not may_act_for(actor, batch.institution):
        raise NotAllowed(_("You may not upload batches for this institution."), code="batch_forbidden")
    if batch.status != BatchStatus.UPLOADED:
        raise DomainError(_("This batch's columns are already mapped."), code="batch_mapped")
    clean = {k: v for k, v in mapping.items() if v and k in FIELD_BY_KEY}
    unknown = [v for v in clean.values() if v not in batch.headers]
    if unknown:
        raise DomainError(_("The file has no column “%(column)s”.") % {"column": unknown[0]}, code="mapping_column")
    if len(set(clean.values())) != len(clean):
        raise DomainError(_("Each column can be used for one field only."), code="mapping_twice")
    given = whole_file_values(values, mapping=clean)
    missing = _missing(clean, given)
    if missing:
        raise DomainError(
            _("Choose a column for: %(fields)s.") % {"fields": "、".join(str(FIELD_BY_KEY[k].label) for k in missing)}
            + (
                " " + _("A product the same for every row is chosen below the columns.")
                if set(missing) & set(WHOLE_FILE)
                else ""
            ),
            code="mapping_missing",
        )
    started = time.perf_counter()
    with batch.file.open("rb") as fh:
        data = fh.read()
    sheet = _read(data, batch.original_name)
    return _map_and_check(
        actor=actor, batch=batch, mapping=clean, values=given, category=category, sheet=sheet, started=started
    )


@transaction.atomic
def _map_and_check(
    *,
    actor: Any,
    batch: Batch,
    mapping: dict[str, str],
    values: dict[str, str],
    category: Category | None,
    sheet: Sheet,
    started: float,
) -> Batch:
    locked = Batch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != BatchStatus.UPLOADED:  # a double submit of the mapping form
        return locked
    key = headers_fingerprint(locked.headers)
    existing = ColumnMapping.objects.filter(institution=locked.institution, headers_key=key).first()
    before = (
        {"mapping": existing.mapping, "values": existing.values, "category": existing.category_id} if existing else None
    )
    saved, _created = ColumnMapping.objects.update_or_create(
        institution=locked.institution,
        headers_key=key,
        defaults={
            "headers": locked.headers,
            "mapping": mapping,
            "values": values,
            "category": category,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.REFERENCE_CHANGE,
        obj=saved,
        before=before,
        after={"mapping": mapping, "values": values, "category": category.pk if category else None},
    )
    locked.mapping, locked.values, locked.category = mapping, values, category
    locked.header_row, locked.blank_rows, locked.total_rows = sheet.header_row, sheet.blank_rows, sheet.total_rows
    _check_and_store_rows(batch=locked, actor=actor, sheet=sheet, started=started)
    return locked


def mapping_choices(batch: Batch) -> list[tuple[str, str, bool, str]]:
    """(field key, label, required, suggested column) for the mapping form."""
    guess = auto_mapping(batch.headers)
    return [(f.key, str(f.label), f.required, batch.mapping.get(f.key) or guess.get(f.key, "")) for f in FIELDS]


# The import ---------------------------------------------------------------------------------------


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def batch_import_start(*, batch: Batch, actor: Any, enqueue: bool = True) -> Batch:
    """Queue the import of a checked (or failed) batch and enqueue the `import_batch` task.

    A second start while the batch is queued or importing (a double click, a retried request) is a
    Conflict and enqueues nothing. The task is enqueued inside the same transaction as the status
    change: with the database backend the task row commits with it, or neither does.
    """
    from .tasks import import_batch

    if not may_act_for(actor, batch.institution):
        raise NotAllowed(_("You may not upload batches for this institution."), code="batch_forbidden")
    with transaction.atomic():
        locked = Batch.objects.select_for_update().select_related("institution").get(pk=batch.pk)
        if locked.status in IMPORT_RUNNING:
            raise Conflict(_("This batch is already being imported."), code="batch_importing")
        if locked.status not in IMPORT_STARTABLE:
            raise Conflict(
                _("Only a checked batch can be imported; this one is %(status)s.")
                % {"status": BatchStatus(locked.status).label},
                code="batch_state",
            )
        if locked.status == BatchStatus.FAILED:
            _recheck_failed(locked)
        n = locked.rows.filter(is_valid=True, case__isnull=True).count()
        if not n:
            raise DomainError(_("This batch has no valid rows to import."), code="batch_empty")
        before = {"status": locked.status, "failure": locked.failure}
        now = timezone.now()
        locked.status = BatchStatus.QUEUED
        locked.total, locked.done = n, 0
        locked.failure = ""
        locked.import_requested_by = asdict(actor_ref(actor))
        locked.import_requested_at = now
        locked.import_started_at = locked.import_finished_at = locked.heartbeat_at = None
        locked.import_phase = ""
        locked.import_worker = ""
        locked.import_task_id = ""
        locked.import_attempts += 1
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.BATCH_IMPORT_START,
            obj=locked,
            before=before,
            after={"status": locked.status, "rows": n, "attempt": locked.import_attempts},
        )
        if enqueue:
            backend = getattr(settings, "BATCH_IMPORT_TASK_BACKEND", "default")
            task = import_batch.using(backend=backend)
            result = task.enqueue(locked.pk)
            if _is_db_backend(task.get_backend()):  # recovery reads the task's row (see import_is_dead)
                Batch.objects.filter(pk=locked.pk, status=BatchStatus.QUEUED).update(import_task_id=str(result.id)[:64])
    locked.refresh_from_db()
    return locked


def _recheck_failed(batch: Batch) -> None:
    """Before a failed batch is imported again: check its rows against the cases open now.

    Rows whose person and card/contract got an open case meanwhile (another batch, the lookup, the API)
    are set aside as duplicates, as an upload would have; the rest are imported. The same file uploaded
    again as a live batch takes precedence: this one is then refused.
    """
    twin = _live_twin(institution=batch.institution, sha=batch.sha256, exclude=batch.pk)
    if twin is not None:
        raise Conflict(
            _("This file was uploaded again as batch #%(pk)s: import that batch.") % {"pk": twin.pk},
            code="batch_uploaded_again",
        )
    open_keys = open_case_keys(institution=batch.institution)
    column = batch.mapping.get("contract_number") or FIELD_BY_KEY["contract_number"].header
    taken = [
        row
        for row in batch.rows.filter(is_valid=True, case__isnull=True).only("pk", "id_number", "contract_number")
        if (row.id_number, row.contract_number) in open_keys
    ]
    if not taken:
        return
    error: dict[str, Any] = {
        "field": "contract_number",
        "column": column,
        "code": "duplicate_open_case",
        "message": "This person already has an open case for this card/contract.",
        "params": {},
    }
    for row in taken:
        row.is_valid, row.is_duplicate, row.errors = False, True, [error]
    BatchRow.objects.bulk_update(taken, ["is_valid", "is_duplicate", "errors"], batch_size=1000)
    batch.valid_count -= len(taken)
    batch.duplicate_count += len(taken)
    batch.save(update_fields=["valid_count", "duplicate_count"])


def _is_db_backend(backend: Any) -> bool:
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:  # pragma: no cover
        return False
    return isinstance(backend, DatabaseBackend)


def _actor_of(batch: Batch) -> ActorRef:
    ref = batch.import_requested_by or {}
    try:
        return ActorRef(**ref)
    except TypeError:
        return SYSTEM


def _progress(batch_id: int, me: str, done: int, phase: str = ImportPhase.PREPARING) -> None:
    from .importing import ImportAborted

    updated = Batch.objects.filter(pk=batch_id, status=BatchStatus.IMPORTING, import_worker=me).update(
        done=done, heartbeat_at=timezone.now(), import_phase=phase
    )
    if not updated:
        raise ImportAborted


@gc_paused()
def batch_import_run(*, batch_id: int) -> Batch | None:
    """The task's work: claim the queued batch, prepare, write all in one transaction. None: not ours."""
    from xietong.intake.selectors import intake_court

    from . import importing

    batch_recover_stale()
    me = worker_id()
    started = timezone.now()
    claimed = Batch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.IMPORTING,
        import_phase=ImportPhase.PREPARING,
        import_worker=me,
        import_started_at=started,
        heartbeat_at=started,
        done=0,
    )
    if not claimed:
        return None
    batch = Batch.objects.select_related("institution", "category").get(pk=batch_id)
    actor = _actor_of(batch)
    try:
        court = intake_court()
        prepared = importing.prepare(batch=batch, court=court, now=started, progress=partial(_progress, batch_id, me))
        _progress(batch_id, me, len(prepared), ImportPhase.WRITING)
        with transaction.atomic():
            locked = Batch.objects.select_for_update().get(pk=batch_id)
            if locked.status != BatchStatus.IMPORTING or locked.import_worker != me:
                raise importing.ImportAborted
            written = importing.write(batch=locked, court=court, prepared=prepared, actor=actor, now=started)
            finished = timezone.now()
            locked.status = BatchStatus.IMPORTED
            locked.total = locked.done = len(prepared)
            locked.import_phase = ""
            locked.import_finished_at = locked.heartbeat_at = finished
            locked.cases_from, locked.cases_to = written.first_number, written.last_number
            locked.save()
            audit_record(
                actor=actor,
                action=AuditAction.BATCH_IMPORT,
                obj=locked,
                before={"status": BatchStatus.IMPORTING},
                after={
                    "status": locked.status,
                    "cases": len(written.case_ids),
                    "first_number": written.first_number,
                    "last_number": written.last_number,
                    "persons_created": written.persons_created,
                    "service_addresses": written.service_addresses,
                    "triage": "auto",
                    "seconds": round((finished - started).total_seconds(), 3),
                },
            )
        importing.refresh_statistics(len(written.case_ids))
        return locked
    except importing.ImportAborted:
        return Batch.objects.get(pk=batch_id)
    except DomainError as e:
        _fail(batch_id, me, str(e.message), code=e.code or "")
        return Batch.objects.get(pk=batch_id)
    except Exception as e:
        logger.exception("batch %s: import failed", batch_id)
        _fail(batch_id, me, _("The import failed (%(error)s); nothing was stored.") % {"error": type(e).__name__})
        raise


def _fail(batch_id: int, worker: str, message: str, *, code: str = "", interrupted: bool = False) -> bool:
    """Mark the import failed (retryable) if it is still this worker's; nothing of it was stored."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().filter(pk=batch_id, status__in=IMPORT_RUNNING).first()
        if batch is None or batch.import_worker != worker:
            return False
        before = {"status": batch.status, "phase": batch.import_phase, "done": batch.done, "worker": worker}
        batch.status = BatchStatus.FAILED
        batch.failure = message[:2000]
        batch.import_phase = ""
        batch.done = 0
        batch.import_finished_at = timezone.now()
        batch.save()
        audit_record(
            actor=SYSTEM,
            action=AuditAction.BATCH_IMPORT_FAIL,
            obj=batch,
            before=before,
            after={"status": batch.status, "failure": batch.failure, "code": code, "interrupted": interrupted},
        )
    return True


def batch_import(*, batch: Batch, actor: Any) -> Batch:
    """The same import, now, in this process (scripts and the demo). Raises DomainError when refused."""
    queued = batch_import_start(batch=batch, actor=actor, enqueue=False)
    batch_import_run(batch_id=queued.pk)
    done = Batch.objects.select_related("institution").get(pk=queued.pk)
    if done.status != BatchStatus.IMPORTED:
        raise DomainError(done.failure or _("The import failed; nothing was stored."), code="batch_import_failed")
    return done


# Recovery after a killed worker ----------------------------------------------------------------------


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"  # a zombie is dead
    except OSError:
        return True


def _task_status(task_id: str) -> str | None:
    """The database task's status (READY, RUNNING, SUCCESSFUL, FAILED), or None when not known."""
    if not task_id:
        return None
    try:
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(id=task_id).values_list("status", flat=True).first() or "GONE"
    except Exception:  # not the database backend, or not a task id of it
        return None


def import_is_dead(batch: Batch, now: Any = None) -> bool:
    """Whether a queued or importing batch has nobody left working on it.

    Importing: the worker process is gone (same host: its pid; another host: no sign of life for
    BATCH_IMPORT_STALE_SECONDS, default 600 — the write phase gives none on SQLite), or its task
    ended. Queued: its database task ended (or vanished) without starting the import.
    """
    now = now or timezone.now()
    task = _task_status(batch.import_task_id)
    if batch.status == BatchStatus.QUEUED:
        return task in ("SUCCESSFUL", "FAILED", "GONE")
    if batch.status != BatchStatus.IMPORTING:
        return False
    if task in ("SUCCESSFUL", "FAILED"):
        return True
    host, _sep, pid = batch.import_worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not _pid_alive(int(pid))
    stale = float(getattr(settings, "BATCH_IMPORT_STALE_SECONDS", 600))
    beat = batch.heartbeat_at or batch.import_started_at
    return beat is None or (now - beat).total_seconds() > stale


def batch_recover_stale(*, batch_id: int | None = None) -> list[int]:
    """Mark failed (retryable) every import whose worker died; returns their ids. Nothing was stored."""
    qs = Batch.objects.filter(status__in=IMPORT_RUNNING)
    if batch_id is not None:
        qs = qs.filter(pk=batch_id)
    recovered = []
    for batch in qs:
        if not import_is_dead(batch):
            continue
        message = _("The import was interrupted (its worker stopped); nothing was stored. Retry it.")
        if _fail(batch.pk, batch.import_worker, message, code="interrupted", interrupted=True):
            recovered.append(batch.pk)
            _end_task(batch.import_task_id)
    return recovered


def _end_task(task_id: str) -> None:
    """The dead worker's task stays RUNNING in django-tasks-db; close it so it is not shown as running."""
    if not task_id:
        return
    try:
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(status="FAILED", finished_at=timezone.now())
    except Exception:
        logger.warning("task %s of an interrupted import could not be closed", task_id)
