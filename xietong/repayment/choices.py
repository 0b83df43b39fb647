from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("being repaid")
    DEFAULTED = "defaulted", _("defaulted")
    SUSPENDED = "suspended", _("suspended (hardship)")
    COMPLETED = "completed", _("repaid in full")
    ENFORCEMENT = "enforcement", _("in enforcement")
    SUPERSEDED = "superseded", _("replaced by a new version")


PLAN_STATUS_TONE = {
    PlanStatus.ACTIVE: "good",
    PlanStatus.DEFAULTED: "bad",
    PlanStatus.SUSPENDED: "warn",
    PlanStatus.COMPLETED: "done",
    PlanStatus.ENFORCEMENT: "bad",
    PlanStatus.SUPERSEDED: "muted",
}

# Plans that take payments and are followed every day.
OPEN_PLAN_STATUSES = frozenset({PlanStatus.ACTIVE, PlanStatus.DEFAULTED, PlanStatus.SUSPENDED})


class InstalmentState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    DUE = "due", _("due (today, or the whole balance on default)")
    PAID = "paid", _("paid")
    PART_PAID = "part_paid", _("part-paid")
    LATE = "late", _("late (within the grace period)")
    MISSED = "missed", _("missed")
    WAIVED = "waived", _("waived")
    SUSPENDED = "suspended", _("suspended")


INSTALMENT_STATE_TONE = {
    InstalmentState.SCHEDULED: "info",
    InstalmentState.DUE: "work",
    InstalmentState.PAID: "good",
    InstalmentState.PART_PAID: "work",
    InstalmentState.LATE: "warn",
    InstalmentState.MISSED: "bad",
    InstalmentState.WAIVED: "muted",
    InstalmentState.SUSPENDED: "muted",
}


class BasisKind(models.TextChoices):
    """What makes the plan enforceable: the 民特 ruling of confirmation, the 民初 judgment, or the
    mediation statement of a settlement in court (民初 调解书)."""

    CONFIRMATION = "confirmation", _("ruling of judicial confirmation (民特)")
    JUDGMENT = "judgment", _("judgment (民初)")
    SETTLEMENT = "settlement", _("mediation statement of a settlement in court (民初)")


class ReminderKind(models.TextChoices):
    """When the debtor is reminded of an instalment, in days from its due date."""

    BEFORE_3 = "before_3", _("three days before")
    ON_DAY = "on_day", _("on the day")
    AFTER_1 = "after_1", _("one day after")
    AFTER_7 = "after_7", _("seven days after")


REMINDER_OFFSETS = {
    ReminderKind.BEFORE_3: -3,
    ReminderKind.ON_DAY: 0,
    ReminderKind.AFTER_1: 1,
    ReminderKind.AFTER_7: 7,
}
MAX_REMINDERS = 4
QUIET_FROM_HOUR = 21  # no reminder from 21:00 ...
QUIET_UNTIL_HOUR = 8  # ... until 08:00 in the debtor's own time zone


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("applied, awaiting the court")
    ACCEPTED = "accepted", _("accepted: enforcement opened")
    CLOSED = "closed", _("enforcement closed")


class EnforcementResult(models.TextChoices):
    PAID_IN_FULL = "paid_in_full", _("paid in full")
    PARTLY_PAID = "partly_paid", _("partly paid")
    TERMINATED = "terminated", _("terminated (终结执行)")


class PaymentSource(models.TextChoices):
    """How a payment came to be recorded."""

    REPORTED = "reported", _("reported by the creditor")
    FILE = "file", _("in the creditor's payments file")
    DECLARED = "declared", _("declared by the debtor, confirmed by the creditor")
    MEDIATION = "mediation", _("declared by the debtor, confirmed in mediation")


class PaymentFileStatus(models.TextChoices):
    CHECKED = "checked", _("checked: ready to record")
    REFUSED = "refused", _("refused: rows with errors, nothing recorded")
    APPLIED = "applied", _("recorded")


PAYMENT_FILE_STATUS_TONE = {
    PaymentFileStatus.CHECKED: "work",
    PaymentFileStatus.REFUSED: "bad",
    PaymentFileStatus.APPLIED: "good",
}


class DeclarationStatus(models.TextChoices):
    """A payment the debtor declares, with a voucher: the creditor confirms it or disputes it, and a
    disputed one is settled by the case's mediator (or the court)."""

    DECLARED = "declared", _("declared, awaiting the creditor")
    CONFIRMED = "confirmed", _("confirmed by the creditor")
    DISPUTED = "disputed", _("disputed, with the mediator")
    SETTLED_PAID = "settled_paid", _("settled: paid")
    SETTLED_UNPAID = "settled_unpaid", _("settled: not paid")


DECLARATION_STATUS_TONE = {
    DeclarationStatus.DECLARED: "work",
    DeclarationStatus.CONFIRMED: "good",
    DeclarationStatus.DISPUTED: "warn",
    DeclarationStatus.SETTLED_PAID: "good",
    DeclarationStatus.SETTLED_UNPAID: "bad",
}
OPEN_DECLARATIONS = frozenset({DeclarationStatus.DECLARED, DeclarationStatus.DISPUTED})


class TimeRequestStatus(models.TextChoices):
    OPEN = "open", _("asked, with the mediator")
    DRAFTED = "drafted", _("a new plan is proposed")
    DECLINED = "declined", _("declined")


class RevisionStatus(models.TextChoices):
    """A new version of the plan drafted by the mediator: in force once the debtor and the creditor agree."""

    SIGNING = "signing", _("proposed, awaiting agreement")
    AGREED = "agreed", _("agreed: the new plan is in force")
    VOID = "void", _("void")


REVISION_STATUS_TONE = {
    RevisionStatus.SIGNING: "work",
    RevisionStatus.AGREED: "good",
    RevisionStatus.VOID: "muted",
}


# Webhook event types sent to the creditor.
EVENT_INSTALMENT_PAID = "instalment.paid"
EVENT_INSTALMENT_MISSED = "instalment.missed"
EVENT_PLAN_DEFAULTED = "plan.defaulted"
EVENT_PLAN_COMPLETED = "plan.completed"
EVENT_PAYMENT_DECLARED = "payment.declared"
EVENT_PLAN_REVISION_PROPOSED = "plan.revision_proposed"
EVENT_PLAN_REVISED = "plan.revised"
