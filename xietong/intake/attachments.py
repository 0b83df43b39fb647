"""A case's attachments: the panel on the case page and the audited download."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from xietong.audit.choices import AuditAction
from xietong.cases.panels import CasePanel
from xietong.cases.views import case_or_404
from xietong.documents.downloads import download_audited

from .models import Attachment


def case_attachments(case: Any) -> Any:
    return Attachment.objects.filter(Q(case=case) | Q(application__cases=case)).distinct()


ATTACHMENT_CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}


@login_required
def case_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    """Download one attachment of a case the user may see (regulators never); every download is audited."""
    case = case_or_404(request, pk)
    attachment = case_attachments(case).filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    ext = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[attachment.detected_type]
    return download_audited(
        request,
        obj=attachment,
        case=case,
        document="attachment",
        content=attachment.file.open("rb"),
        filename=f"{case.number}-{attachment.pk}.{ext}",
        content_type=ATTACHMENT_CONTENT_TYPES[attachment.detected_type],
        sha256=attachment.sha256,
        action=AuditAction.ATTACHMENT_VIEW,
    )


def attachments_panel(request: HttpRequest, case: Any) -> CasePanel | None:
    attachments = list(case_attachments(case))
    if not attachments:
        return None
    return CasePanel(
        template="intake/_attachments_panel.html",
        context={"case": case, "attachments": attachments},
        column="main",
        order=10,
    )
