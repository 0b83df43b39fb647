"""The demo seed on the small world: the Rural Commercial Bank's credit-card letters fail more, nothing is
sent to anyone, every time lies in the case's history, and the audit trail stays intact."""

from __future__ import annotations

import pytest
from django.utils import timezone

from xietong.audit.services import SYSTEM, audit_verify
from xietong.cases.choices import CaseState
from xietong.cases.models import Case
from xietong.cases.services import case_assign_mediator, case_transition, case_triage
from xietong.notifications.backends import LocmemSmsBackend
from xietong.service import demo
from xietong.service.choices import AttemptMethod
from xietong.service.models import ServedDocument, ServiceAttempt

from .conftest import on_file, person_party

pytestmark = pytest.mark.django_db


def test_seed_serves_later_cases_in_their_history(world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(demo, "DEFECT_SHARE", 1.0)  # every letter of the bank's credit-card cases comes back
    monkeypatch.setattr(demo, "_PDF", b"%PDF-1.4\n% demo\n%%EOF\n")
    case = world.cases["other_bank"]  # the world's 龙岩农村商业银行
    on_file(person_party(case).person)
    Case.objects.filter(pk=case.pk).update(submitted_at=timezone.now() - timezone.timedelta(days=20))
    case_triage(case=case, actor=SYSTEM)
    case_assign_mediator(case=case, actor=world.users["clerk"], mediator=world.users["mediator"])
    case_transition(case=case.pk, code="start_mediation", actor=world.users["mediator"])
    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(actor=SYSTEM)
    assert LocmemSmsBackend.outbox == []
    doc = ServedDocument.objects.get(case=case)
    case.refresh_from_db()
    assert case.state == CaseState.MEDIATING
    attempts = ServiceAttempt.objects.filter(record__document=doc, method=AttemptMethod.POSTAL)
    assert attempts.filter(outcome__in=["address_wrong", "moved", "returned"]).count() == 1
    times = list(ServiceAttempt.objects.filter(record__document=doc).values_list("at", flat=True))
    assert all(case.submitted_at < t <= timezone.now() for t in times)
    assert ServedDocument.objects.filter(case__state=CaseState.TRIAGED).count() == 0
    assert audit_verify()[1] is None
    # Loading again adds nothing to a case already served.
    demo.seed(actor=SYSTEM)
    assert ServedDocument.objects.filter(case=case).count() == 1
