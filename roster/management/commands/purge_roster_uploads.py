from django.conf import settings
from django.core.management.base import BaseCommand

from roster.services import batches_expire, exports_expire


class Command(BaseCommand):
    help = (
        "Discard roster uploads never applied, and member exports, after --days days "
        "(their files hold personal data)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.ROSTER_UPLOAD_EXPIRY_DAYS,
            help="default: ROSTER_UPLOAD_EXPIRY_DAYS",
        )

    def handle(self, *args, days, **options):
        count = batches_expire(older_than_days=days)
        self.stdout.write(f"discarded {count} roster batches older than {days} days")
        count = exports_expire(older_than_days=days)
        self.stdout.write(f"deleted {count} member exports older than {days} days")
