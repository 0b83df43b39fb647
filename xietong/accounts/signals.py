"""Login, logout and failed logins go into the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from xietong.audit.choices import AuditAction
from xietong.audit.services import SYSTEM, audit_record


def _ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        audit_record(actor=user, action=AuditAction.USER_LOGIN, obj=user, ip_address=_ip(request))


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    with transaction.atomic():
        audit_record(actor=user, action=AuditAction.USER_LOGOUT, obj=user, ip_address=_ip(request))


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action=AuditAction.USER_LOGIN_FAILED,
            object_type="accounts.user",
            object_id="",
            object_repr=str(credentials.get("username", ""))[:100],
            ip_address=_ip(request),
        )
