from __future__ import annotations

from typing import Any

import pytest

from xietong.cases.models import Case
from xietong.cases.services import case_fail_mediation, case_start_mediation

FAKE_PDF = b"%PDF-1.4\n% rendered in the tests without WeasyPrint\n%%EOF\n"


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "real_pdf: render documents with WeasyPrint (slow)")


@pytest.fixture(autouse=True)
def fast_pdf(request: Any, monkeypatch: Any, settings: Any, tmp_path: Any) -> None:
    """Documents are rendered for real only in the tests marked real_pdf (a render takes ~0.5 s)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    if request.node.get_closest_marker("real_pdf") is None:
        monkeypatch.setattr("xietong.judiciary.documents.render_pdf", lambda *a, **k: FAKE_PDF)
        monkeypatch.setattr("xietong.judiciary.documents.pdf_from_html", lambda *a, **k: FAKE_PDF)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def mediating(world: Any) -> Case:
    case = world.cases["bank"]
    case_start_mediation(case=case, actor=world.users["mediator"])
    return fresh(case)


@pytest.fixture
def agreed(world: Any, mediating: Case) -> Case:
    """The bank case with its agreement signed by every party: AGREEMENT."""
    from tests.support.judiciary import ensure_signed_agreement

    ensure_signed_agreement(mediating, world.users["mediator"])
    case = fresh(mediating)
    assert case.state == "agreement"
    return case


@pytest.fixture
def failed(world: Any, mediating: Case) -> Case:
    case_fail_mediation(case=mediating, actor=world.users["mediator"], note="被申请人拒绝任何还款方案")
    return fresh(mediating)


@pytest.fixture
def filed(world: Any, failed: Case) -> Case:
    from tests.support.judiciary import file_case

    file_case(failed, world.users["clerk"])
    return fresh(failed)
