"""Repayment: the confirmed plan followed to the last fen — instalments, payments, reminders,
and the creditor's application for enforcement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import ApiClient, Organisation
from xietong.cases.models import Case, money

from .choices import (
    DECLARATION_STATUS_TONE,
    INSTALMENT_STATE_TONE,
    PAYMENT_FILE_STATUS_TONE,
    PLAN_STATUS_TONE,
    REVISION_STATUS_TONE,
    ApplicationStatus,
    BasisKind,
    DeclarationStatus,
    EnforcementResult,
    InstalmentState,
    PaymentFileStatus,
    PaymentSource,
    PlanStatus,
    ReminderKind,
    RevisionStatus,
    TimeRequestStatus,
)


class RepaymentPlan(models.Model):
    """One version of a case's repayment plan, made from the signed agreement once it is confirmed.

    `total` is the agreement's agreed total and `paid` the sum of the payments recorded against it;
    the instalments add up to `total` exactly and their `paid` add up to `paid` exactly. The default
    terms are copied from the agreement as signed."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="repayment_plans")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    agreement = models.ForeignKey(
        "agreements.Agreement", verbose_name=_("agreement"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    basis_kind = models.CharField(_("enforceable basis"), max_length=12, choices=BasisKind.choices)
    basis_number = models.CharField(_("basis number"), max_length=64, blank=True)
    total = money(_("total to repay"))
    paid = money(_("paid"))
    # Added to a table in use: the database fills it in for the release still running (docs/operations.md).
    waived = models.DecimalField(
        _("waived by the creditor"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        db_default=Decimal("0.00"),
    )
    grace_days = models.PositiveSmallIntegerField(_("grace days"))
    default_after_missed = models.PositiveSmallIntegerField(_("missed instalments that default the plan"))
    accelerate = models.BooleanField(_("the whole balance falls due on default"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    defaulted_at = models.DateTimeField(_("defaulted"), null=True, blank=True)
    completed_at = models.DateTimeField(_("repaid in full"), null=True, blank=True)
    last_run_on = models.DateField(_("last daily follow-up"), null=True, blank=True)
    # A hardship suspension granted by the court: no reminders and no lateness until `suspended_until`;
    # afterwards an instalment that fell due meanwhile is late only from `lateness_from`.
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    suspension_reason = models.TextField(_("reason for the suspension"), blank=True)
    lateness_from = models.DateField(_("lateness counted from"), null=True, blank=True)

    class Meta:
        ordering = ["case", "-version"]
        verbose_name = _("repayment plan")
        verbose_name_plural = _("repayment plans")
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="repaymentplan_unique_version"),
            models.UniqueConstraint(
                fields=["case"], condition=~models.Q(status="superseded"), name="repaymentplan_one_current"
            ),
            models.CheckConstraint(
                condition=models.Q(total__gt=0, paid__gte=0, paid__lte=models.F("total")),
                name="repaymentplan_paid_within_total",
            ),
            # paid + waived <= total is kept by the services: SQLite compares decimals as floats, and a
            # sum in a constraint would refuse 4000.00 + 266.83 = 4266.83.
            models.CheckConstraint(
                condition=models.Q(waived__gte=0, waived__lte=models.F("total")),
                name="repaymentplan_waived_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} plan v{self.version}"

    @property
    def balance(self) -> Decimal:
        """What is still owed: the total less what was paid and what the creditor waived."""
        return self.total - self.paid - self.waived

    @property
    def status_tone(self) -> str:
        return PLAN_STATUS_TONE[PlanStatus(self.status)]


class PlanInstalment(models.Model):
    plan = models.ForeignKey(
        RepaymentPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="instalments"
    )
    seq = models.PositiveSmallIntegerField(_("no."))
    due_date = models.DateField(_("due"))
    amount = money(_("amount"))
    paid = money(_("paid"))
    # Added to a table in use: the database fills it in for the release still running (docs/operations.md).
    waived = models.DecimalField(
        _("waived"), max_digits=14, decimal_places=2, default=Decimal("0.00"), db_default=Decimal("0.00")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=InstalmentState.choices, default=InstalmentState.SCHEDULED
    )
    paid_on = models.DateField(_("paid in full on"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "seq"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "seq"], name="planinstalment_unique_seq"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, paid__gte=0, paid__lte=models.F("amount")),
                name="planinstalment_paid_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(waived__gte=0, waived__lte=models.F("amount")),
                name="planinstalment_waived_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.seq}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid - self.waived

    def effective_due(self, plan: RepaymentPlan) -> dt.date:
        """The due date, or the end of a hardship suspension if that came later."""
        if plan.lateness_from is not None and plan.lateness_from > self.due_date:
            return plan.lateness_from
        return self.due_date

    @property
    def state_tone(self) -> str:
        return INSTALMENT_STATE_TONE[InstalmentState(self.state)]


class PaymentFile(models.Model):
    """A creditor's file of payments across many of its cases (CSV or XLSX), checked row by row when
    uploaded and recorded all or nothing: one refused row and nothing is recorded."""

    institution = models.ForeignKey(
        Organisation, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="payment_files"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    api_client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by_label = models.CharField(_("uploaded by"), max_length=200)
    file = models.FileField(_("file"), upload_to="repayment/files/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    source_format = models.CharField(_("format"), max_length=8)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=PaymentFileStatus.choices)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    total_amount = money(_("total amount"))
    # [{"number": 2, "raw": {field: text}, "data": {...}, "errors": [{"column", "code", "message", "params"}]}]
    rows = models.JSONField(_("rows"), default=list)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    applied_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    applied_by_label = models.CharField(_("recorded by"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payments file")
        verbose_name_plural = _("payments files")
        indexes = [models.Index(fields=["institution", "-created_at"], name="paymentfile_inst_recent_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def status_tone(self) -> str:
        return PAYMENT_FILE_STATUS_TONE[PaymentFileStatus(self.status)]


class Waiver(models.Model):
    """The creditor gives up (part of) an instalment, with its reason: what the instalment still owes
    falls by that much. Every waiver of a case counts against the one rule of what a creditor may give
    up (xietong.cases.services.waiver_check: interest and penalty, never principal)."""

    plan = models.ForeignKey(RepaymentPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="waivers")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="waivers")
    seq = models.PositiveSmallIntegerField(_("instalment"))
    amount = money(_("amount waived"))
    reason = models.TextField(_("reason"))
    waived_by_label = models.CharField(_("waived by"), max_length=200)
    created_at = models.DateTimeField(_("waived"), default=timezone.now)

    class Meta:
        ordering = ["case", "created_at", "pk"]
        verbose_name = _("waiver")
        verbose_name_plural = _("waivers")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="waiver_amount_positive")]

    def __str__(self) -> str:
        return f"{self.plan} #{self.seq} −{self.amount}"


class Payment(models.Model):
    """A payment the creditor received, and how it was allocated (oldest instalment first): reported by
    the creditor (page, API, payments file), or declared by the debtor and confirmed."""

    plan = models.ForeignKey(RepaymentPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="payments")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="payments")
    institution = models.ForeignKey(
        Organisation, verbose_name=_("reported by institution"), on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(_("paid on"))
    amount = money(_("amount"))
    reference = models.CharField(_("reference"), max_length=64)
    allocation = models.JSONField(_("allocation"), default=list)  # [{"seq": 1, "amount": "100.00"}, ...]
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_by_api_client = models.ForeignKey(
        ApiClient, verbose_name=_("API client"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_by_label = models.CharField(_("reported by"), max_length=200)
    source = models.CharField(
        _("source"),
        max_length=10,
        choices=PaymentSource.choices,
        default=PaymentSource.REPORTED,
        db_default=PaymentSource.REPORTED,  # the release still running inserts payments without it
    )
    payment_file = models.ForeignKey(
        PaymentFile,
        verbose_name=_("payments file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["plan", "paid_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "reference"], name="payment_unique_reference"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.paid_on} {self.amount}"


class PaymentDeclaration(models.Model):
    """A payment the debtor (or the relative acting for them) says they made, with a voucher (image or
    PDF, checked by its content). The creditor confirms it (it becomes a Payment, allocated) or disputes
    it; a disputed declaration goes to the case's mediator, who records how it was settled."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="declarations")
    plan = models.ForeignKey(
        RepaymentPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="declarations"
    )
    status = models.CharField(
        _("status"), max_length=14, choices=DeclarationStatus.choices, default=DeclarationStatus.DECLARED
    )
    paid_on = models.DateField(_("paid on"))
    amount = money(_("amount"))
    note = models.CharField(_("how it was paid"), max_length=300, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declared by"), on_delete=models.PROTECT, related_name="+"
    )
    declared_by_label = models.CharField(_("declared by"), max_length=200)
    voucher = models.FileField(_("voucher"), upload_to="repayment/vouchers/%Y/%m/")
    voucher_name = models.CharField(_("voucher file name"), max_length=255)
    voucher_type = models.CharField(_("voucher type"), max_length=8)
    voucher_size = models.PositiveIntegerField(_("voucher size (bytes)"))
    voucher_sha256 = models.CharField(_("voucher SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("declared"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered by the creditor"), null=True, blank=True)
    answered_by_label = models.CharField(_("answered by"), max_length=200, blank=True)
    dispute_reason = models.TextField(_("why the creditor disputes it"), blank=True)
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    settled_by_label = models.CharField(_("settled by"), max_length=200, blank=True)
    settlement_note = models.TextField(_("how it was settled"), blank=True)
    payment = models.OneToOneField(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="declaration",
    )

    class Meta:
        ordering = ["case", "-created_at", "-pk"]
        verbose_name = _("declared payment")
        verbose_name_plural = _("declared payments")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="declaration_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.paid_on} {self.amount}"

    @property
    def status_tone(self) -> str:
        return DECLARATION_STATUS_TONE[DeclarationStatus(self.status)]

    @property
    def reference(self) -> str:
        """The payment's reference when confirmed without the creditor's own."""
        return f"DECL-{self.pk}"


class Reminder(models.Model):
    """One reminder of one instalment: at most one of each kind, so at most four per instalment."""

    instalment = models.ForeignKey(
        PlanInstalment, verbose_name=_("instalment"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    local_time = models.CharField(_("debtor's local time"), max_length=40)
    to_masked = models.CharField(_("to"), max_length=40)

    class Meta:
        ordering = ["instalment", "sent_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [models.UniqueConstraint(fields=["instalment", "kind"], name="reminder_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.instalment} {self.kind}"


class TimeRequest(models.Model):
    """The debtor asks for more time: on "My repayments", or through the mediator (by phone, at the
    counter), who then drafts a new version of the plan or declines with a reason."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="time_requests")
    plan = models.ForeignKey(RepaymentPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=TimeRequestStatus.choices, default=TimeRequestStatus.OPEN
    )
    reason = models.TextField(_("why more time is needed"))
    months = models.PositiveSmallIntegerField(_("months asked for"), null=True, blank=True)
    requested_by_label = models.CharField(_("asked by"), max_length=200)
    via_mediator = models.BooleanField(_("recorded by the mediator"), default=False)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["case", "-created_at", "-pk"]
        verbose_name = _("request for more time")
        verbose_name_plural = _("requests for more time")
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(status="open"), name="timerequest_one_open")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.status}"


class PlanRevision(models.Model):
    """A new version of the plan: new instalments for the balance outstanding, drafted by the mediator
    and agreed by the debtor (a one-time code, or on paper recorded by the mediator) and the creditor
    (its operator). Agreed, it becomes the plan in force; the plan before is kept, superseded."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="plan_revisions")
    plan = models.ForeignKey(
        RepaymentPlan, verbose_name=_("plan revised"), on_delete=models.PROTECT, related_name="revisions"
    )
    request = models.ForeignKey(
        TimeRequest, verbose_name=_("request"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.SIGNING
    )
    balance = money(_("balance outstanding when drafted"))
    instalments = models.JSONField(_("new instalments"), default=list)  # [["2026-03-20", "1500.00"], ...]
    grace_days = models.PositiveSmallIntegerField(_("grace days"))
    default_after_missed = models.PositiveSmallIntegerField(_("missed instalments that default the plan"))
    accelerate = models.BooleanField(_("the whole balance falls due on default"))
    note = models.TextField(_("note"), blank=True)
    drafted_by_label = models.CharField(_("drafted by"), max_length=200)
    created_at = models.DateTimeField(_("drafted"), default=timezone.now)
    debtor_signed_at = models.DateTimeField(_("agreed by the debtor"), null=True, blank=True)
    debtor_signer = models.CharField(_("signed for the debtor by"), max_length=200, blank=True)
    creditor_signed_at = models.DateTimeField(_("agreed by the creditor"), null=True, blank=True)
    creditor_signer = models.CharField(_("signed for the creditor by"), max_length=200, blank=True)
    agreed_at = models.DateTimeField(_("in force from"), null=True, blank=True)
    new_plan = models.OneToOneField(
        RepaymentPlan,
        verbose_name=_("new plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="made_by_revision",
    )
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    void_reason = models.TextField(_("reason for voiding"), blank=True)

    class Meta:
        ordering = ["case", "-created_at", "-pk"]
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="signing"), name="planrevision_one_signing"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} revision of v{self.plan.version}"

    @property
    def status_tone(self) -> str:
        return REVISION_STATUS_TONE[RevisionStatus(self.status)]

    @property
    def schedule(self) -> list[tuple[dt.date, Decimal]]:
        return [(dt.date.fromisoformat(d), Decimal(a)) for d, a in self.instalments]


class Acknowledgement(models.Model):
    """The debtor acknowledged the debt in writing (a letter, a signed repayment promise): recorded by
    the creditor or the court, it interrupts the two-year limitation period like a part payment."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_on = models.DateField(_("acknowledged on"))
    note = models.TextField(_("what the debtor signed"))
    recorded_by_label = models.CharField(_("recorded by"), max_length=200)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["case", "-acknowledged_on", "-pk"]
        verbose_name = _("acknowledgement of the debt")
        verbose_name_plural = _("acknowledgements of the debt")

    def __str__(self) -> str:
        return f"{self.case} {self.acknowledged_on}"


class LimitationNotice(models.Model):
    """The creditor was warned that the limitation period ends soon: once per threshold (90, 30, 7 days)
    and end date; a period restarted by an interruption is warned about again when it nears its end."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    threshold = models.PositiveSmallIntegerField(_("days before the end"))
    ends = models.DateField(_("the period ends"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.PositiveSmallIntegerField(_("people told"), default=0)

    class Meta:
        ordering = ["case", "-sent_at"]
        verbose_name = _("limitation warning")
        verbose_name_plural = _("limitation warnings")
        constraints = [
            models.UniqueConstraint(fields=["case", "threshold", "ends"], name="limitationnotice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.threshold}d {self.ends}"


class EnforcementApplication(models.Model):
    """The creditor's application for enforcement (强制执行申请书), accepted by the court with an 执 number."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="enforcement_applications"
    )
    plan = models.ForeignKey(
        RepaymentPlan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.APPLIED
    )
    basis_kind = models.CharField(_("enforceable basis"), max_length=12, choices=BasisKind.choices)
    basis_number = models.CharField(_("basis number"), max_length=64)
    amount_outstanding = money(_("amount outstanding"))
    amount_paid = money(_("paid so far"))
    applicant = models.ForeignKey(Organisation, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+")
    applied_by_label = models.CharField(_("applied by"), max_length=200)
    applied_at = models.DateTimeField(_("applied"), default=timezone.now)
    content = models.JSONField(_("content"), default=dict)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by_label = models.CharField(_("accepted by"), max_length=200, blank=True)
    enforcement_number = models.CharField(_("enforcement number"), max_length=64, blank=True)
    result = models.CharField(_("result"), max_length=14, choices=EnforcementResult.choices, blank=True)
    result_amount = models.DecimalField(_("amount recovered"), max_digits=14, decimal_places=2, null=True, blank=True)
    result_note = models.TextField(_("note on the result"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["case", "-applied_at"]
        verbose_name = _("enforcement application")
        verbose_name_plural = _("enforcement applications")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=~models.Q(status="closed"), name="enforcement_one_open_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.status}"
