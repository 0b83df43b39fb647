"""Outreach: legal-education articles and risk alerts, published by the center and the rural stations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xietong.accounts.models import Organisation

from .choices import ArticleKind, ArticleStatus


class Article(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ArticleKind.choices, default=ArticleKind.LEGAL_EDUCATION)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Plain text; paragraphs are separated by blank lines. Never rendered as HTML.
    body = models.TextField(_("body"), max_length=20000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="articles"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="articles"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # The form's hidden token: a double click or a reload does not write a second article.
    client_token = models.CharField(_("submission token"), max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-pk"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=ArticleStatus.PUBLISHED) | models.Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_at"], name="article_public_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    @property
    def paragraphs(self) -> list[str]:
        """The body split at blank lines, each paragraph stripped (escaped by the template)."""
        parts = [p.strip() for p in self.body.replace("\r\n", "\n").split("\n\n")]
        return [p for p in parts if p]
