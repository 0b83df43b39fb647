from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.accounts.choices import OrganisationKind


class Dimension(models.TextChoices):
    """What a stratum is cut by."""

    INSTITUTION = "institution", _("institution")
    PRODUCT = "product", _("product")
    CATEGORY = "category", _("category")
    DISTRICT = "district", _("district")
    DOOR = "door", _("door")
    RESPONDENT = "respondent", _("named respondent (not a licensed institution)")
    COLLECTION = "collection", _("institution's own deliveries (collection work)")
    FACTS = "facts", _("near-identical facts")


# Dimensions the detectors watch. Collection work is counted and shown, never detected.
DETECTED = (
    Dimension.INSTITUTION,
    Dimension.PRODUCT,
    Dimension.CATEGORY,
    Dimension.DISTRICT,
    Dimension.DOOR,
    Dimension.RESPONDENT,
)


class RespondentKind(models.TextChoices):
    COMPANY = "company", _("company or other organisation")
    PERSON = "person", _("natural person")


class Detector(models.TextChoices):
    EARS = "ears_poisson", _("EARS-style Poisson exceedance")
    FARRINGTON = "farrington_glm", _("quasi-Poisson GLM baseline (Farrington/Noufaily)")
    CLUSTER = "respondent_cluster", _("claimant cluster against a named respondent")
    FACTS = "facts_cluster", _("near-identical facts in new disputes")


class WarningKind(models.TextChoices):
    SIGNAL = "signal", _("statistical signal")
    LEAD = "lead", _("lead (线索) for verification")


class WarningState(models.TextChoices):
    NEW = "new", _("new")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    VERIFYING = "verifying", _("verifying")
    ESCALATED = "escalated", _("escalated")
    SNOOZED = "snoozed", _("snoozed")
    RESOLVED = "resolved", _("resolved")


OPEN_STATES = frozenset(s for s in WarningState if s != WarningState.RESOLVED)

# A warning's history (WarningStep.code) in words: the detector's steps, then the workflow's (services.STEPS).
STEP_LABELS = {
    "raised": pgettext_lazy("risk warning step", "raised"),
    "worse": pgettext_lazy("risk warning step", "raised to a higher severity"),
    "snooze_over": pgettext_lazy("risk warning step", "snooze over, open again"),
    "acknowledge": _("acknowledged"),
    "verify": _("put under verification"),
    "escalate": _("escalated"),
    "snooze": _("snoozed"),
    "resolve": _("resolved"),
}


class Resolution(models.TextChoices):
    CONFIRMED = "confirmed", _("risk confirmed")
    FALSE_ALARM = "false_alarm", _("false alarm")
    HANDLED = "handled", _("handled")


class Severity(models.IntegerChoices):
    WATCH = 1, _("watch")
    WARNING = 2, _("warning")
    ALARM = 3, _("alarm")


SEVERITY_TONE = {1: "info", 2: "warn", 3: "bad"}


# Which strata each regulator watches (its remit). The PBoC branch and the local financial
# regulator watch everything, the illegal fund-raising leads included; the banking regulator the
# licensed institutions and their products; the justice bureau the districts, doors and leads.
# Leads on near-identical facts go to every regulator: they may concern an institution's product as
# much as an unlicensed fund-raiser.
REMIT: dict[str, frozenset[str]] = {
    OrganisationKind.PBOC_BRANCH: frozenset({*DETECTED, Dimension.FACTS}),
    OrganisationKind.FINANCIAL_REGULATOR: frozenset({*DETECTED, Dimension.FACTS}),
    OrganisationKind.BANKING_REGULATOR: frozenset(
        {
            Dimension.INSTITUTION,
            Dimension.PRODUCT,
            Dimension.CATEGORY,
            Dimension.DISTRICT,
            Dimension.DOOR,
            Dimension.FACTS,
        }
    ),
    OrganisationKind.JUSTICE_BUREAU: frozenset(
        {Dimension.DISTRICT, Dimension.DOOR, Dimension.RESPONDENT, Dimension.FACTS}
    ),
}

# Why a warning fired, in words (stored as codes with values; rendered in the reader's language).
WHY_TEXT = {
    "ears": _(
        "%(observed)s new disputes in the last %(days)s days; about %(expected)s expected from the 4 weeks "
        "before; the threshold is %(threshold)s (z = %(z)s)."
    ),
    "farrington": _(
        "%(observed)s new disputes in the last 7 days; the regression baseline over %(weeks)s weeks expects "
        "%(expected)s (dispersion %(dispersion)s); the threshold is %(threshold)s."
    ),
    "cluster": _(
        "%(claimants)s different claimants named the same respondent in the last %(days)s days (at least "
        "%(limit)s). This is a lead to verify, not a finding about anyone."
    ),
    "facts": _(
        "%(claimants)s different claimants filed %(disputes)s new disputes in the last %(days)s days whose facts "
        "are near-identical (shingle similarity at least %(threshold)s; at least %(limit)s claimants). This is a "
        "lead to verify, not a finding about anyone."
    ),
}
