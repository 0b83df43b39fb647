"""The back office never links a stored file's own URL (/media/ is not served): a file field shows the file's
name, linked to the audited download where there is one — read-only and editable forms alike."""

from __future__ import annotations

import posixpath
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from tests.support.agreements import agreement_make_signed
from tests.support.judiciary import confirm_case
from xietong.agreements.models import Agreement
from xietong.agreements.services import agreement_pdf_ensure
from xietong.cases.services import case_start_mediation
from xietong.intake.models import Application
from xietong.intake.services import DisputeDetails, ServiceAddress, Upload, citizen_apply
from xietong.judiciary.models import Ruling
from xietong.parties.models import Authorisation

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a test document\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def has_file_field(model: type[models.Model]) -> bool:
    return any(isinstance(f, models.FileField) for f in model._meta.fields)


def models_with_files() -> set[type[models.Model]]:
    """Every model the back office shows with a file field: its own, or one of its inlines'."""
    found = set()
    for model, model_admin in admin.site._registry.items():
        if has_file_field(model) or any(has_file_field(i.model) for i in model_admin.inlines):
            found.add(model)
    return found


@pytest.fixture
def stored(world: Any, monkeypatch: Any, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any):
    """One object with its file stored, per model of the back office with a file field."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    monkeypatch.setattr("xietong.judiciary.documents.render_pdf", lambda *a, **k: PDF)
    monkeypatch.setattr("xietong.judiciary.documents.pdf_from_html", lambda *a, **k: PDF)
    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    agreement = agreement_pdf_ensure(agreement=agreement_make_signed(case, world.users["mediator"]))
    with django_capture_on_commit_callbacks(execute=True):
        confirm_case(case, world.users["judge"], render=True)
    citizen_apply(
        user=world.users["party"],
        identity=None,
        institutions=[world.bank],
        dispute=DisputeDetails(product="credit_card", principal="100", interest=Decimal("0"), facts="f", wishes=[]),
        consent_online_mediation=True,
        consent_electronic_service=True,
        service_address=ServiceAddress(address="新罗区中山路1号", phone="13800138000"),
        attachments=[Upload(file=SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf"))],
    )
    ruling = Ruling.objects.get(case=case)
    auth = Authorisation.objects.get()
    assert agreement.pdf and ruling.pdf
    return {
        Authorisation: (auth, reverse("authorisation-document", args=[auth.pk])),
        Agreement: (Agreement.objects.get(pk=agreement.pk), reverse("agreement-pdf", args=[case.pk, agreement.pk])),
        Ruling: (ruling, reverse("judiciary-ruling-pdf", args=[case.pk, ruling.pk])),
        Application: (Application.objects.get(), None),
    }


def test_no_back_office_page_of_a_stored_file_links_into_media(world, stored):
    assert models_with_files() == set(stored), "a model of the back office with files has no object here"
    c = Client()
    c.force_login(world.users["admin"])  # the center admin: the only user of the back office
    for model, (obj, audited_url) in stored.items():
        opts = model._meta
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        for url in (change, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")):
            resp = c.get(url)
            assert resp.status_code == 200, url
            assert "/media/" not in resp.content.decode(), url
        html = c.get(change).content.decode()
        for f in opts.fields:
            if isinstance(f, models.FileField):
                assert posixpath.basename(getattr(obj, f.name).name) in html, (model, f.name)  # shown by name
        if audited_url:
            assert f'href="{audited_url}"' in html, model


def test_the_editable_upload_input_links_the_name_to_the_audited_download(world, stored):
    c = Client()
    c.force_login(world.users["admin"])
    auth, audited_url = stored[Authorisation]
    html = c.get(reverse("admin:parties_authorisation_change", args=[auth.pk])).content.decode()
    assert 'type="file" name="document"' in html  # still replaceable
    assert f'<a href="{audited_url}">{posixpath.basename(auth.document.name)}</a>' in html
    assert auth.document.name not in html  # never the stored path
