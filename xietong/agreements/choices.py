from django.db import models
from django.utils.translation import gettext_lazy as _


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SIGNING = "signing", _("awaiting signatures")
    SIGNED = "signed", _("signed by all parties")
    VOID = "void", _("void")


AGREEMENT_STATUS_TONE = {
    AgreementStatus.DRAFT: "info",
    AgreementStatus.SIGNING: "work",
    AgreementStatus.SIGNED: "good",
    AgreementStatus.VOID: "muted",
}


class SignatureMethod(models.TextChoices):
    OTP = "otp", _("online, with a one-time code to the signer's phone")
    OPERATOR = "operator", _("online, by the institution's operator")
    COUNTER = "counter", _("on paper at the counter, recorded by staff")


DEFAULT_CLAUSE = _(
    "If any instalment is more than 15 days overdue, the whole amount still unpaid falls due at once, "
    "the waiver above lapses, and the creditor may apply to the court for enforcement."
)

# The structured default terms (the agreement's own, applied by the repayment follow-up).
DEFAULT_GRACE_DAYS = 15
DEFAULT_AFTER_MISSED = 1
MAX_GRACE_DAYS = 90
