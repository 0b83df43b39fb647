from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse_lazy

from xietong.audit.choices import AuditAction
from xietong.audit.services import audit_record


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
