from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewDecision(models.TextChoices):
    CONFIRM = "confirm", _("confirm")
    REFUSE = "refuse", _("refuse")


class RulingKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("ruling of judicial confirmation")
    JUDGMENT = "judgment", _("judgment")
    SETTLEMENT = "settlement", _("mediation statement in court")


class FilingChannel(models.TextChoices):
    PARTY = "party", _("by the plaintiff online")
    INSTITUTION = "institution", _("by the institution's operator")
    API = "api", _("by the institution's system (API)")
    PAPER = "paper", _("on paper, recorded by the court")


class HearingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    ADJOURNED = "adjourned", _("adjourned")
    CANCELLED = "cancelled", _("cancelled")


class OutcomeKind(models.TextChoices):
    JUDGMENT = "judgment", _("judgment")
    SETTLEMENT = "settlement", _("mediated settlement in court")
    WITHDRAWAL = "withdrawal", _("withdrawal of the suit")


# The confirmation checklist: field name → what the judge checks (the order shown and named in refusals).
CHECKLIST = (
    ("voluntary", _("both parties agreed voluntarily")),
    (
        "lawful",
        _(
            "lawful: no breach of mandatory provisions of laws and administrative regulations, no harm to the "
            "interests of the State, the public or third parties"
        ),
    ),
    ("within_jurisdiction", _("within this court's jurisdiction")),
    ("parties_identified", _("the parties' identities are verified")),
)
