"""The 司法建议书 as PDF and DOCX: the text extracted contains the addressee and the recommendations."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from xietong.documents.render import docx_text
from xietong.suggestions.documents import suggestion_docx, suggestion_pdf

from .test_drafting import draft

pytestmark = pytest.mark.django_db


def test_the_pdf_has_the_addressee_and_the_numbered_recommendations_in_an_embedded_cjk_font(world):
    s = draft(world, copies_to=[world.users["regulator"].organisation])
    reader = PdfReader(io.BytesIO(suggestion_pdf(s)))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert world.bank.name in text
    assert "一、规范填写送达地址确认书" in text and "二、定期核对客户地址" in text
    assert world.users["regulator"].organisation.name in text
    fonts = set()
    for page in reader.pages:
        for f in page["/Resources"]["/Font"].values():
            font = f.get_object()
            desc = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            if any(k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                fonts.add(str(font["/BaseFont"]))
    assert any("CJK" in f for f in fonts), fonts


def test_the_docx_has_the_same_content(world):
    text = docx_text(suggestion_docx(draft(world)))
    assert world.bank.name in text and "二、定期核对客户地址" in text and "法律依据" in text


def test_the_signed_docx_is_dated_as_the_pdf_is(world):
    from django.utils import timezone

    from xietong.documents.render import chinese_date
    from xietong.suggestions.services import suggestion_sign

    from .conftest import grant

    signed = suggestion_sign(actor=grant(world.users["judge"]), suggestion=draft(world))
    text = docx_text(suggestion_docx(signed))
    day = timezone.localdate(signed.signed_at)
    assert f"{world.users['judge'].organisation.name}\n{chinese_date(day)}" in text
    assert f"{day.year}年{day.month}月{day.day}日" in text and "年0" not in text
