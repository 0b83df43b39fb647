from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    TRIAGED = "triaged", _("triaged")
    MEDIATING = "mediating", _("in mediation")
    AGREEMENT = "agreement", _("agreement signed")
    CONFIRMED = "confirmed", _("judicially confirmed")
    PERFORMING = "performing", _("repaying")
    FULFILLED = "fulfilled", _("fulfilled")
    FAILED = "failed", _("mediation failed")
    FILED = "filed", _("filed for trial")
    TRIED = "tried", _("tried")
    ENFORCING = "enforcing", _("in enforcement")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")
    REJECTED = "rejected", _("rejected")


# How each state is shown: a colour class for badges.
STATE_TONE = {
    CaseState.SUBMITTED: "info",
    CaseState.TRIAGED: "info",
    CaseState.MEDIATING: "work",
    CaseState.AGREEMENT: "work",
    CaseState.CONFIRMED: "good",
    CaseState.PERFORMING: "good",
    CaseState.FULFILLED: "done",
    CaseState.FAILED: "warn",
    CaseState.FILED: "warn",
    CaseState.TRIED: "warn",
    CaseState.ENFORCING: "bad",
    CaseState.CLOSED: "done",
    CaseState.WITHDRAWN: "muted",
    CaseState.REJECTED: "muted",
}


class Product(models.TextChoices):
    CREDIT_CARD = "credit_card", _("credit card")
    CONSUMER_LOAN = "consumer_loan", _("consumer loan")
    BUSINESS_LOAN = "business_loan", _("business loan")
    MORTGAGE = "mortgage", _("mortgage")
    GUARANTEE = "guarantee", _("guarantee")
    OTHER = "other", _("other")


class Channel(models.TextChoices):
    MEDIABLE = "mediable", _("mediable")
    HARD_TO_ENFORCE = "hard_to_enforce", _("hard to enforce")
    GROUP_RISK = "group_risk", _("group risk")


class Track(models.TextChoices):
    FAST = "fast", _("fast track")
    NORMAL = "normal", _("normal track")


class Colour(models.TextChoices):
    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")


class Door(models.TextChoices):
    """How the dispute came in."""

    ONLINE = "online", _("online application")
    COUNTER = "counter", _("at the counter")
    STATION = "station", _("rural service station")
    BATCH = "batch", _("institution batch")
    API = "api", _("institution API")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("applicant")
    RESPONDENT = "respondent", _("respondent")
    PLAINTIFF = "plaintiff", _("plaintiff")
    DEFENDANT = "defendant", _("defendant")
    THIRD_PARTY = "third_party", _("third party")


class NumberKind(models.TextChoices):
    """The case-type character in court case numbers."""

    PRE_MEDIATION = "民诉前调", _("pre-litigation mediation")
    CONFIRMATION = "民特", _("judicial confirmation")
    FIRST_INSTANCE = "民初", _("first instance")
    ENFORCEMENT = "执", _("enforcement")


class TeamKind(models.TextChoices):
    PRE_MEDIATION = "pre_mediation", _("pre-litigation mediation")
    FILING = "filing", _("filing")
    TRIAL = "trial", _("trial")
    INTEGRATED = "integrated", _("integrated mediation and adjudication")


class Wish(models.TextChoices):
    """What the applicant asks for."""

    INSTALMENTS = "instalments", _("repay in instalments")
    PENALTY_REDUCTION = "penalty_reduction", _("reduce the penalty")
    INTEREST_REDUCTION = "interest_reduction", _("reduce the interest")
    MORE_TIME = "more_time", _("more time to repay")
    OTHER = "other", _("other")
