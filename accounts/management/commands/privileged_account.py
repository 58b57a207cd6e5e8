"""三员分立: create, reset and re-role committee admin, auditor and security officer accounts.

Only here, on the server's command line, never on the web: the operator who has a shell on the
server holds none of the three roles, so no single one of them can make or take over another's
account. Every step is audited with the operator's name and the operating-system user
(docs/security.md, "三员分立")."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import PRIVILEGED_ROLES, Role
from organisations.models import Member, Organisation

PRIVILEGED = sorted(role.value for role in PRIVILEGED_ROLES)


class Command(BaseCommand):
    help = (
        "Create, reset the password of, or change the role of a committee admin, auditor or "
        "security officer account (三员分立). Audited with --operator."
    )

    def add_arguments(self, parser):
        steps = parser.add_subparsers(dest="step", required=True)

        def common(sub):
            sub.add_argument("--username", required=True)
            sub.add_argument(
                "--operator", required=True, help="the full name of the person running this"
            )
            sub.add_argument("--reason", default="", help="why (ticket, decision), for the log")

        create = steps.add_parser("create", help="a new privileged account")
        common(create)
        create.add_argument("--role", required=True, choices=PRIVILEGED)
        create.add_argument("--display-name", default="")
        create.add_argument("--phone", default="")

        reset = steps.add_parser("reset", help="a new initial password for a privileged account")
        common(reset)

        set_role = steps.add_parser("set-role", help="move an account into or out of 三员 roles")
        common(set_role)
        set_role.add_argument("--role", required=True, choices=Role.values)
        set_role.add_argument("--organisation", help="organisation code or id (secretary)")
        set_role.add_argument("--member", type=int, help="member id (member account)")

    def handle(self, *args, step, username, operator, reason, **options):
        try:
            if step == "create":
                user, password = services.privileged_account_create(
                    operator=operator,
                    reason=reason,
                    username=username,
                    role=options["role"],
                    display_name=options["display_name"],
                    phone=options["phone"] or None,
                )
                self._password(user.username, password)
            elif step == "reset":
                password = services.privileged_account_reset_password(
                    operator=operator, reason=reason, username=username
                )
                self._password(username, password)
            else:
                fields = {}
                if options["organisation"]:
                    fields["organisation"] = self._organisation(options["organisation"])
                if options["member"]:
                    fields["member"] = self._member(options["member"])
                user = services.privileged_account_set_role(
                    operator=operator,
                    reason=reason,
                    username=username,
                    role=options["role"],
                    **fields,
                )
                self.stdout.write(f"{user.username}: {user.get_role_display()}")
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def _password(self, username: str, password: str) -> None:
        self.stdout.write(
            f"Initial password of {username} (shown once; hand it over in person, it must be "
            f"changed at first sign-in):\n{password}"
        )

    def _organisation(self, value: str) -> Organisation:
        found = Organisation.objects.filter(code=value).first()
        if found is None and value.isdigit():
            found = Organisation.objects.filter(pk=int(value)).first()
        if found is None:
            raise CommandError(f"no organisation with code or id {value!r}")
        return found

    def _member(self, pk: int) -> Member:
        found = Member.objects.filter(pk=pk).first()
        if found is None:
            raise CommandError(f"no member with id {pk}")
        return found
