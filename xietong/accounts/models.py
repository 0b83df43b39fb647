from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from xietong.core.validators import validate_timezone, validate_uscc

from .choices import COURT_ROLES, REGULATOR_KINDS, CourtLevel, OrganisationKind, Role


class Organisation(models.Model):
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    # Courts: their code in case numbers, e.g. 闽08 (intermediate) or 闽0802 (district).
    court_code = models.CharField(_("court code"), max_length=16, blank=True)
    court_level = models.CharField(_("court level"), max_length=16, choices=CourtLevel.choices, blank=True)
    # Financial institutions and other legal persons: GB 32100 unified social credit code.
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.CharField(_("region"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["court_code"], condition=~models.Q(court_code=""), name="org_unique_court_code"
            ),
            models.UniqueConstraint(fields=["uscc"], condition=~models.Q(uscc=""), name="org_unique_uscc"),
            models.CheckConstraint(
                condition=~models.Q(kind=OrganisationKind.COURT) | ~models.Q(court_code=""),
                name="org_court_has_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def is_regulator(self) -> bool:
        return self.kind in REGULATOR_KINDS


class User(AbstractUser):
    """A person who logs in. Staff belong to an organisation; parties to none."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.PARTY, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Times (mediation sessions) are shown to the user in this IANA zone.
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone])

    actor_kind = "user"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def audit_label(self) -> str:
        return f"{self.username} ({self.full_name})" if self.full_name else self.username

    @property
    def is_court_staff(self) -> bool:
        return self.role in COURT_ROLES

    @property
    def is_regulator(self) -> bool:
        return self.role == Role.REGULATOR


class ApiClient(models.Model):
    """A financial institution's system calling the API with a bearer token, scoped to that institution."""

    name = models.CharField(_("name"), max_length=100)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="api_clients",
        limit_choices_to={"kind": OrganisationKind.INSTITUTION},
    )
    token_prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    actor_kind = "api_client"
    role = Role.INSTITUTION_OPERATOR
    is_authenticated = True
    is_active_user = True

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation.display_name})"

    @property
    def audit_label(self) -> str:
        # The token that authenticated this request when known (a client may hold two during a roll-over).
        used = getattr(self, "token_used", None)
        return f"api:{used.prefix if used else self.token_prefix} {self.name}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """One bearer token of an API client. A client holds at most two live tokens: the roll-over.

    `ApiClient.token_prefix` and `token_hash` keep the client's first token (its prefix names the
    client in older audit entries); authentication reads these rows only.
    """

    MAX_LIVE = 2

    client = models.ForeignKey(ApiClient, verbose_name=_("API client"), on_delete=models.PROTECT, related_name="tokens")
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"xt_{self.prefix}_…"

    def is_live(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
