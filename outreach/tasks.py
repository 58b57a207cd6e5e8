"""Periodic work of the party–masses channel (core.periodic; by hand: outreach_deadlines)."""

from django_tasks import task

from core.actors import operator
from core.periodic import periodic

JOB_NAME = "outreach.deadline_clock"


@periodic("*/30 * * * *", name=JOB_NAME)
@task()
def deadline_clock() -> dict:
    """Reminders at 75 % of the time and at the deadline; escalation to the parent when overdue."""
    from .services import run_deadline_clock

    report = run_deadline_clock(actor=operator(JOB_NAME))
    return report.__dict__
