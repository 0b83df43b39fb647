from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xietong.cases.choices import CaseState, Colour, Product


class Specialty(models.TextChoices):
    """What kinds of financial dispute a mediator knows well."""

    CREDIT_CARD = "credit_card", _("credit card")
    CONSUMER_LOAN = "consumer_loan", _("consumer loan")
    RURAL_LOAN = "rural_loan", _("rural loan")
    BUSINESS_LOAN = "business_loan", _("business loan")
    MORTGAGE = "mortgage", _("mortgage")
    GUARANTEE = "guarantee", _("guarantee")
    GENERAL = "general", _("general financial disputes")


# The specialty a case's product asks for.
PRODUCT_SPECIALTY: dict[str, Specialty] = {
    Product.CREDIT_CARD: Specialty.CREDIT_CARD,
    Product.CONSUMER_LOAN: Specialty.CONSUMER_LOAN,
    Product.BUSINESS_LOAN: Specialty.BUSINESS_LOAN,
    Product.MORTGAGE: Specialty.MORTGAGE,
    Product.GUARANTEE: Specialty.GUARANTEE,
    Product.OTHER: Specialty.GENERAL,
}

# Green (water/soil ecology) and yellow (rural revitalisation) categories are rural loans.
RURAL_COLOURS = frozenset({Colour.GREEN, Colour.YELLOW})


class Language(models.TextChoices):
    MANDARIN = "cmn", _("Mandarin (普通话)")
    MINNAN = "nan", _("Minnan (闽南话)")
    HAKKA = "hak", _("Hakka (客家话)")
    ENGLISH = "en", _("English")
    INDONESIAN = "id", _("Bahasa Indonesia")


# A mediator's load: the cases not yet past agreement or failure.
LOAD_STATES = frozenset({CaseState.SUBMITTED, CaseState.TRIAGED, CaseState.MEDIATING, CaseState.AGREEMENT})


class ContactChannel(models.TextChoices):
    CALL = "call", _("phone call")
    SMS = "sms", _("SMS")
    MEETING = "meeting", _("meeting")
    MESSAGE = "message", _("message")
    VIDEO = "video", _("video call")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("reached, talked")
    NOT_REACHED = "not_reached", _("not reached")
    PROGRESS = "progress", _("progress towards agreement")
    REFUSED = "refused", _("refuses mediation")
    OTHER = "other", _("other")


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    ONLINE = "online", _("online")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", pgettext_lazy("mediation session", "held")
    CANCELLED = "cancelled", _("cancelled")


class OfferSide(models.TextChoices):
    DEBTOR = "debtor", _("debtor")
    INSTITUTION = "institution", _("institution")


class OfferStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
    COUNTERED = "countered", _("countered")
    WITHDRAWN = "withdrawn", _("withdrawn")


OFFER_STATUS_TONE = {
    OfferStatus.OPEN: "info",
    OfferStatus.ACCEPTED: "good",
    OfferStatus.REJECTED: "bad",
    OfferStatus.COUNTERED: "muted",
    OfferStatus.WITHDRAWN: "muted",
}


class OfferAnswer(models.TextChoices):
    ACCEPT = "accept", _("accept")
    REJECT = "reject", _("reject")
    COUNTER = "counter", _("counter")
