"""The service panel of the case page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xietong.accounts.choices import Role
from xietong.cases.panels import CasePanel
from xietong.cases.permissions import actor_role

from .choices import DocumentKind
from .forms import AlternativeForm, AttemptForm, SendForm
from .selectors import service_status
from .services import is_recipient, may_record, may_send

OWN_RECORDS_ONLY = frozenset({Role.PARTY, Role.INSTITUTION_OPERATOR})


def service_panel(request: HttpRequest, case: Any) -> CasePanel | None:
    user = request.user
    role = actor_role(user)
    if role is None or role == Role.REGULATOR:
        return None
    documents = service_status(case)
    own_only = role in OWN_RECORDS_ONLY
    shown = []
    for document in documents:
        records = list(document.records.all())
        if own_only:
            records = [r for r in records if is_recipient(user, r)]
            if not records:
                continue
        shown.append({"document": document, "records": records})
    staff_may_send = role is not None and may_send(user, case)
    if not shown and not staff_may_send:
        return None
    return CasePanel(
        template="service/_case_panel.html",
        context={
            "documents": shown,
            "own_only": own_only,
            "may_record": may_record(user, case) and role is not None,
            "may_send": staff_may_send,
            "attempt_form": AttemptForm(),
            "alternative_form": AlternativeForm(),
            "send_form": SendForm(),
            "kinds": DocumentKind.choices,
        },
        column="main",
        order=50,
    )
