from django.core.management.base import BaseCommand, CommandError

from meetings.tasks import rebuild_compliance


class Command(BaseCommand):
    help = "重新计算组织生活落实情况（默认：今年和去年）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years")

    def handle(self, *args, years=None, **options):
        if years and any(not 2000 <= y <= 2100 for y in years):
            raise CommandError("--year: 2000–2100")
        written = rebuild_compliance(years=years)
        self.stdout.write(f"{written} compliance cells written")
