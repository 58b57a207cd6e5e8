from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import backup


class Command(BaseCommand):
    help = (
        "Back up the database and the stored files into one archive (never the encryption "
        "key: keep FIELD_ENCRYPTION_KEY apart, see docs/deploy.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "output",
            nargs="?",
            help="archive to write (default var/backups/dangjian-<time>.tar.gz); never replaced",
        )
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args, output, database, **options):
        from django.conf import settings

        if output is None:
            folder = Path(settings.BASE_DIR) / "var" / "backups"
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            output = folder / f"dangjian-{timezone.now():%Y%m%dT%H%M%SZ}.tar.gz"
        try:
            manifest = backup.backup(Path(output), alias=database)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        files = sum(manifest["files"].values())
        self.stdout.write(
            f"{output}: {manifest['engine']} database, {len(manifest['tables'])} tables, "
            f"{rows} rows, {files} files; key fingerprint {manifest['key_fingerprint'][:12]}…"
        )
