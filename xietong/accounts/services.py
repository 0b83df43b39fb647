"""Writes for organisations, users and API clients. Each records itself in the audit trail."""

from __future__ import annotations

import datetime as dt
import secrets
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record
from xietong.core.validators import normalize_phone, normalize_uscc

from .choices import ROLE_ORGANISATION_KINDS, OrganisationKind, Role
from .models import ApiClient, ApiToken, Organisation, User
from .permissions import back_office_role
from .selectors import api_tokens_forget


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
        is_staff=is_superuser or back_office_role(role),
        is_superuser=is_superuser or back_office_role(role),
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


def _new_token() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"xt_{prefix}_{secrets.token_urlsafe(32)}"


def _check_expiry(expires_at: dt.datetime | None) -> None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})


@transaction.atomic
def api_client_create(
    *, actor: Any, organisation: Organisation, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiClient, str]:
    """Create an API client; return it with its token, which is shown once and stored only hashed."""
    if organisation.kind != OrganisationKind.INSTITUTION:
        raise ValidationError({"organisation": _("Only financial institutions receive API clients.")})
    _check_expiry(expires_at)
    prefix, token = _new_token()
    client = ApiClient(
        name=name, organisation=organisation, token_prefix=prefix, token_hash=ApiClient.hash_token(token)
    )
    client.full_clean()
    client.save()
    ApiToken.objects.create(client=client, prefix=prefix, token_hash=client.token_hash, expires_at=expires_at)
    audit_record(
        actor=actor,
        action=AuditAction.API_CLIENT_CREATE,
        obj=client,
        after={
            "name": name,
            "organisation_id": organisation.pk,
            "prefix": prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return client, token


@transaction.atomic
def api_token_rotate(
    *, actor: Any, client: ApiClient, expires_at: dt.datetime | None = None, old_until: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for the client, shown once; its other live token keeps working for the roll-over.

    The old token stops at its own expiry, at `old_until` when given (never later than its own), or
    when revoked. A client holds at most two live tokens: a third is refused until one is revoked.
    """
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not locked.is_active:
        raise ValidationError(_("This API client is revoked: it gets no new token."))
    _check_expiry(expires_at)
    now = timezone.now()
    live = [t for t in ApiToken.objects.filter(client=locked) if t.is_live(now)]
    if len(live) >= ApiToken.MAX_LIVE:
        raise ValidationError(
            _("This client already holds %(n)d live tokens: revoke the old one before issuing another.")
            % {"n": len(live)}
        )
    if old_until is not None:
        if old_until < now:
            raise ValidationError({"old_until": _("The old token's last day cannot be in the past.")})
        for old in live:
            if old.expires_at is None or old.expires_at > old_until:
                old.expires_at = old_until
                old.save(update_fields=["expires_at"])
    prefix, secret = _new_token()
    token = ApiToken.objects.create(
        client=locked, prefix=prefix, token_hash=ApiClient.hash_token(secret), expires_at=expires_at
    )
    audit_record(
        actor=actor,
        action=AuditAction.API_TOKEN_CREATE,
        obj=locked,
        before={"live": [t.prefix for t in live]},
        after={
            "prefix": prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
            "old_until": old_until.isoformat() if old_until else None,
        },
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """The token stops working at once; the client's other token (if any) goes on."""
    locked = ApiToken.objects.select_for_update().select_related("client").get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    transaction.on_commit(partial(api_tokens_forget, client_id=locked.client_id))
    audit_record(
        actor=actor,
        action=AuditAction.API_TOKEN_REVOKE,
        obj=locked.client,
        before={"prefix": locked.prefix, "revoked": False},
        after={"prefix": locked.prefix, "revoked": True},
    )
    return locked


@transaction.atomic
def api_client_revoke(*, actor: Any, client: ApiClient) -> ApiClient:
    before = {"active": ApiClient.objects.select_for_update().get(pk=client.pk).is_active}  # found, not assumed
    client.is_active = False
    client.save(update_fields=["is_active"])
    transaction.on_commit(partial(api_tokens_forget, client_id=client.pk))
    audit_record(actor=actor, action=AuditAction.API_CLIENT_REVOKE, obj=client, before=before, after={"active": False})
    return client
