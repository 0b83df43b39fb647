"""The demo's Postal Savings Bank batch (story 2) is a real batch whose follow-up says 89, 82, 92%."""

from __future__ import annotations

import shutil
import tempfile

from django.test import Client, TestCase, override_settings
from django.utils import timezone

from xietong.accounts.models import User
from xietong.batches.choices import BatchStatus
from xietong.batches.demo import seed
from xietong.batches.models import Batch, BatchRow
from xietong.demo.region import BATCH_SIZE, DEMO_ACTOR, load_region

MEDIA_ROOT = tempfile.mkdtemp(prefix="xietong-batch-demo-media-")


@override_settings(MEDIA_ROOT=MEDIA_ROOT)
class DemoBatchFollowupTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        result = load_region()
        assert result is not None
        cls.result = result
        rows = BatchRow.objects.filter(case_id__in=result.batch_case_ids)
        cls.batch = Batch.objects.get(pk=rows.values_list("batch_id", flat=True).distinct().get())

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA_ROOT, ignore_errors=True)

    def test_the_batch_is_a_real_imported_batch_of_the_bank(self) -> None:
        batch = self.batch
        assert batch.status == BatchStatus.IMPORTED
        assert batch.institution.short_name == "邮储银行" or "邮政储蓄" in batch.institution.name
        assert (batch.row_count, batch.valid_count, batch.error_count, batch.duplicate_count) == (BATCH_SIZE, 89, 0, 0)
        assert (batch.total, batch.done) == (89, 89)
        linked = set(batch.rows.exclude(case=None).values_list("case_id", flat=True))
        assert linked == set(self.result.batch_case_ids)
        with batch.file.open("rb") as fh:
            text = fh.read().decode("utf-8")
        assert text.splitlines()[0].startswith("姓名,身份证号,手机号")
        assert len(text.splitlines()) == BATCH_SIZE + 1
        # Delivered at the start of the batch's month, before its first case.
        year, month = self.result.batch_month
        delivered = timezone.localtime(batch.created_at)
        assert (delivered.year, delivered.month) == (year, month)

    def test_the_followup_page_says_89_delivered_82_closed_92_percent(self) -> None:
        operator = self.batch.uploaded_by or User.objects.get(username="psbc")
        c = Client()
        c.force_login(operator)
        html = c.get(f"/batches/{self.batch.pk}/followup/").content.decode()
        assert 'data-testid="fu-delivered">89<' in html
        assert 'data-testid="fu-closed">82<' in html
        assert 'data-testid="fu-closure-rate">92%<' in html
        assert f'data-testid="fu-closed-in-month">{self.result.batch_closed_in_month}<' in html
        assert self.result.batch_closed_in_month == 82
        listing = c.get("/batches/").content.decode()
        assert f"/batches/{self.batch.pk}/followup/" in listing

    def test_seeding_again_adds_nothing(self) -> None:
        count = Batch.objects.count()
        seed(actor=DEMO_ACTOR)
        assert Batch.objects.count() == count
