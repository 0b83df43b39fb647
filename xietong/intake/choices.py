from django.db import models
from django.utils.translation import gettext_lazy as _


class AttachmentKind(models.TextChoices):
    EVIDENCE = "evidence", _("evidence")
    CONTRACT = "contract", _("contract or card statement")
    ID_DOCUMENT = "id_document", _("identity document")
    AUTHORISATION = "authorisation", _("authorisation document")
    OTHER = "other", _("other")


class DetectedType(models.TextChoices):
    """The file types accepted, as recognised from the file's first bytes, never from its name."""

    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"


# ISO 3166-1 alpha-2 codes offered for addresses; the center's parties live here or work abroad.
COUNTRIES = [
    ("CN", _("China (mainland)")),
    ("HK", _("Hong Kong, China")),
    ("MO", _("Macao, China")),
    ("TW", _("Taiwan, China")),
    ("ID", _("Indonesia")),
    ("MY", _("Malaysia")),
    ("SG", _("Singapore")),
    ("PH", _("Philippines")),
    ("TH", _("Thailand")),
    ("VN", _("Viet Nam")),
    ("JP", _("Japan")),
    ("KR", _("Republic of Korea")),
    ("US", _("United States")),
    ("GB", _("United Kingdom")),
    ("AU", _("Australia")),
    ("CA", _("Canada")),
    ("XX", _("another country")),
]
