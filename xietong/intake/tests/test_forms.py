"""Every bad input of the issue gets a clear message (Chinese and English) and writes nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from xietong.intake.forms import ApplicationForm, RegisterForm, RelativeApplicationForm
from xietong.intake.validators import check_upload, parse_amount

from .helpers import EXE, JPEG, PDF, PNG, exe_as_pdf, form_data, pdf

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("１２３４．５", Decimal("1234.50")),
        ("１，２３４", Decimal("1234.00")),
        ("¥800", Decimal("800.00")),
        ("800元", Decimal("800.00")),
        (" 12000 ", Decimal("12000.00")),
        ("", Decimal("0.00")),
        ("1,234,567.89", Decimal("1234567.89")),
    ],
)
def test_amounts_as_people_write_them(raw, value):
    assert parse_amount(raw) == value


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("-5", "amount_negative"),
        ("－5", "amount_negative"),
        ("1,2,3", "amount_format"),
        ("12,34", "amount_format"),
        ("1.234", "amount_cents"),
        ("abc", "amount_format"),
        ("1e5", "amount_format"),
        ("NaN", "amount_format"),
        ("1000000000000", "amount_too_large"),
    ],
)
def test_bad_amounts_are_refused_with_a_code(raw, code):
    with pytest.raises(ValidationError) as exc:
        parse_amount(raw)
    assert exc.value.code == code


def errors_of(form, field, lang):
    with translation.override(lang):
        form.is_valid()
        return " ".join(form.errors.get(field, []))


def make(world, files=None, cls=ApplicationForm, **over):
    return cls(form_data(world, **over), files or {}, needs_identity=False)


def test_minus_five_and_one_two_three_have_clear_messages_in_both_languages(world):
    assert "cannot be negative" in errors_of(make(world, principal="-5"), "principal", "en")
    # The Chinese catalogue is filled in later; the message is there in either language.
    assert errors_of(make(world, principal="-5"), "principal", "zh-hans")
    en = errors_of(make(world, interest="1,2,3"), "interest", "en")
    assert "1,234.50" in en


def test_wrong_id_check_digit(world):
    form = ApplicationForm(
        form_data(world, party_name="某人", party_id_number="350802199203070016", party_phone="13800138001"),
        {},
        needs_identity=True,
    )
    with translation.override("en"):
        assert not form.is_valid()
        assert "check digit" in " ".join(form.errors["party_id_number"])
    with translation.override("zh-hans"):
        form = ApplicationForm(
            form_data(world, party_name="某人", party_id_number="350802199203070016"), {}, needs_identity=True
        )
        form.is_valid()
        assert form.errors["party_id_number"]


def test_relative_wrong_id_check_digit(world):
    data = form_data(
        world,
        relative_name="黄老三",
        relative_id_number="35080219920307001X",
        relationship="sibling",
        reason="illness",
    )
    form = RelativeApplicationForm(data, {"authorisation_document": pdf()}, needs_identity=False)
    assert not form.is_valid()
    assert "relative_id_number" in form.errors


def test_sixty_megabyte_attachment_is_refused(world):
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * (60 * 1024 * 1024), content_type="application/pdf")
    form = make(world, files={"attachments": [big]})
    with translation.override("en"):
        assert not form.is_valid()
        msg = " ".join(form.errors["attachments"])
    assert "at most 10.0\xa0MB" in msg and "60.0\xa0MB" in msg and "scan.pdf" in msg


def test_exe_renamed_pdf_is_refused_by_content(world):
    form = make(world, files={"attachments": [pdf(), exe_as_pdf()]})
    with translation.override("en"):
        assert not form.is_valid()
        assert "not a PDF, JPG or PNG" in " ".join(form.errors["attachments"])


def test_real_types_pass_whatever_their_names():
    assert check_upload(SimpleUploadedFile("photo.pdf", JPEG)).detected_type == "jpeg"
    assert check_upload(SimpleUploadedFile("x", PNG)).detected_type == "png"
    assert check_upload(SimpleUploadedFile("a.PNG", PDF)).detected_type == "pdf"
    with pytest.raises(ValidationError):
        check_upload(SimpleUploadedFile("a.png", EXE))
    with pytest.raises(ValidationError):
        check_upload(SimpleUploadedFile("empty.pdf", b""))


def test_valid_form_and_consent_required(world):
    assert make(world).is_valid()
    form = make(world, consent_online_mediation=None)
    assert not form.is_valid() and "consent_online_mediation" in form.errors
    form = make(world, institutions=[])
    form.data = {**form.data, "institutions": []}
    assert not form.is_valid() and "institutions" in form.errors


def test_register_form_checks_id_and_passwords(db):
    form = RegisterForm(
        {"name": "陈新", "id_number": "350802199203070016", "phone": "1380013", "password1": "a", "password2": "b"}
    )
    assert not form.is_valid()
    assert {"id_number", "phone", "password2"} <= set(form.errors)
