from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.periodic import jobs


class Command(BaseCommand):
    help = "Enqueue the periodic jobs on their cron schedules (run one per deployment)."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")
        parser.add_argument("--now", metavar="JOB", help="enqueue one job now and exit")

    def handle(self, *args, list, now, **options):
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.cron import CronTrigger

        registered = jobs()
        if now:
            job = next((j for j in registered if j.name == now), None)
            if job is None:
                raise CommandError(f"no job {now!r}; --list shows them")
            result = job.enqueue()
            self.stdout.write(f"enqueued {job.name} ({result.id})")
            return
        if list:
            for job in registered:
                self.stdout.write(f"{job.cron:<20} {job.name}")
            return
        scheduler = BlockingScheduler(timezone=settings.TIME_ZONE)
        for job in registered:
            scheduler.add_job(
                job.enqueue,
                CronTrigger.from_crontab(job.cron, timezone=settings.TIME_ZONE),
                id=job.name,
                # A scheduler that was down for a while runs a missed job once, not N times.
                coalesce=True,
                misfire_grace_time=3600,
            )
        self.stdout.write(f"scheduling {len(registered)} periodic jobs")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            scheduler.shutdown(wait=False)
