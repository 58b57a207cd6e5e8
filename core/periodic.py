"""Periodic jobs (deadline clocks, reminders, summary tables) on the task API.

A job is a task registered with a cron expression:

    @periodic("0 7 * * *")
    @task()
    def send_meeting_reminders() -> None: ...

`manage.py run_periodic` (started by `make run` beside the server and the worker; one per
deployment) enqueues each job on its schedule; the task worker runs it, so a job survives a
restarted scheduler and runs wherever the workers are. This is django-crontask's design, written
against APScheduler directly because django-crontask needs Python 3.12. Each job is also a
management command, so an operator can run it by hand or from the system's cron."""

import importlib
from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class Job:
    name: str
    cron: str  # minute hour day-of-month month day-of-week
    task: object  # a django_tasks Task

    def enqueue(self):
        return self.task.enqueue()


_JOBS: dict[str, Job] = {}


def periodic(cron: str, *, name: str | None = None):
    """Register a task to be enqueued on a cron schedule (server time zone)."""
    if len(cron.split()) != 5:
        raise ValueError(f"cron {cron!r}: five fields expected")

    def register(task):
        func = getattr(task, "func", task)
        job_name = name or f"{func.__module__}.{func.__name__}"
        _JOBS[job_name] = Job(job_name, cron, task)
        return task

    return register


def jobs() -> list[Job]:
    """Every registered job: each app's `tasks` module is imported so its jobs register."""
    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.tasks")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.tasks":
                raise
    return sorted(_JOBS.values(), key=lambda job: job.name)
