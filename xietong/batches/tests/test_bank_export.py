"""A real bank's export: a title (merged across the columns) and notes above the header, totals below."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from xietong.batches.columns import FIELDS
from xietong.batches.reader import read_sheet
from xietong.batches.services import batch_upload

from .helpers import HEADERS, good_row, upload

pytestmark = pytest.mark.django_db

KEYS = [f.key for f in FIELDS]


def _export_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["某银行信用卡中心逾期客户清单（2026年11月）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(["导出时间：2026-11-30", "", "单位：元"])
    ws.append(HEADERS)
    for n in (1, 2, 3):
        ws.append([good_row(n)[k] for k in KEYS])
    ws.append([])
    ws.append(["合计", "", "", "", "", "3,703.50"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _export_csv() -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["某银行信用卡中心逾期客户清单"])
    w.writerow([])
    w.writerow(HEADERS)
    w.writerow([good_row(1)[k] for k in KEYS])
    w.writerow([])
    w.writerow([good_row(2)[k] for k in KEYS])
    w.writerow(["总计：2户"])
    return out.getvalue().encode("gb18030")


def test_xlsx_title_merged_above_the_header_and_a_total_below():
    sheet = read_sheet(_export_xlsx(), name="export.xlsx")
    assert sheet.header_row == 3 and sheet.headers == HEADERS
    assert [n for n, _ in sheet.rows] == [4, 5, 6]
    assert (sheet.blank_rows, sheet.total_rows) == (1, 1)


def test_csv_gb18030_title_blank_rows_and_total():
    sheet = read_sheet(_export_csv(), name="export.csv")
    assert sheet.encoding == "gb18030" and sheet.header_row == 3
    assert [n for n, _ in sheet.rows] == [4, 6]
    assert (sheet.blank_rows, sheet.total_rows) == (1, 1)


@pytest.mark.parametrize("make,name", [(_export_xlsx, "export.xlsx"), (_export_csv, "export.csv")])
def test_a_bank_export_uploads_with_every_row_valid(world, make, name):
    b = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(make(), name)).batch
    assert b.error_count == 0 and b.valid_count == b.row_count > 0


def test_a_total_word_in_the_middle_of_the_data_is_data_not_skipped(world):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(HEADERS)
    w.writerow(["合计", *[good_row(1)[k] for k in KEYS[1:]]])
    w.writerow([good_row(2)[k] for k in KEYS])
    b = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(out.getvalue().encode())).batch
    assert b.row_count == 2 and sorted(b.rows.values_list("number", flat=True)) == [2, 3]


# A credit-card department's export: no product column (every row is a credit card) -----------------

NO_PRODUCT = [k for k in KEYS if k != "product"]
NO_PRODUCT_HEADERS = [h for h, k in zip(HEADERS, KEYS, strict=True) if k != "product"]


def _card_export_xlsx(*ns: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["某银行信用卡中心逾期客户清单（2026年11月）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(NO_PRODUCT_HEADERS))
    ws.append(["导出时间：2026-11-30", "", "单位：元"])
    ws.append(NO_PRODUCT_HEADERS)
    for i, n in enumerate(ns):
        if i == 1:
            ws.append([])  # a blank row between the data
        ws.append([good_row(n)[k] for k in NO_PRODUCT])
    ws.append([])
    ws.append(["合计", "", "", "", "", "3,703.50"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _card_export_csv(*ns: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["某银行信用卡中心逾期客户清单"])
    w.writerow([])
    w.writerow(NO_PRODUCT_HEADERS)
    for i, n in enumerate(ns):
        if i == 1:
            w.writerow([])
        w.writerow([good_row(n)[k] for k in NO_PRODUCT])
    w.writerow(["总计：2户"])
    return out.getvalue().encode("gb18030")


# (file, name, (header row, blank rows ignored, total rows set aside))
CARD_EXPORTS = [(_card_export_xlsx, "card.xlsx", (3, 2, 1)), (_card_export_csv, "card.csv", (3, 1, 1))]


@pytest.mark.parametrize("make,name,set_aside", CARD_EXPORTS)
def test_an_export_without_a_product_column_waits_for_its_product_then_imports(world, make, name, set_aside):
    from xietong.batches.checking import auto_mapping
    from xietong.batches.choices import BatchStatus
    from xietong.batches.models import ColumnMapping
    from xietong.batches.services import batch_import, mapping_save
    from xietong.cases.models import Case, Category

    bank = world.users["bank"]
    result = batch_upload(actor=bank, institution=world.bank, file=upload(make(1, 2, 3), name))
    b = result.batch
    assert result.needs_mapping and b.status == BatchStatus.UPLOADED  # not refused for its missing column
    assert (b.header_row, b.blank_rows, b.total_rows) == set_aside  # stored for the preview
    card = Category.objects.get(code="credit-card")
    mapping = auto_mapping(b.headers)
    assert "product" not in mapping
    b = mapping_save(actor=bank, batch=b, mapping=mapping, values={"product": "credit_card"}, category=card)
    assert b.status == BatchStatus.CHECKED and b.error_count == 0 and b.valid_count == b.row_count == 3
    assert b.values == {"product": "credit_card"} and b.category == card
    assert {r.data["product"] for r in b.rows.all()} == {"credit_card"}
    # Remembered with the columns: next month's export of the same shape is checked at once.
    saved = ColumnMapping.objects.get(institution=world.bank)
    assert saved.values == {"product": "credit_card"} and saved.category == card
    again = batch_upload(actor=bank, institution=world.bank, file=upload(make(4, 5), "next-" + name)).batch
    assert again.status == BatchStatus.CHECKED and again.valid_count == 2
    assert again.values == {"product": "credit_card"} and again.category == card
    # Imported: every case a credit card of that category.
    b = batch_import(batch=b, actor=bank)
    cases = Case.objects.filter(batch_rows__batch=b)
    assert cases.count() == 3
    assert set(cases.values_list("product", "category__code")) == {("credit_card", "credit-card")}


def test_the_product_is_given_once_a_column_or_a_value_never_both_never_neither(world):
    from xietong.batches.checking import auto_mapping
    from xietong.batches.services import mapping_save, whole_file_values
    from xietong.core.errors import DomainError

    b = batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(_card_export_csv(1), "c.csv")).batch
    mapping = auto_mapping(b.headers)
    with pytest.raises(DomainError) as neither:
        mapping_save(actor=world.users["bank"], batch=b, mapping=mapping)
    assert neither.value.code == "mapping_missing"
    with pytest.raises(DomainError) as unknown:
        mapping_save(actor=world.users["bank"], batch=b, mapping=mapping, values={"product": "lottery"})
    assert unknown.value.code == "value_product"
    with pytest.raises(DomainError) as both:  # a file with a product column
        whole_file_values({"product": "信用卡"}, mapping={**mapping, "product": "产品"})
    assert both.value.code == "value_and_column"
    with pytest.raises(DomainError) as other:
        mapping_save(actor=world.users["bank"], batch=b, mapping=mapping, values={"principal": "1"})
    assert other.value.code == "value_field"
    assert not b.rows.exists()


def test_a_file_missing_other_required_columns_is_still_refused(world):
    from xietong.core.errors import DomainError

    out = io.StringIO()
    w = csv.writer(out)
    keep = [k for k in KEYS if k not in ("product", "phone")]
    w.writerow([h for h, k in zip(HEADERS, KEYS, strict=True) if k in keep])
    w.writerow([good_row(1)[k] for k in keep])
    with pytest.raises(DomainError) as e:
        batch_upload(actor=world.users["bank"], institution=world.bank, file=upload(out.getvalue().encode()))
    assert e.value.code == "missing_column" and "手机号" in str(e.value.message) and "产品" not in str(e.value.message)


def test_the_mapping_page_sets_the_product_and_the_preview_shows_what_was_set_aside(client, world):
    from django.urls import reverse

    from xietong.batches.checking import auto_mapping
    from xietong.batches.models import Batch
    from xietong.cases.models import Category

    client.force_login(world.users["bank"])
    resp = client.post(reverse("batch-upload"), {"file": upload(_card_export_xlsx(1, 2), "card.xlsx")})
    b = Batch.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("batch-mapping", args=[b.pk])
    page = client.get(resp["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="batch-values"' in page and "Product of every row" in page
    card = Category.objects.get(code="credit-card")
    form = {**auto_mapping(b.headers), "every_product": "credit_card", "category": card.pk}
    done = client.post(resp["Location"], form)
    assert done.status_code == 302 and done["Location"] == reverse("batch-detail", args=[b.pk])
    b.refresh_from_db()
    assert b.values == {"product": "credit_card"} and b.category == card, (b.values, b.category)
    en = client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Header in row 3." in en and "2 rows above it" in en
    assert "2 blank rows ignored." in en and "1 total row (合计) below the data set aside." in en
    assert 'data-testid="batch-every-row"' in en, en[
        en.find("batch-set-aside") - 100 : en.find("batch-set-aside") + 900
    ]
    assert "Product credit card" in en and f"Category {card.name}" in en
    zh = client.get(done["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "表头在第3行" in zh and "忽略空行2行" in zh and "合计行1行" in zh


def test_the_api_takes_the_product_of_every_row_with_the_file(world):
    from django.test import Client

    c = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_token}")
    r = c.post(
        "/api/v1/batches/file",
        {"file": upload(_card_export_csv(1, 2), "card.csv"), "product": "信用卡", "category": "credit-card"},
        HTTP_IDEMPOTENCY_KEY="card-1",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "checked" and body["counts"]["valid"] == 2
    assert body["values"] == {"product": "credit_card"} and body["category"] == "credit-card"
    assert (body["header_row"], body["blank_rows"], body["total_rows"]) == (3, 1, 1)
    bad = c.post(
        "/api/v1/batches/file",
        {"file": upload(_card_export_csv(3), "card3.csv"), "category": "no-such"},
        HTTP_IDEMPOTENCY_KEY="card-2",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "batch_category"
    # Without the product, the file waits for its mapping in the browser.
    waits = c.post("/api/v1/batches/file", {"file": upload(_card_export_csv(4), "c4.csv")}, HTTP_IDEMPOTENCY_KEY="c3")
    assert waits.status_code == 201 and waits.json()["status"] == "uploaded"
    assert waits.json()["next_step"] in ("map_columns_in_browser", "fix_and_submit_again")
