from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DocumentKind(models.TextChoices):
    AGREEMENT = "agreement", _("mediation agreement")
    RULING = "ruling", _("ruling")
    HEARING_NOTICE = "hearing_notice", _("hearing notice")
    JUDGMENT = "judgment", _("judgment")
    NOTICE = "notice", _("other notice")


class RecordStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("service of a document", "pending")  # sent, not yet served (not 待发送)
    SERVED = "served", _("served")
    FAILED = "failed", _("failed")
    ALTERNATIVE = "alternative", _("served by an alternative")


RECORD_TONE = {
    RecordStatus.PENDING: "info",
    RecordStatus.SERVED: "good",
    RecordStatus.FAILED: "bad",
    RecordStatus.ALTERNATIVE: "warn",
}
# A record in one of these states satisfies service.
SATISFIED = frozenset({RecordStatus.SERVED, RecordStatus.ALTERNATIVE})


class ServedBy(models.TextChoices):
    """How a record was in the end served: an attempt's method, or an alternative."""

    ELECTRONIC = "electronic", _("electronic service")
    POSTAL = "postal", _("by post")
    IN_PERSON = "in_person", _("in person")
    ANNOUNCEMENT = "announcement", _("by announcement (公告送达)")
    LEFT_AT_ADDRESS = "left_at_address", _("left at the address (留置送达)")


class AttemptMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("electronic (link by SMS or e-mail, or in the platform)")
    POSTAL = "postal", _("by post")
    IN_PERSON = "in_person", _("in person")


class AlternativeKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("by announcement (公告送达)")
    LEFT_AT_ADDRESS = "left_at_address", _("left at the address (留置送达)")


class Outcome(models.TextChoices):
    SENT = "sent", _("sent")
    OPENED = "opened", _("opened")
    DELIVERED = "delivered", _("delivered")
    REFUSED = "refused", _("refused (拒收)")
    ADDRESS_WRONG = "address_wrong", _("address wrong (地址错误)")
    MOVED = "moved", _("moved or unknown at the address (迁移/查无此人)")
    NO_ONE_HOME = "no_one_home", _("no one at home")
    RETURNED = "returned", _("returned to sender")


class OpenedVia(models.TextChoices):
    """Where a party opened an electronically served document (kept in the attempt's note)."""

    LINK = "link", _("through the link sent to them")
    PLATFORM = "platform", _("on the platform, signed in")


FAILURES = frozenset({Outcome.REFUSED, Outcome.ADDRESS_WRONG, Outcome.MOVED, Outcome.NO_ONE_HOME, Outcome.RETURNED})
# Failures caused by the address the institution holds: its address forms (story 5).
ADDRESS_DEFECTS = frozenset({Outcome.ADDRESS_WRONG, Outcome.MOVED})

# What staff may record per method ("opened" only comes from the party opening the link).
OUTCOMES_BY_METHOD: dict[str, frozenset[str]] = {
    AttemptMethod.ELECTRONIC: frozenset({Outcome.SENT, Outcome.RETURNED}),
    AttemptMethod.POSTAL: frozenset(
        {
            Outcome.SENT,
            Outcome.DELIVERED,
            Outcome.REFUSED,
            Outcome.ADDRESS_WRONG,
            Outcome.MOVED,
            Outcome.NO_ONE_HOME,
            Outcome.RETURNED,
        }
    ),
    AttemptMethod.IN_PERSON: frozenset(
        {Outcome.DELIVERED, Outcome.REFUSED, Outcome.ADDRESS_WRONG, Outcome.MOVED, Outcome.NO_ONE_HOME}
    ),
}


class AddressSource(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed service address")
    ON_FILE = "on_file", _("address on file (no confirmed service address)")
    ORGANISATION = "organisation", _("institution (served in the platform)")
    NONE = "none", _("no address known")
