"""Kinds and states of outreach articles, and who may write them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleKind(models.TextChoices):
    LEGAL_EDUCATION = "legal_education", _("legal-education article")
    RISK_ALERT = "risk_alert", _("risk alert")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")
