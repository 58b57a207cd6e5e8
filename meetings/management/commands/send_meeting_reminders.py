from django.core.management.base import BaseCommand

from meetings.tasks import send_reminders


class Command(BaseCommand):
    help = "提醒党组织书记本期尚未开展的组织生活。"

    def handle(self, *args, **options):
        self.stdout.write(f"{send_reminders()} reminders sent")
