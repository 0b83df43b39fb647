"""The links repayment's messages carry, absolute (PUBLIC_BASE_URL): they are read on a phone or in a mail client."""

from __future__ import annotations

from django.urls import reverse

from xietong.cases.models import Case
from xietong.notifications.services import public_url


def case_repayment_link(case: Case) -> str:
    """The repayment panel of the case page: for the mediator, the creditor and the court."""
    return public_url(reverse("case-detail", kwargs={"pk": case.pk}) + "#repayment")


def case_link(case: Case) -> str:
    return public_url(reverse("case-detail", kwargs={"pk": case.pk}))


def debtor_link(case: Case) -> str:
    """The debtor's own repayments page (the phone page), at this case's plan."""
    return public_url(reverse("my-repayments") + f"#plan-{case.pk}")
