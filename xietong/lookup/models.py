"""What institutions report about a person's overdue debts, and the case later opened for each."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import Organisation
from xietong.cases.choices import Product
from xietong.cases.models import Case, money
from xietong.parties.models import Person


class OverdueDebt(models.Model):
    institution = models.ForeignKey(
        Organisation, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="overdue_debts"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="overdue_debts")
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    contract_number = models.CharField(_("contract or card number"), max_length=64)
    principal = money(_("principal overdue"))
    interest = money(_("interest overdue"))
    penalty = money(_("penalty overdue"))
    overdue_since = models.DateField(_("overdue since"))
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case opened"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="overdue_debts",
    )

    class Meta:
        ordering = ["person", "institution", "overdue_since", "pk"]
        verbose_name = _("overdue debt")
        verbose_name_plural = _("overdue debts")
        constraints = [
            models.UniqueConstraint(fields=["institution", "contract_number"], name="overduedebt_unique_contract"),
            models.CheckConstraint(
                condition=models.Q(principal__gte=0, interest__gte=0, penalty__gte=0),
                name="overduedebt_amounts_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["person", "institution"], name="overduedebt_person_idx")]

    def __str__(self) -> str:
        return f"{self.institution} {self.contract_number}"

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.penalty

    @property
    def contract_masked(self) -> str:
        n = self.contract_number
        return n if len(n) <= 4 else "*" * (len(n) - 4) + n[-4:]
