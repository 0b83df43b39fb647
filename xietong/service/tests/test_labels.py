"""A record of service that was sent and awaits delivery reads 送达中, not the webhooks' 待发送 (not yet sent)."""

from __future__ import annotations

from django.utils import translation

from xietong.service.choices import RecordStatus
from xietong.webhooks.choices import DeliveryStatus


def test_a_pending_service_is_under_way_and_a_pending_webhook_is_not_sent_yet():
    with translation.override("zh-hans"):
        assert str(RecordStatus.PENDING.label) == "送达中"
        assert str(DeliveryStatus.PENDING.label) == "待发送"
    with translation.override("en"):
        assert str(RecordStatus.PENDING.label) == "pending"
