"""The signed authorisation a relative acts under: its audited download, from the case page (the party it
is used for) and from the back office (the authorisation itself).

Who may open it is `intake.authorisation`: the person and the relative, the center, and the court's staff
and mediators who may see a case it is used in; never an institution, a station or a regulator."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from xietong.accounts.permissions import may
from xietong.cases.models import CaseParty
from xietong.cases.views import case_or_404
from xietong.documents.downloads import download_audited
from xietong.parties.models import Authorisation

from .choices import DetectedType
from .validators import MAGIC

CONTENT_TYPES: dict[str, str] = {
    DetectedType.PDF: "application/pdf",
    DetectedType.JPEG: "image/jpeg",
    DetectedType.PNG: "image/png",
}
EXTENSIONS: dict[str, str] = {DetectedType.PDF: "pdf", DetectedType.JPEG: "jpg", DetectedType.PNG: "png"}


def _send(request: HttpRequest, authorisation: Authorisation, case: Any, stem: str) -> HttpResponseBase:
    """Audit and send the document: read whole (at most 10 MB at intake) so that the entry's hash is that of
    the bytes sent, typed by its content (the back office accepts any upload: unknown types go as bytes)."""
    if not authorisation.document:
        raise Http404(_("No authorisation document is on file."))
    try:
        with authorisation.document.open("rb") as f:
            content = f.read()
    except FileNotFoundError:
        raise Http404(_("No authorisation document is on file.")) from None
    kind = next((kind for magic, kind in MAGIC if content.startswith(magic)), None)
    return download_audited(
        request,
        obj=authorisation,
        case=case,
        document="authorisation",
        content=content,
        filename=f"{stem}.{EXTENSIONS[kind]}" if kind else stem,
        content_type=CONTENT_TYPES[kind] if kind else "application/octet-stream",
        details={"principal": authorisation.principal_id, "agent": authorisation.agent_id},
    )


@login_required
def case_party_authorisation(request: HttpRequest, pk: int, party_pk: int) -> HttpResponseBase:
    """The authorisation of a relative acting for a party of a case the user may see."""
    case = case_or_404(request, pk)
    party = CaseParty.objects.select_related("authorisation").filter(case=case, pk=party_pk).first()
    if party is None or party.authorisation is None:
        raise Http404(_("No such authorisation."))
    if not may(request.user, "intake.authorisation", party.authorisation):
        raise PermissionDenied
    return _send(request, party.authorisation, case, f"{case.number}-authorisation-{party.authorisation.pk}")


@login_required
def authorisation_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The authorisation itself, whether or not a case uses it (the back office's link)."""
    if not may(request.user, "intake.authorisation"):
        raise PermissionDenied
    authorisation = Authorisation.objects.filter(pk=pk).first()
    if authorisation is None or not may(request.user, "intake.authorisation", authorisation):
        raise Http404(_("No such authorisation."))
    return _send(request, authorisation, None, f"authorisation-{authorisation.pk}")
