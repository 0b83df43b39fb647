from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record

from .forms import TokenRotateForm, end_of_day


def demo_logins() -> list[tuple[str, str, str]]:
    if not settings.DEMO_MODE:
        return []
    try:
        from xietong.demo.region import DEMO_LOGINS, DEMO_PASSWORD
    except ImportError:
        return []
    return [(u, str(r), str(o)) for u, r, o in DEMO_LOGINS] if DEMO_PASSWORD else []


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx["demo_logins"] = demo_logins()
        if ctx["demo_logins"]:
            from xietong.demo.region import DEMO_PASSWORD

            ctx["demo_password"] = DEMO_PASSWORD
        return ctx


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            audit_record(actor=self.request.user, action=AuditAction.USER_PASSWORD_CHANGE, obj=self.request.user)
        return response


NEW_TOKEN_SESSION_KEY = "api_new_token"  # noqa: S105 - a session key name


def _token_manager(request: HttpRequest) -> Any:
    from .permissions import may

    if not may(request.user, "accounts.api_clients"):
        raise PermissionDenied
    return request.user


@login_required
@require_safe
def api_clients(request: HttpRequest) -> HttpResponse:
    """An institution's API clients: each token's last use and expiry; issue a new token, revoke an old one."""
    from .selectors import api_clients_of

    actor = _token_manager(request)
    now = timezone.now()
    clients = list(api_clients_of(actor=actor)[:200])
    for client in clients:
        rows = [(t, t.is_live(now)) for t in client.tokens.all()]
        client.token_rows = rows  # type: ignore[attr-defined]
        client.live_count = sum(1 for _t, live in rows if live)  # type: ignore[attr-defined]
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(
        request,
        "accounts/api_clients.html",
        {"clients": clients, "new_token": new_token, "form": TokenRotateForm(), "now": now, "max_live": 2},
    )


@login_required
@require_POST
def api_client_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    from .selectors import api_clients_of
    from .services import api_token_rotate

    actor = _token_manager(request)
    client = api_clients_of(actor=actor).filter(pk=pk).first()
    if client is None:
        raise Http404
    form = TokenRotateForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("api-clients")
    try:
        _new, secret = api_token_rotate(
            actor=actor,
            client=client,
            expires_at=end_of_day(form.cleaned_data.get("expires_on")),
            old_until=end_of_day(form.cleaned_data.get("old_until")),
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect("api-clients")
    # Shown once, on the next page, then forgotten by the session.
    request.session[NEW_TOKEN_SESSION_KEY] = {"client": client.name, "token": secret}
    messages.success(request, _("A new token is issued. The old one keeps working for the roll-over."))
    return redirect("api-clients")


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    from .models import ApiToken
    from .selectors import api_clients_of
    from .services import api_token_revoke

    actor = _token_manager(request)
    token = ApiToken.objects.filter(pk=pk, client__in=api_clients_of(actor=actor)).select_related("client").first()
    if token is None:
        raise Http404
    api_token_revoke(actor=actor, token=token)
    messages.success(request, _("The token is revoked: it stops working at once."))
    return redirect("api-clients")
