import sys

from django.core.management.base import BaseCommand, CommandError

from demo.seeding import seed as seed_demo
from organisations.models import Organisation


class Command(BaseCommand):
    help = "Build the demo prefecture (机关工委, ~80 organisations, members, one account per role)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=3000, help="number of members")
        parser.add_argument(
            "--seed", type=int, default=2016, help="random seed (same seed, same data)"
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing if data exists")

    def handle(self, *args, members, seed, if_empty, **options):
        if Organisation.objects.exists():
            if if_empty:
                self.stdout.write("demo data already loaded")
                return
            raise CommandError("the database already has organisations; seed an empty database")

        def progress(done, total):
            if sys.stdout.isatty() or total >= 10000:
                self.stderr.write(f"\r  members {done:,}/{total:,}", ending="")

        result = seed_demo(members=members, seed_value=seed, progress=progress)
        self.stderr.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"seeded {result.organisations} organisations, {result.members:,} members"
            )
        )
