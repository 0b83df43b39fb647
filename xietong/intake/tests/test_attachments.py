from decimal import Decimal

import pytest
from django.urls import reverse

from xietong.audit.models import AuditEntry
from xietong.intake.services import DisputeDetails, ServiceAddress, Upload, citizen_apply
from xietong.intake.tests.helpers import pdf


@pytest.fixture
def case_with_pdf(world):
    result = citizen_apply(
        user=world.users["party"],
        identity=None,
        institutions=[world.bank],
        dispute=DisputeDetails(product="credit_card", principal="100", interest=Decimal("0"), facts="f", wishes=[]),
        consent_online_mediation=True,
        consent_electronic_service=True,
        service_address=ServiceAddress(address="新罗区中山路1号", phone="13800138000"),
        attachments=[Upload(file=pdf())],
    )
    case = result.application.cases.get()
    return case, result.application.attachments.get()


@pytest.mark.parametrize(
    "role,status", [("party", 200), ("clerk", 200), ("bank", 200), ("other_bank", 404), ("regulator", 403)]
)
def test_attachment_download_follows_case_visibility_and_is_audited(client, world, case_with_pdf, role, status):
    case, attachment = case_with_pdf
    client.force_login(world.users[role])
    before = AuditEntry.objects.filter(action="attachment.view").count()
    r = client.get(reverse("case-attachment", args=[case.pk, attachment.pk]))
    assert r.status_code == status
    if status == 200:
        assert r["Content-Type"] == "application/pdf"
        assert b"".join(r.streaming_content).startswith(b"%PDF")
        assert "attachment;" in r["Content-Disposition"]
        assert AuditEntry.objects.filter(action="attachment.view").count() == before + 1
    else:
        assert AuditEntry.objects.filter(action="attachment.view").count() == before


def test_case_page_links_its_attachments(client, world, case_with_pdf):
    case, attachment = case_with_pdf
    client.force_login(world.users["clerk"])
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert reverse("case-attachment", args=[case.pk, attachment.pk]) in html


def test_an_attachment_of_another_case_is_not_served_through_this_one(client, world, case_with_pdf):
    _case, attachment = case_with_pdf
    client.force_login(world.users["clerk"])
    other = world.cases["bank"]
    assert client.get(reverse("case-attachment", args=[other.pk, attachment.pk])).status_code == 404
