"""The one audited file download: every document or upload a user takes away is written to the audit
trail first, always with the same keys (what document, the case's number, the file's SHA-256), then sent
as an attachment.

Files that name no one (blank templates, the figures' aggregate workbook) are sent with `file_response`
alone; the view says so where it does."""

from __future__ import annotations

import hashlib
from typing import IO, Any

from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.http.request import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def file_response(content: bytes | IO[bytes], *, filename: str, content_type: str) -> HttpResponseBase:
    """An attachment that a browser never sniffs into something else: bytes rendered now, or a stored file
    streamed."""
    response: HttpResponseBase
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    else:
        response = FileResponse(content, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def download_audited(
    request: HttpRequest,
    *,
    obj: Any,
    case: Any,
    document: str,
    content: bytes | IO[bytes],
    filename: str,
    content_type: str = PDF,
    sha256: str = "",
    action: AuditAction = AuditAction.DOCUMENT_DOWNLOAD,
    actor: Any = None,
    details: dict[str, Any] | None = None,
    object_type: str | None = None,
    object_repr: str | None = None,
) -> HttpResponseBase:
    """Audit the download of `obj` (of `case`) by the request's user or `actor` (an API client, a party's
    service link), then send it.

    Every entry has `document` (what it is: "ruling", "enforcement_application", ...), `case` (the case's
    number; None for a document of no case, such as a judicial suggestion or a batch's export, which say
    what they belong to in `details`) and `sha256`: the stored hash of the file, or for content rendered
    on the fly the hash of what is sent. A download of no single object (a register) passes `obj=None`
    with `object_type` and `object_repr`."""
    if not sha256 and isinstance(content, bytes):
        sha256 = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        audit_record(
            actor=actor if actor is not None else request.user,
            action=action,
            obj=obj,
            object_type=object_type,
            object_repr=object_repr,
            after={
                "document": document,
                "case": case.number if case is not None else None,
                "sha256": sha256,
                **(details or {}),
            },
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    return file_response(content, filename=filename, content_type=content_type)
