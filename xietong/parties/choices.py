from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class AddressKind(models.TextChoices):
    DOMICILE = "domicile", _("registered domicile")
    RESIDENCE = "residence", _("habitual residence")
    SERVICE = "service", _("service address")
    WORK = "work", _("work")


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("spouse")
    PARENT = "parent", _("parent")
    CHILD = "child", _("child")
    SIBLING = "sibling", _("brother or sister")
    OTHER_RELATIVE = "other_relative", _("other close relative")


class AuthorisationReason(models.TextChoices):
    ILLNESS = "illness", _("serious illness")
    ABROAD = "abroad", _("abroad")
    AGE = "age", _("old age")
    DISABILITY = "disability", _("disability")
    OTHER = "other", _("other")
