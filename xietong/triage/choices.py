from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionKind(models.TextChoices):
    AUTO = "auto", _("automatic triage")
    OVERRIDE = "override", _("staff override")


# What each recorded reason says, in words. Reasons are stored as codes with their values and
# rendered in the reader's language.
REASON_TEXT = {
    "amount_min": _("total %(total)s ≥ %(limit)s"),
    "amount_max": _("total %(total)s ≤ %(limit)s"),
    "product": _("product is %(value)s"),
    "institution": _("institution is %(value)s"),
    "category": _("category is %(value)s"),
    "parties_min": _("%(count)s parties ≥ %(limit)s"),
    "parties_max": _("%(count)s parties ≤ %(limit)s"),
    "overseas_yes": _("a party lives abroad (%(value)s)"),
    "overseas_no": _("no party lives abroad"),
    "wishes": _("the applicant asks: %(value)s"),
    "keywords": _("the facts mention %(value)s"),
    "risk_warning": _("belongs to the stratum of an open risk warning: %(value)s"),
    "no_risk_warning": _("belongs to no stratum of an open risk warning"),
    "memorandum": _(
        "total %(total)s ≤ %(limit)s and %(institution)s signed the small-claims memorandum "
        "(in force %(signed_on)s to %(valid_until)s)"
    ),
    "always": _("no condition: applies to every case"),
    "default": _("no rule decided this: default"),
    "team_other_court": _("the rule's team %(value)s belongs to another court: not set"),
}
