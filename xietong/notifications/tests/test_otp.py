import re

import pytest
from django.db import transaction

from xietong.core.errors import DomainError
from xietong.notifications.backends import LocmemSmsBackend
from xietong.notifications.services import OTP_MAX_ATTEMPTS, otp_issue, otp_verify

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def outbox():
    LocmemSmsBackend.outbox.clear()
    return LocmemSmsBackend.outbox


def issue(django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        otp_issue(phone=PHONE, purpose="status_check", subject=kw.get("subject", "X"))
    return re.search(r"\d{6}", LocmemSmsBackend.outbox[-1].text).group()


@pytest.mark.django_db
def test_code_is_sent_after_commit_and_verifies_once(django_capture_on_commit_callbacks, outbox):
    code = issue(django_capture_on_commit_callbacks)
    assert outbox[-1].to == PHONE
    assert not otp_verify(phone=PHONE, purpose="status_check", subject="other", code=code)
    assert otp_verify(phone=PHONE, purpose="status_check", subject="X", code=code)
    assert not otp_verify(phone=PHONE, purpose="status_check", subject="X", code=code)


@pytest.mark.django_db
def test_wrong_codes_are_limited(django_capture_on_commit_callbacks):
    code = issue(django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(OTP_MAX_ATTEMPTS):
        assert not otp_verify(phone=PHONE, purpose="status_check", subject="X", code=wrong)
    assert not otp_verify(phone=PHONE, purpose="status_check", subject="X", code=code)


@pytest.mark.django_db
def test_no_message_when_the_transaction_rolls_back(django_capture_on_commit_callbacks, outbox):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        otp_issue(phone=PHONE, purpose="status_check", subject="X")
        raise RuntimeError
    assert outbox == []


@pytest.mark.django_db
def test_sending_is_rate_limited(django_capture_on_commit_callbacks):
    for _ in range(5):
        issue(django_capture_on_commit_callbacks)
    with pytest.raises(DomainError):
        issue(django_capture_on_commit_callbacks)
