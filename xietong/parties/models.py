from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.core.masking import mask_id_number, mask_phone
from xietong.core.validators import validate_phone, validate_resident_id, validate_timezone

from .choices import AddressKind, AuthorisationReason, Relationship, Sex


class Person(models.Model):
    """A natural person: a borrower, a guarantor, a relative acting for one."""

    name = models.CharField(_("full name"), max_length=100, db_index=True)
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True, validators=[validate_resident_id])
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone], db_index=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    # Where the person lives or works: session times are shown to them in this zone.
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class Address(models.Model):
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(_("kind"), max_length=16, choices=AddressKind.choices)
    country = models.CharField(_("country or region"), max_length=2, default="CN")  # ISO 3166-1 alpha-2
    region = models.CharField(_("province, city, county"), max_length=100, blank=True)
    line = models.CharField(_("address"), max_length=300)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.region}{self.line}" if self.country == "CN" else f"{self.line}, {self.region} ({self.country})"

    @property
    def is_overseas(self) -> bool:
        return self.country != "CN"


class Authorisation(models.Model):
    """A person (principal) authorises a relative (agent) to act for them, with the document on file."""

    principal = models.ForeignKey(
        Person, verbose_name=_("principal"), on_delete=models.PROTECT, related_name="authorisations_given"
    )
    agent = models.ForeignKey(
        Person, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="authorisations_received"
    )
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=AuthorisationReason.choices)
    reason_detail = models.CharField(_("details"), max_length=300, blank=True)
    document = models.FileField(_("authorisation document"), upload_to="authorisations/%Y/%m/")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        constraints = [
            models.CheckConstraint(condition=~models.Q(principal=models.F("agent")), name="auth_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} → {self.principal}"
