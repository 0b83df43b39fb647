from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xietong.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup directory (made by `backup`) into an EMPTY database and an empty MEDIA_ROOT, "
        "then check the audit trail and every document's hash. A database holding any table is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="the backup's directory (xietong-backup-…)")
        parser.add_argument("--database", default="default")
        parser.add_argument("--no-media", action="store_true", help="the database only")
        parser.add_argument("--no-verify", action="store_true", help="skip verify_audit and verify_documents")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = backup_restore(options["source"], alias=options["database"], media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(f"nothing restored: {exc}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"restored the {done['vendor']} database and {done['files']} files of the backup of {done['created_at']}"
            )
        )
        if not options["no_verify"]:
            call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
            if not options["no_media"]:
                call_command("verify_documents", stdout=self.stdout, stderr=self.stderr)
