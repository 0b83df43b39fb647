"""Writes for batches: upload (read, check every row, store as a checked batch), column mappings, import.

`batch_upload` and `mapping_save` create no case: a checked batch keeps every row (valid or not)
with its normalised data and its errors, for the operator's preview.

`batch_import(*, batch, actor)` turns the valid rows of a checked batch into cases, all in one
transaction (all or nothing): each row → `case_create(door=batch, institution as applicant, the
person as respondent)` → `case_auto_triage`. It is synchronous; running it as a background task
with a progress bar (`Batch.total` / `Batch.done`) and surviving a killed worker is the next step.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.accounts.models import Organisation
from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, audit_record
from xietong.cases.choices import Door, PartyRole
from xietong.cases.services import PersonParty, case_create
from xietong.core.errors import Conflict, DomainError, NotAllowed

from .checking import auto_mapping, check_rows, mark_names_on_file, resolve_columns
from .choices import BatchStatus
from .columns import FIELD_BY_KEY, FIELDS, KNOWN_HEADERS, REQUIRED, header_key
from .models import Batch, BatchRow, ColumnMapping
from .permissions import may_act_for
from .reader import Sheet, check_size, read_sheet
from .selectors import mapping_for, names_on_file, open_case_keys

ROW_CHUNK = 2000


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


def _missing(mapping: dict[str, str]) -> list[str]:
    return [k for k in REQUIRED if k not in mapping]


def batch_upload(*, actor: Any, institution: Organisation, file: IO[bytes] | Any) -> UploadResult:
    """Read and check an uploaded file; store it as a batch (checked, or waiting for a column mapping).

    Refusals (encoding, size, zip bomb, formulas, merged or empty headers, missing columns, no rows)
    raise DomainError with a stable code and store nothing. The same file uploaded again by the same
    institution returns the earlier batch.
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
    earlier = Batch.objects.filter(institution=institution, sha256=sha).first()
    if earlier is not None:
        return UploadResult(batch=earlier, created=False)
    started = time.perf_counter()
    sheet = _read(data, name)
    mapping = auto_mapping(sheet.headers)
    key = headers_fingerprint(sheet.headers)
    if _missing(mapping):
        saved = mapping_for(institution=institution, headers_key=key)
        if saved is not None and not _missing(saved.mapping) and set(saved.mapping.values()) <= set(sheet.headers):
            mapping = dict(saved.mapping)
        elif all(header_key(h) in KNOWN_HEADERS for h in sheet.headers) or len(sheet.headers) < len(REQUIRED):
            # The template's own columns, some left out: nothing to map, a column is missing.
            raise DomainError(
                _("Required columns are missing: %(columns)s. Download the template to see every column.")
                % {"columns": "、".join(FIELD_BY_KEY[k].header for k in _missing(mapping))},
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
                started=started,
            ),
            created=True,
        )
    except IntegrityError:  # the same file, uploaded at the same moment (a double submit)
        return UploadResult(batch=Batch.objects.get(institution=institution, sha256=sha), created=False)


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
    started: float,
) -> Batch:
    batch = Batch(
        institution=institution,
        uploaded_by=actor,
        original_name=name,
        source_format=sheet.format,
        encoding=sheet.encoding,
        size=len(data),
        sha256=sha,
        headers=sheet.headers,
        mapping=mapping,
        status=BatchStatus.UPLOADED,
        created_at=timezone.now(),
    )
    batch.file.save(f"{sha[:24]}.{sheet.format}", ContentFile(data), save=False)
    batch.full_clean(exclude=["file"])
    with transaction.atomic():  # the unique (institution, sha256) decides a double submit
        batch.save()
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_SUBMIT,
        obj=batch,
        after={"batch": batch.pk, "file": name, "sha256": sha, "rows": len(sheet.rows), "format": sheet.format},
    )
    if mapping:
        _check_and_store_rows(batch=batch, actor=actor, sheet=sheet, started=started)
    return batch


def _check_and_store_rows(*, batch: Batch, actor: Any, sheet: Sheet, started: float) -> None:
    columns = resolve_columns(sheet.headers, batch.mapping)
    result = check_rows(
        sheet.rows, columns=columns, headers=sheet.headers, open_keys=open_case_keys(institution=batch.institution)
    )
    mark_names_on_file(result, names_on_file(id_numbers=[r.id_number for r in result.rows]))
    objs = [
        BatchRow(
            batch=batch,
            number=r.number,
            raw=r.raw,
            data=r.data,
            errors=r.errors,
            is_valid=r.is_valid,
            is_duplicate=r.is_duplicate,
            id_number=r.id_number,
            contract_number=r.contract_number,
        )
        for r in result.rows
    ]
    BatchRow.objects.bulk_create(objs, batch_size=ROW_CHUNK)
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


def mapping_save(*, actor: Any, batch: Batch, mapping: dict[str, str]) -> Batch:
    """Map the template's fields to this batch's columns, remember it for the institution, check the rows."""
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
    missing = _missing(clean)
    if missing:
        raise DomainError(
            _("Choose a column for: %(fields)s.") % {"fields": "、".join(str(FIELD_BY_KEY[k].label) for k in missing)},
            code="mapping_missing",
        )
    started = time.perf_counter()
    with batch.file.open("rb") as fh:
        data = fh.read()
    sheet = _read(data, batch.original_name)
    return _map_and_check(actor=actor, batch=batch, mapping=clean, sheet=sheet, started=started)


@transaction.atomic
def _map_and_check(*, actor: Any, batch: Batch, mapping: dict[str, str], sheet: Sheet, started: float) -> Batch:
    locked = Batch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != BatchStatus.UPLOADED:  # a double submit of the mapping form
        return locked
    key = headers_fingerprint(locked.headers)
    existing = ColumnMapping.objects.filter(institution=locked.institution, headers_key=key).first()
    before = dict(existing.mapping) if existing else None
    saved, _created = ColumnMapping.objects.update_or_create(
        institution=locked.institution,
        headers_key=key,
        defaults={"headers": locked.headers, "mapping": mapping, "updated_by": actor, "updated_at": timezone.now()},
    )
    audit_record(actor=actor, action=AuditAction.REFERENCE_CHANGE, obj=saved, before=before, after=mapping)
    locked.mapping = mapping
    _check_and_store_rows(batch=locked, actor=actor, sheet=sheet, started=started)
    return locked


def mapping_choices(batch: Batch) -> list[tuple[str, str, bool, str]]:
    """(field key, label, required, suggested column) for the mapping form."""
    guess = auto_mapping(batch.headers)
    return [(f.key, str(f.label), f.required, batch.mapping.get(f.key) or guess.get(f.key, "")) for f in FIELDS]


@transaction.atomic
def batch_import(*, batch: Batch, actor: Any) -> Batch:
    """Open one pre-litigation case per valid row of a checked batch, triaged like any dispute. All or nothing.

    Rows are checked again against the institution's open cases (some may have been opened since the
    preview) and against the persons on file; a row that no longer passes refuses the whole import
    with a DomainError naming it, and nothing is stored. Court: the intake court, as for every door.
    """
    from xietong.intake.selectors import intake_court
    from xietong.intake.services import PartyDetails, person_find_or_create
    from xietong.triage.services import case_auto_triage

    if not may_act_for(actor, batch.institution):
        raise NotAllowed(_("You may not upload batches for this institution."), code="batch_forbidden")
    locked = Batch.objects.select_for_update().select_related("institution").get(pk=batch.pk)
    if locked.status != BatchStatus.CHECKED:
        raise Conflict(
            _("Only a checked batch can be imported; this one is %(status)s.")
            % {"status": BatchStatus(locked.status).label},
            code="batch_state",
        )
    rows = list(locked.rows.filter(is_valid=True, case__isnull=True).order_by("number"))
    if not rows:
        raise DomainError(_("This batch has no valid rows to import."), code="batch_empty")
    locked.status = BatchStatus.IMPORTING
    locked.total, locked.done = len(rows), 0
    locked.save(update_fields=["status", "total", "done"])
    court = intake_court()
    open_keys = open_case_keys(institution=locked.institution)
    for row in rows:
        d = row.data
        if (row.id_number, row.contract_number) in open_keys:
            raise DomainError(
                _("Row %(row)s: this person now has an open case for this card/contract. Upload the file again.")
                % {"row": row.number},
                code="batch_duplicate",
            )
        try:
            person = person_find_or_create(
                actor=actor,
                details=PartyDetails(
                    name=d["name"], id_number=d["id_number"], phone=d["phone"], address=d.get("address", "")
                ),
            )
        except ValidationError as e:
            raise DomainError(
                _("Row %(row)s: %(reason)s") % {"row": row.number, "reason": " ".join(e.messages)},
                code="batch_person",
            ) from None
        case = case_create(
            actor=actor,
            court=court,
            institution=locked.institution,
            institution_role=PartyRole.APPLICANT,
            product=d["product"],
            door=Door.BATCH,
            persons=[PersonParty(person=person, role=PartyRole.RESPONDENT)],
            principal=d["principal"],
            interest=d["interest"],
            penalty=d["penalty"],
            facts=_("Overdue since %(date)s (%(days)s days); card or contract number %(contract)s.")
            % {"date": d["overdue_since"], "days": d.get("overdue_days", ""), "contract": d["contract_number"]},
        )
        row.case = case_auto_triage(case=case, actor=SYSTEM)
        open_keys.add((row.id_number, row.contract_number))
        locked.done += 1
    BatchRow.objects.bulk_update(rows, ["case"], batch_size=ROW_CHUNK)
    locked.status = BatchStatus.IMPORTED
    locked.save(update_fields=["status", "done"])
    audit_record(
        actor=actor,
        action=AuditAction.INTAKE_SUBMIT,
        obj=locked,
        before={"status": BatchStatus.CHECKED},
        after={"status": locked.status, "cases": locked.done},
    )
    return locked
