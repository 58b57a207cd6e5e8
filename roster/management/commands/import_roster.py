"""Import a 花名册 file from the command line: the same preview and apply as the web page.

    manage.py import_roster FILE --org ORG [--apply] [--user NAME] [--format json]

Without --apply nothing changes (the preview batch is discarded). Exit status 1 when the file
cannot be read or no row could be imported."""

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.models import User
from core.actors import operator
from core.stored_text import render
from organisations.models import Organisation
from roster import selectors, services
from roster.models import BatchStatus, RowOutcome

IMPORTABLE = (RowOutcome.NEW, RowOutcome.UPDATE, RowOutcome.UNCHANGED, RowOutcome.WARNING)


class Command(BaseCommand):
    help = "Preview (and with --apply, import) a roster .xlsx/.csv into an organisation."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv roster")
        parser.add_argument("--org", required=True, help="target organisation: code or id")
        parser.add_argument("--apply", action="store_true", help="import the valid rows")
        parser.add_argument(
            "--user",
            help="import as this account (its scope applies and the audit log names it); "
            "default: the operator, with the whole tree in scope",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, file, org, apply, user, format, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        lookup = Q(code=org) | (Q(pk=int(org)) if org.isdigit() else Q())
        organisation = Organisation.objects.filter(lookup).first()
        if organisation is None:
            raise CommandError(f"no organisation with code or id {org!r}")
        actor = operator("import_roster")
        if user:
            actor = User.objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"no account {user!r}")
        with path.open("rb") as handle:
            try:
                batch = services.batch_upload(
                    actor=actor, organisation=organisation, upload=File(handle, name=path.name)
                )
            except ValidationError as exc:
                return self._fail(format, "；".join(exc.messages))
            except PermissionDenied:
                raise CommandError(f"{user} may not edit {organisation.code}") from None
        try:
            if batch.status != BatchStatus.FAILED:
                batch = services.batch_preview(batch=batch, actor=actor)
            if batch.status == BatchStatus.FAILED or batch.error:
                return self._fail(format, batch.error)
            if apply and batch.applicable_count:
                batch = services.batch_apply(batch=batch, actor=actor)
            self._report(batch, format, applied=batch.status == BatchStatus.APPLIED)
            importable = sum(batch.summary.get(outcome, 0) for outcome in IMPORTABLE)
        finally:
            if batch.status != BatchStatus.APPLIED:
                services.batch_discard(batch=batch, actor=actor)  # a dry run leaves nothing behind
        if not importable:
            raise SystemExit(1)

    def _fail(self, format, message):
        if format == "json":
            self.stdout.write(
                json.dumps({"rows": [], "summary": {}, "error": message}, ensure_ascii=False)
            )
        else:
            self.stderr.write(message)
        raise SystemExit(1)

    def _report(self, batch, format, *, applied):
        summary = {
            key: batch.summary.get(key, 0)
            for key in (*RowOutcome.values, "rows", "to_create", "to_update")
        }
        summary["applied"] = applied
        if applied:
            summary.update(
                batch=batch.code,
                created=batch.summary.get("created", 0),
                updated=batch.summary.get("updated", 0),
            )
        rows = selectors.batch_rows(batch).values_list("row_number", "outcome", "name", "messages")
        if format == "json":
            self.stdout.write('{"rows": [')
            for index, (number, outcome, name, messages) in enumerate(rows.iterator()):
                shown = [render(text) for text in messages]
                entry = {"row": number, "outcome": outcome, "name": name, "messages": shown}
                separator = "," if index else ""
                self.stdout.write(separator + json.dumps(entry, ensure_ascii=False))
            self.stdout.write('], "summary": ' + json.dumps(summary, ensure_ascii=False) + "}")
            return
        for number, outcome, name, messages in rows.iterator():
            if outcome in (RowOutcome.NEW, RowOutcome.UNCHANGED):
                continue
            self.stdout.write(f"{number:>6}  {RowOutcome(outcome).label:<6} {name}")
            for message in messages:
                self.stdout.write(f"        {render(message)}")
        self.stdout.write(
            ", ".join(f"{RowOutcome(k).label} {summary[k]}" for k in RowOutcome.values)
            + (f"; imported as batch {batch.code}" if applied else "; nothing changed (no --apply)")
        )
