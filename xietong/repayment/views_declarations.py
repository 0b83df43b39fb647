"""Declared payments: the debtor declares with a voucher; the creditor confirms or disputes; the mediator
settles a dispute. Thin views over xietong/repayment/declarations.py."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xietong.accounts.permissions import may
from xietong.audit.choices import AuditAction
from xietong.cases.views import case_or_404
from xietong.core.errors import DomainError
from xietong.documents.downloads import download_audited

from .declarations import declaration_confirm, declaration_dispute, declaration_settle, payment_declare
from .forms import (
    ConfirmDeclarationForm,
    DeclarationForm,
    DisputeDeclarationForm,
    SettleDeclarationForm,
    form_errors,
)
from .models import PaymentDeclaration

VOUCHER_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}


def _back(request: HttpRequest, case: Any) -> HttpResponse:
    if may(request.user, "repayment.mine"):
        return redirect(f"/my/repayments/#plan-{case.pk}")
    return redirect(f"/cases/{case.pk}/#repayment")


def _declaration(case: Any, pk: int) -> PaymentDeclaration:
    found = PaymentDeclaration.objects.filter(case=case, pk=pk).first()
    if found is None:
        raise Http404(_("No such declared payment."))
    return found


def _refused(request: HttpRequest, form: Any) -> None:
    for text in form_errors(form):
        messages.error(request, text)
    messages.error(request, _("Nothing was changed."))


@login_required
@require_POST
def payment_declare_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    form = DeclarationForm(request.POST, request.FILES)
    if not form.is_valid():
        _refused(request, form)
        return _back(request, case)
    d = form.cleaned_data
    try:
        payment_declare(
            actor=request.user,
            case=case,
            paid_on=d["paid_on"],
            amount=d["amount"],
            voucher=d["voucher"],
            note=d["note"],
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        messages.error(request, _("Nothing was changed."))
        return _back(request, case)
    messages.success(
        request, _("Your payment is declared. The institution will confirm it; you will get a text message.")
    )
    return _back(request, case)


@login_required
@require_POST
def declaration_confirm_view(request: HttpRequest, pk: int, declaration_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    declaration = _declaration(case, declaration_pk)
    form = ConfirmDeclarationForm(request.POST)
    form.is_valid()
    try:
        done = declaration_confirm(
            actor=request.user, declaration=declaration, reference=form.cleaned_data.get("reference", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, case)
    messages.success(request, _("%(amount)s yuan recorded.") % {"amount": done.amount})
    return _back(request, case)


@login_required
@require_POST
def declaration_dispute_view(request: HttpRequest, pk: int, declaration_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    declaration = _declaration(case, declaration_pk)
    form = DisputeDeclarationForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return _back(request, case)
    try:
        declaration_dispute(actor=request.user, declaration=declaration, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, case)
    messages.success(request, _("The payment is disputed: the case's mediator will settle it."))
    return _back(request, case)


@login_required
@require_POST
def declaration_settle_view(request: HttpRequest, pk: int, declaration_pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    declaration = _declaration(case, declaration_pk)
    form = SettleDeclarationForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return _back(request, case)
    d = form.cleaned_data
    try:
        declaration_settle(
            actor=request.user, declaration=declaration, outcome=d["outcome"], amount=d["amount"], note=d["note"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _back(request, case)
    messages.success(request, _("The outcome is recorded."))
    return _back(request, case)


@login_required
@require_GET
def declaration_voucher(request: HttpRequest, pk: int, declaration_pk: int) -> HttpResponseBase:
    """The voucher, to whoever may see the case (never a regulator); every download is audited."""
    case = case_or_404(request, pk)
    declaration = _declaration(case, declaration_pk)
    ext = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[declaration.voucher_type]
    return download_audited(
        request,
        obj=declaration,
        case=case,
        document="payment_voucher",
        content=declaration.voucher.open("rb"),
        filename=f"voucher-{case.pk}-{declaration.pk}.{ext}",
        content_type=VOUCHER_TYPES[declaration.voucher_type],
        sha256=declaration.voucher_sha256,
        action=AuditAction.ATTACHMENT_VIEW,
    )
