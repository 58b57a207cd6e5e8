from django.core.management.base import BaseCommand

from accounts.models import User
from demo.seeding import DEMO_PASSWORD

DEMO_USERNAMES = ("admin", "secretary_a", "secretary_b", "member", "auditor", "security")


class Command(BaseCommand):
    help = "Print the demo accounts, one per role."

    def handle(self, *args, **options):
        users = User.objects.filter(username__in=DEMO_USERNAMES).select_related("organisation")
        self.stdout.write("\nDemo logins (password for all: %s)\n" % DEMO_PASSWORD)
        for user in sorted(users, key=lambda u: DEMO_USERNAMES.index(u.username)):
            scope = f" — {user.organisation.name}" if user.organisation else ""
            self.stdout.write(f"  {user.username:<12} {user.get_role_display()}{scope}")
