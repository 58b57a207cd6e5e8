"""Recheck every reflection for near-copies (the nightly job learning.check_all_copies)."""

import time

from django.core.management.base import BaseCommand

from learning import services


class Command(BaseCommand):
    help = "Flag near-duplicate reflections (心得体会) among themselves and against lesson texts."

    def handle(self, *args, **options):
        started = time.monotonic()
        flags = services.check_copies()
        self.stdout.write(f"{flags} flags in {time.monotonic() - started:.1f} s")
