from django.db import models
from django.utils.translation import gettext_lazy as _


class Defect(models.TextChoices):
    """What the register counts per institution and month; each has its own denominator (see selectors)."""

    SERVICE_ADDRESS = "service_address", _("service failed for an address reason (wrong, moved, no such person)")
    SAC_MISSING_INTAKE = "sac_missing_intake", _("service-address confirmation missing (intake)")
    SAC_MISSING_BATCH = "sac_missing_batch", _("service-address confirmation missing (batches)")
    SAC_INCOMPLETE = "sac_incomplete", _("service-address confirmation incomplete (no address or phone)")
    SAC_UNSIGNED = "sac_unsigned", _("service-address confirmation not signed by the party or agent")
    SAC_UNCLEAR = (
        "sac_unclear",
        _("service-address confirmation unclear (no house number, or the name written into the address)"),
    )
    BATCH_REFUSED = "batch_refused", _("batch rows refused")
    PLAN_DEFAULTED = "plan_defaulted", _("repayment plans defaulted")


DENOMINATORS = {
    Defect.SERVICE_ADDRESS: _("letters and visits with a known outcome"),
    Defect.SAC_MISSING_INTAKE: _("person parties of cases filed at intake"),
    Defect.SAC_MISSING_BATCH: _("person parties of cases imported from batches"),
    Defect.SAC_INCOMPLETE: _("service-address confirmations"),
    Defect.SAC_UNSIGNED: _("service-address confirmations"),
    Defect.SAC_UNCLEAR: _("service-address confirmations"),
    Defect.BATCH_REFUSED: _("batch rows checked"),
    Defect.PLAN_DEFAULTED: _("repayment plans made"),
}
