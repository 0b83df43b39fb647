"""Text messages and one-time codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.core.errors import DomainError

from .backends import Sms, get_backend
from .models import OtpChallenge

OTP_TTL = dt.timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_PER_HOUR = 5


def public_url(path: str) -> str:
    """The absolute address of a page, for a message that leaves the platform (SMS, e-mail): a relative
    link like /cases/12/ is useless on a phone. PUBLIC_BASE_URL followed by the path (from reverse())."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + "/" + path.lstrip("/")


def sms_send(*, to: str, text: str) -> None:
    """Send after the current transaction commits (never for a change that was rolled back)."""
    transaction.on_commit(lambda: get_backend().send(Sms(to=to, text=text)))


def email_send(*, to: str, subject: str, text: str) -> None:
    """E-mail through Django's configured e-mail backend, after the current transaction commits."""
    transaction.on_commit(lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False))


def _hash(salt: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def otp_issue(*, phone: str, purpose: str, subject: str = "") -> OtpChallenge:
    """Send a 6-digit code to `phone`. At most OTP_PER_HOUR codes per phone and purpose an hour."""
    now = timezone.now()
    recent = OtpChallenge.objects.filter(phone=phone, purpose=purpose, created_at__gte=now - dt.timedelta(hours=1))
    if recent.count() >= OTP_PER_HOUR:
        raise DomainError(_("Too many codes were sent to this phone. Please try again in an hour."), code="otp_rate")
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    challenge = OtpChallenge.objects.create(
        phone=phone, purpose=purpose, subject=subject, salt=salt, code_hash=_hash(salt, code), expires_at=now + OTP_TTL
    )
    sms_send(
        to=phone,
        text=_("Xietong verification code: %(code)s (valid for 10 minutes). Do not share it with anyone.")
        % {"code": code},
    )
    return challenge


@transaction.atomic
def otp_verify(*, phone: str, purpose: str, code: str, subject: str = "") -> bool:
    """True once for the right code of the latest live challenge; counts wrong attempts."""
    challenge = (
        OtpChallenge.objects.select_for_update()
        .filter(phone=phone, purpose=purpose, subject=subject, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )
    if challenge is None:
        return False
    if challenge.attempts >= OTP_MAX_ATTEMPTS:
        return False
    if not hmac.compare_digest(challenge.code_hash, _hash(challenge.salt, (code or "").strip())):
        challenge.attempts += 1
        challenge.save(update_fields=["attempts"])
        return False
    challenge.used_at = timezone.now()
    challenge.save(update_fields=["used_at"])
    return True
