from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xietong.ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup; PostgreSQL pg_dump custom format) and the uploaded "
        "files (MEDIA_ROOT) into a new directory under DEST, with a manifest of checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", type=Path, help="directory in which the backup's own directory is made")
        parser.add_argument("--database", default="default")
        parser.add_argument("--no-media", action="store_true", help="the database only (uploads kept elsewhere)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup_create(options["dest"], alias=options["database"], media=not options["no_media"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"backup written to {path}"))
