from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """Stable codes: never renamed, only added."""

    ORGANISATION_CREATE = "organisation.create", _("organisation created")
    ORGANISATION_UPDATE = "organisation.update", _("organisation changed")
    USER_CREATE = "user.create", _("user created")
    USER_UPDATE = "user.update", _("user changed")
    USER_LOGIN = "user.login", _("logged in")
    USER_LOGOUT = "user.logout", _("logged out")
    USER_LOGIN_FAILED = "user.login_failed", _("login failed")
    USER_PASSWORD_CHANGE = "user.password_change", _("password changed")
    API_CLIENT_CREATE = "api_client.create", _("API client created")
    API_CLIENT_REVOKE = "api_client.revoke", _("API client revoked")
    PERSON_CREATE = "person.create", _("person created")
    PERSON_UPDATE = "person.update", _("person changed")
    PERSON_VIEW_ID = "person.view_id", _("full ID number viewed")
    PERSON_VIEW_PHONE = "person.view_phone", _("full phone number viewed")
    PERSON_LOOKUP = "person.lookup", _("person looked up before filing")
    AUTHORISATION_CREATE = "authorisation.create", _("authorisation recorded")
    AUTHORISATION_REVOKE = "authorisation.revoke", _("authorisation revoked")
    CASE_CREATE = "case.create", _("case created")
    CASE_UPDATE = "case.update", _("case changed")
    CASE_TRANSITION = "case.transition", _("case state changed")
    CASE_NUMBER_ASSIGN = "case.number_assign", _("case number assigned")
    CASE_ASSIGN = "case.assign", _("case assigned")
    REFERENCE_CHANGE = "reference.change", _("reference data changed")
    DEMO_LOAD = "demo.load", _("demo region loaded")
    OUTREACH_CREATE = "outreach.create", _("outreach article written")
    OUTREACH_UPDATE = "outreach.update", _("outreach article changed")
    OUTREACH_PUBLISH = "outreach.publish", _("outreach article published")
    OUTREACH_WITHDRAW = "outreach.withdraw", _("outreach article withdrawn")
