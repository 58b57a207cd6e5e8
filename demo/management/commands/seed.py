import sys
import time

from django.core.management.base import BaseCommand, CommandError

from core.planner import refresh_planner_statistics
from demo.seeding import seed as seed_demo
from organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Build the demo prefecture (机关工委, ~80 organisations, members, one account per role), "
        "or from 500,000 members on (or with --tree province) the demo province."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=3000, help="number of members")
        parser.add_argument(
            "--seed", type=int, default=2016, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--tree",
            choices=["auto", "prefecture", "province"],
            default="auto",
            help="the demo prefecture (83 organisations), the demo province (one organisation "
            "per ~13 members) or auto: the province from 500,000 members on",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes building the province's members (default: up to 2; 0: this one)",
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing if data exists")

    def handle(self, *args, members, seed, if_empty, tree, workers, **options):
        if Organisation.objects.exists():
            if if_empty:
                self.stdout.write("demo data already loaded")
                return
            raise CommandError("the database already has organisations; seed an empty database")

        started = time.monotonic()
        tty = sys.stderr.isatty()
        shown = [0]

        def log(message: str) -> None:
            self.stderr.write(f"\r[{time.monotonic() - started:7.1f} s] {message}")

        def progress(done, total):
            if tty:
                self.stderr.write(f"\r  members {done:,}/{total:,}", ending="")
            elif total >= 10000 and (done - shown[0] >= 100_000 or done == total):
                # A log file (a long run in the background) gets a line per 100,000.
                shown[0] = done
                log(f"members {done:,}/{total:,}")

        result = seed_demo(
            members=members,
            seed_value=seed,
            progress=progress,
            tree=tree,
            workers=workers,
            log=log,
        )
        refresh_planner_statistics()  # SQLite's planner, told how big the tables now are
        log("done")
        self.stdout.write(
            self.style.SUCCESS(
                f"seeded {result.organisations} organisations, {result.members:,} members"
            )
        )
