"""The service panel of the case page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xietong.accounts.permissions import may
from xietong.cases.panels import CasePanel

from .choices import DocumentKind
from .forms import AlternativeForm, AttemptForm, SendForm
from .selectors import service_status
from .services import is_recipient, may_record, may_send


def service_panel(request: HttpRequest, case: Any) -> CasePanel | None:
    user = request.user
    if not may(user, "cases.view"):
        return None
    documents = service_status(case)
    own_only = may(user, "service.receive")  # the parties and institutions: what was served on them
    shown = []
    for document in documents:
        records = list(document.records.all())
        if own_only:
            records = [r for r in records if is_recipient(user, r)]
            if not records:
                continue
        shown.append({"document": document, "records": records})
    staff_may_send = may_send(user, case)
    if not shown and not staff_may_send:
        return None
    return CasePanel(
        template="service/_case_panel.html",
        context={
            "documents": shown,
            "own_only": own_only,
            "may_record": may_record(user, case),
            "may_send": staff_may_send,
            "attempt_form": AttemptForm(),
            "alternative_form": AlternativeForm(),
            "send_form": SendForm(),
            "kinds": DocumentKind.choices,
        },
        column="main",
        order=50,
    )
