"""The append-only, hash-chained audit trail.

Each entry carries a gapless sequence number and the hash of its predecessor; the head row
holds the last sequence and hash, so a deleted tail is noticed too. Entries are written only
by `xietong.audit.services.audit_record`, inside the transaction of the change they describe.

Version 2 entries are keyed: their hash is an HMAC with AUDIT_HMAC_KEY, a secret kept out of the
database, so nobody with only the database can recompute them. Version 1 entries (plain SHA-256)
are those written before the key; they stay verifiable as they are. Signed checkpoints of the head,
appended to a file outside the database, catch a chain rewritten from its start or cut at its tail
(`xietong.audit.services.audit_checkpoint`, `manage.py verify_audit`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    pass


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit trail is append-only.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("The audit trail is append-only.")


class AuditEntry(models.Model):
    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor_kind = models.CharField(_("actor kind"), max_length=16)  # user, api_client, system
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=200)
    organisation_id = models.BigIntegerField(_("actor's organisation"), null=True, blank=True)
    # The codes are AuditAction's; the field carries no choices, so an app adding an action needs no
    # migration of this table (audit_record refuses a code that AuditAction does not know).
    action = models.CharField(_("action"), max_length=40, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # 1: SHA-256 of the previous hash and the entry (written before the chain was keyed); 2: HMAC-SHA256 with
    # AUDIT_HMAC_KEY. The database default 1 is what a release from before the key writes while an upgrade runs.
    version = models.PositiveSmallIntegerField(_("chain version"), default=1, db_default=1)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit trail is append-only.")
        kwargs["force_insert"] = True  # never an UPDATE, even with an existing primary key
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("The audit trail is append-only.")

    @property
    def action_label(self) -> str:
        return str(AuditAction(self.action).label) if self.action in AuditAction.values else self.action


class AuditHead(models.Model):
    """One row: the last sequence number and hash. Locked by every writer."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit head")

    def __str__(self) -> str:
        return f"head #{self.seq}"
