from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OtpPurpose(models.TextChoices):
    STATUS_CHECK = "status_check", _("case status check")
    SIGN = "sign", _("signature")
    CLAIM = "claim", _("taking over a case filed for you")
    LOGIN = "login", _("log in")


class OtpChallenge(models.Model):
    """A one-time code sent to a phone; only its hash is kept."""

    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=OtpPurpose.choices)
    subject = models.CharField(_("subject"), max_length=100, blank=True)  # e.g. a case number
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["phone", "purpose", "subject", "-created_at"], name="otp_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.subject}"
