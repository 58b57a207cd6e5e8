from django.core.management.base import BaseCommand

from core.actors import operator
from outreach.services import run_deadline_clock
from outreach.tasks import JOB_NAME


class Command(BaseCommand):
    help = (
        "Run the requests' deadline clock once: reminders at 75 % and at the deadline, "
        "escalation to the parent organisation when overdue (the periodic job, by hand)."
    )

    def handle(self, *args, **options):
        report = run_deadline_clock(actor=operator(JOB_NAME))
        self.stdout.write(
            f"reminded at 75 %: {report.reminded_75}; at the deadline: {report.reminded_due}; "
            f"escalated: {report.escalated}"
        )
