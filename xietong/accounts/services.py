"""Writes for organisations, users and API clients. Each records itself in the audit trail."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.core.validators import normalize_phone, normalize_uscc

from .choices import ROLE_ORGANISATION_KINDS, OrganisationKind, Role
from .models import ApiClient, Organisation, User


def _org_snapshot(org: Organisation) -> dict[str, Any]:
    return {
        "kind": org.kind,
        "name": org.name,
        "court_code": org.court_code,
        "uscc": org.uscc,
        "parent_id": org.parent_id,
    }


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    short_name: str = "",
    court_code: str = "",
    court_level: str = "",
    uscc: str = "",
    parent: Organisation | None = None,
    region: str = "",
    address: str = "",
    phone: str = "",
) -> Organisation:
    if kind == OrganisationKind.COURT and not court_code:
        raise ValidationError({"court_code": _("A court needs its code, e.g. 闽0802.")})
    if kind == OrganisationKind.INSTITUTION and not uscc:
        raise ValidationError({"uscc": _("A financial institution needs its unified social credit code.")})
    org = Organisation(
        kind=kind,
        name=name.strip(),
        short_name=short_name.strip(),
        court_code=court_code.strip(),
        court_level=court_level,
        uscc=normalize_uscc(uscc),
        parent=parent,
        region=region,
        address=address,
        phone=phone,
    )
    org.full_clean()
    org.save()
    audit_record(actor=actor, action=AuditAction.ORGANISATION_CREATE, obj=org, after=_org_snapshot(org))
    return org


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str | None,
    role: str,
    organisation: Organisation | None = None,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    password_hash: str | None = None,
    is_superuser: bool = False,
) -> User:
    if role not in ROLE_ORGANISATION_KINDS:
        raise ValidationError({"role": _("Unknown role.")})
    allowed = ROLE_ORGANISATION_KINDS[role]
    if allowed and (organisation is None or organisation.kind not in allowed):
        raise ValidationError(
            {
                "organisation": _("A %(role)s must belong to an organisation of a fitting kind.")
                % {"role": Role(role).label}
            }
        )
    if not allowed and organisation is not None:
        raise ValidationError({"organisation": _("A party does not belong to an organisation.")})
    user = User(
        username=username.strip(),
        role=role,
        organisation=organisation,
        full_name=full_name.strip(),
        phone=normalize_phone(phone) if phone else "",
        email=email.strip(),
        # The center administrator configures everything in the back office.
        is_staff=is_superuser or role == Role.CENTER_ADMIN,
        is_superuser=is_superuser or role == Role.CENTER_ADMIN,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    audit_record(
        actor=actor,
        action=AuditAction.USER_CREATE,
        obj=user,
        after={"username": user.username, "role": user.role, "organisation_id": user.organisation_id},
    )
    return user


@transaction.atomic
def api_client_create(*, actor: Any, organisation: Organisation, name: str) -> tuple[ApiClient, str]:
    """Create an API client; return it with its token, which is shown once and stored only hashed."""
    if organisation.kind != OrganisationKind.INSTITUTION:
        raise ValidationError({"organisation": _("Only financial institutions receive API clients.")})
    prefix = secrets.token_hex(4)
    token = f"xt_{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient(
        name=name, organisation=organisation, token_prefix=prefix, token_hash=ApiClient.hash_token(token)
    )
    client.full_clean()
    client.save()
    audit_record(
        actor=actor,
        action=AuditAction.API_CLIENT_CREATE,
        obj=client,
        after={"name": name, "organisation_id": organisation.pk, "prefix": prefix},
    )
    return client, token


@transaction.atomic
def api_client_revoke(*, actor: Any, client: ApiClient) -> ApiClient:
    before = {"active": ApiClient.objects.select_for_update().get(pk=client.pk).is_active}  # found, not assumed
    client.is_active = False
    client.save(update_fields=["is_active"])
    audit_record(actor=actor, action=AuditAction.API_CLIENT_REVOKE, obj=client, before=before, after={"active": False})
    return client
