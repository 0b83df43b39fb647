from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    COURT = "court", _("court")
    JUSTICE_BUREAU = "justice_bureau", _("justice bureau")
    FINANCIAL_REGULATOR = "financial_regulator", _("local financial regulator")
    PBOC_BRANCH = "pboc_branch", _("PBoC branch")
    BANKING_REGULATOR = "banking_regulator", _("banking regulator branch")
    INSTITUTION = "institution", _("financial institution")
    MEDIATION_ORG = "mediation_org", _("mediation organisation")
    STATION = "station", _("rural service station")


REGULATOR_KINDS = frozenset(
    {
        OrganisationKind.JUSTICE_BUREAU,
        OrganisationKind.FINANCIAL_REGULATOR,
        OrganisationKind.PBOC_BRANCH,
        OrganisationKind.BANKING_REGULATOR,
    }
)


class CourtLevel(models.TextChoices):
    INTERMEDIATE = "intermediate", _("intermediate court")
    BASIC = "basic", _("basic (district) court")


class Role(models.TextChoices):
    CENTER_ADMIN = "center_admin", _("center administrator")
    CLERK = "clerk", _("court clerk")
    JUDGE = "judge", _("judge")
    MEDIATOR = "mediator", _("mediator")
    INSTITUTION_OPERATOR = "institution_operator", _("institution operator")
    REGULATOR = "regulator", _("regulator")
    STATION_AGENT = "station_agent", _("station agent")
    PARTY = "party", _("party")


COURT_ROLES = frozenset({Role.CLERK, Role.JUDGE})

# Which organisation kinds a role may belong to. A party belongs to none.
ROLE_ORGANISATION_KINDS: dict[str, frozenset[str]] = {
    Role.CENTER_ADMIN: frozenset({OrganisationKind.COURT}),
    Role.CLERK: frozenset({OrganisationKind.COURT}),
    Role.JUDGE: frozenset({OrganisationKind.COURT}),
    Role.MEDIATOR: frozenset({OrganisationKind.MEDIATION_ORG, OrganisationKind.COURT}),
    Role.INSTITUTION_OPERATOR: frozenset({OrganisationKind.INSTITUTION}),
    Role.REGULATOR: REGULATOR_KINDS,
    Role.STATION_AGENT: frozenset({OrganisationKind.STATION}),
    Role.PARTY: frozenset(),
}
