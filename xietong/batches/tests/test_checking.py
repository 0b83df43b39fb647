"""Row checks: each field normalised, or refused with the column and the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from xietong.batches.checking import auto_mapping, check_rows, error_text, resolve_columns
from xietong.batches.columns import FIELDS

from .helpers import HEADERS, good_row, make_id, row_list

TODAY = dt.date(2026, 11, 26)
COLUMNS = resolve_columns(HEADERS, auto_mapping(HEADERS))


def check(*rows, open_keys=frozenset()):
    numbered = [(i + 2, row_list(r)) for i, r in enumerate(rows)]
    return check_rows(numbered, columns=COLUMNS, headers=HEADERS, open_keys=open_keys, today=TODAY).rows


def errors_of(row):
    return {e["field"]: e["code"] for e in row.errors}


def test_template_headers_map_themselves():
    assert set(COLUMNS) == {f.key for f in FIELDS}


def test_a_good_row_is_normalised():
    (r,) = check(good_row(1, phone="+86 139-0000-0001", principal="１，２３４．５０", consent_e_service="否"))
    assert r.is_valid, r.errors
    assert r.data["phone"] == "13900000001"
    assert r.data["principal"] == "1234.50"
    assert r.data["interest"] == "100.00"
    assert r.data["product"] == "credit_card"
    assert r.data["consent_e_service"] is False
    assert r.data["overdue_since"] == "2026-03-01"


def test_wrong_id_check_digit():
    good = make_id(5)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    (r,) = check(good_row(1, id_number=bad))
    assert errors_of(r) == {"id_number": "id_checksum"}
    assert r.errors[0]["column"] == "身份证号"
    with translation.override("en"):
        assert "check digit" in error_text(r.errors[0])
    with translation.override("zh-hans"):
        assert "校验" in error_text(r.errors[0])


def test_id_number_stored_as_a_number_in_excel():
    (r,) = check(good_row(1, id_number=3.50802198501010e17))
    assert errors_of(r) == {"id_number": "number_as_text"}


@pytest.mark.parametrize("phone", ["12345", "1380013800", "abc"])
def test_bad_phone(phone):
    (r,) = check(good_row(1, phone=phone))
    assert errors_of(r) == {"phone": "phone"}


def test_international_phone_accepted():
    (r,) = check(good_row(1, phone="+62 812 3456 7890"))
    assert r.is_valid and r.data["phone"] == "+6281234567890"


@pytest.mark.parametrize(
    ("value", "code"),
    [("-5", "amount_negative"), ("1,2,3", "amount_format"), ("12.345", "amount_cents"), ("abc", "amount_format")],
)
def test_bad_amounts(value, code):
    (r,) = check(good_row(1, principal=value))
    assert errors_of(r) == {"principal": code}


def test_amounts_full_width_and_thousands_and_floats():
    (a, b, c) = check(
        good_row(1, principal="１２３４．５"), good_row(2, principal="1,234.50"), good_row(3, principal=1234.5)
    )
    assert a.data["principal"] == b.data["principal"] == c.data["principal"] == "1234.50"


def test_principal_required_interest_blank_is_zero():
    (r,) = check(good_row(1, principal="", interest=""))
    assert errors_of(r) == {"principal": "required"}
    assert r.data["interest"] == "0.00"


@pytest.mark.parametrize(
    "value",
    [
        46082,
        46082.0,
        "46082",
        "2026-03-01",
        "2026/3/1",
        "2026年3月1日",
        "2026.03.01",
        "20260301",
        dt.date(2026, 3, 1),
        dt.datetime(2026, 3, 1, 9, 30),
    ],
)
def test_dates_as_serials_and_text(value):
    (r,) = check(good_row(1, overdue_since=value))
    assert r.is_valid, r.errors
    assert r.data["overdue_since"] == "2026-03-01"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2026-13-01", "date_format"),
        ("yesterday", "date_format"),
        ("2027-01-01", "date_future"),
        ("1970-01-01", "date_implausible"),
    ],
)
def test_bad_dates(value, code):
    (r,) = check(good_row(1, overdue_since=value))
    assert errors_of(r) == {"overdue_since": code}


def test_product_by_label_code_or_english():
    rows = check(
        good_row(1, product="消费贷款"),
        good_row(2, product="mortgage"),
        good_row(3, product="business loan"),
        good_row(4, product="黄金"),
    )
    assert [r.data.get("product") for r in rows] == ["consumer_loan", "mortgage", "business_loan", None]
    assert errors_of(rows[3]) == {"product": "product"}


def test_overdue_days_and_consent_and_email():
    rows = check(
        good_row(1, overdue_days="-3"),
        good_row(2, overdue_days=""),
        good_row(3, consent_e_service="maybe"),
        good_row(4, service_email="not-an-email"),
        good_row(5, service_phone="123"),
    )
    assert errors_of(rows[0]) == {"overdue_days": "days"}
    assert rows[1].data["overdue_days"] == (TODAY - dt.date(2026, 3, 1)).days
    assert errors_of(rows[2]) == {"consent_e_service": "consent"}
    assert errors_of(rows[3]) == {"service_email": "email"}
    assert errors_of(rows[4]) == {"service_phone": "phone"}


def test_several_errors_in_one_row_are_all_reported():
    (r,) = check(good_row(1, name="", phone="1", principal="-1"))
    assert errors_of(r) == {"name": "required", "phone": "phone", "principal": "amount_negative"}


def test_duplicates_within_the_file():
    rows = check(good_row(1), good_row(2), good_row(1, name="另一人"), good_row(1))
    assert [r.is_duplicate for r in rows] == [False, False, True, True]
    assert rows[2].errors[0]["code"] == "duplicate_in_file"
    assert rows[2].errors[0]["params"] == {"row": "2"}
    with translation.override("en"):
        assert error_text(rows[2].errors[0]) == "Same person and card/contract as row 2."


def test_same_person_other_card_is_not_a_duplicate():
    rows = check(good_row(1), good_row(1, contract_number="6222999999999999"))
    assert not any(r.is_duplicate for r in rows)


def test_duplicate_of_an_open_case():
    row = good_row(7)
    (r,) = check(row, open_keys={(row["id_number"], row["contract_number"])})
    assert r.is_duplicate and r.errors[0]["code"] == "duplicate_open_case"


def test_the_templates_example_row_is_refused():
    from xietong.batches.columns import EXAMPLE_ROW

    (r,) = check(dict(EXAMPLE_ROW))
    assert errors_of(r) == {"contract_number": "example_row"}
