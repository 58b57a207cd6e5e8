from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an EMPTY database (DATABASE_URL, or --database) and the "
        "configured storages. Refused when FIELD_ENCRYPTION_KEY is not the backup's key. "
        "Stop the app servers and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--database", default="default", help="database alias to fill")
        parser.add_argument(
            "--check", action="store_true", help="only read the archive and check the key"
        )
        parser.add_argument(
            "--no-files", action="store_true", help="restore the database only, not the files"
        )

    def handle(self, *args, archive, database, check, no_files, **options):
        try:
            manifest = backup.read_manifest(Path(archive))
            backup.check_key(manifest)
            if check:
                self.stdout.write(
                    f"{archive}: {manifest['engine']} backup of {manifest['created_at']}, "
                    f"{sum(manifest['tables'].values())} rows, "
                    f"{sum(manifest['files'].values())} files; the configured key matches."
                )
                return
            target = backup.Target.of(settings.DATABASES[database])
            report = backup.restore(Path(archive), target=target, restore_files=not no_files)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {sum(report.tables.values())} rows in {len(report.tables)} tables and "
            f"{sum(report.files.values())} files into {target.params['NAME']}"
        )
        for name in report.kept_files:
            self.stderr.write(f"kept the file already there: {name}")
