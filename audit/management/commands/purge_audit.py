from django.core.management.base import BaseCommand

from audit.services import purge_expired


class Command(BaseCommand):
    help = (
        "Delete audit events older than AUDIT_RETENTION_DAYS "
        "(never fewer than AUDIT_RETENTION_MIN_DAYS)."
    )

    def handle(self, *args, **options):
        deleted = purge_expired()
        self.stdout.write(f"deleted {deleted} expired audit events")
