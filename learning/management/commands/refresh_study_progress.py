"""Recompute the organisations' study-hour progress (the hourly job of the same name)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.actors import operator
from learning import services


class Command(BaseCommand):
    help = "Recompute OrganisationStudyProgress for a year (default: this year)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, year, **options):
        year = year or timezone.localdate().year
        count = services.refresh_study_progress(actor=operator("refresh_study_progress"), year=year)
        self.stdout.write(f"{count} organisations, {year}")
