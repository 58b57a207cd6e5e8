"""Import a 花名册 file from the command line: the same preview and apply as the web page.

    manage.py import_roster FILE --org ORG [--apply] [--user NAME] [--format json]
        [--map 'HEADER=field' ...] [--mapping FILE.json]

The columns are matched as on the web page (by header, checked against the content); --map
sets a column by its header (repeatable; the field by key or label: id_number, 身份证号码;
an empty field leaves the column out), --mapping reads the same from a JSON file, with what
the 所在党支部 values mean, as organisation codes or ids (remembered, as on the web page):
{"columns": {"证件": "id_number", "备注": null}, "organisations": {"机关一支部": "CODE"}}.
--format json reports the columns used.
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
from roster import reader, selectors, services
from roster.columns import FIELD_BY_KEY, FIELDS, header_key
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
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="read the column HEADER as FIELD (a key such as id_number, or its label); "
            "HEADER= leaves the column out",
        )
        parser.add_argument(
            "--mapping", help='JSON file: {"columns": {"HEADER": "FIELD" or null, ...}}'
        )

    def handle(self, *args, file, org, apply, user, format, map, mapping, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        overrides = self._overrides(map, mapping)
        organisation_values = self._organisation_values(mapping)
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
                if organisation_values:
                    try:
                        services.batch_map_organisations(
                            batch=batch, actor=actor, choices=organisation_values
                        )
                    except (ValidationError, PermissionDenied) as exc:
                        raise CommandError(f"--mapping organisations: {exc}") from None
                columns = self._mapping(batch, overrides) if overrides else None
                batch = services.batch_preview(batch=batch, actor=actor, mapping=columns)
            if batch.status == BatchStatus.FAILED or batch.error:
                return self._fail(format, render(batch.error), batch.columns)
            if apply and batch.applicable_count:
                batch = services.batch_apply(batch=batch, actor=actor)
            self._report(batch, format, applied=batch.status == BatchStatus.APPLIED)
            importable = sum(batch.summary.get(outcome, 0) for outcome in IMPORTABLE)
        finally:
            if batch.status != BatchStatus.APPLIED:
                services.batch_discard(batch=batch, actor=actor)  # a dry run leaves nothing behind
        if not importable:
            raise SystemExit(1)

    def _overrides(self, pairs, mapping_file):
        """{header key: field key or None} from --map and --mapping."""
        given: dict[str, object] = {}
        if mapping_file:
            try:
                data = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"--mapping {mapping_file}: {exc}") from None
            columns = None
            if isinstance(data, dict):
                # {"columns": …, "organisations": …}, or the columns alone.
                keyed = "columns" in data or "organisations" in data
                columns = data.get("columns", {}) if keyed else data
            if not isinstance(columns, dict):
                raise CommandError('--mapping: expected {"columns": {"HEADER": "FIELD"}}')
            given.update(columns)
        for pair in pairs:
            header, sep, field = pair.partition("=")
            if not sep or not header.strip():
                raise CommandError(f"--map {pair!r}: expected HEADER=FIELD")
            given[header] = field.strip() or None
        by_label = {header_key(str(f.label)): f.key for f in FIELDS}
        overrides = {}
        for header, field in given.items():
            if field is not None and field not in FIELD_BY_KEY:
                field = by_label.get(header_key(field), field)
                if field not in FIELD_BY_KEY:
                    known = ", ".join(f.key for f in FIELDS if f.key != "ignore")
                    raise CommandError(f"unknown field {field!r} for {header!r}; fields: {known}")
            overrides[header_key(header)] = field
        return overrides

    def _organisation_values(self, mapping_file):
        """{value as written: Organisation} from --mapping's "organisations" (by code or id):
        remembered for this and later imports into the organisation, as on the web page."""
        if not mapping_file:
            return {}
        data = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
        given = data.get("organisations", {}) if isinstance(data, dict) else {}
        if not isinstance(given, dict):
            raise CommandError('--mapping: expected {"organisations": {"VALUE": "CODE"}}')
        chosen = {}
        for value, code in given.items():
            lookup = Q(code=str(code)) | (Q(pk=int(code)) if str(code).isdigit() else Q())
            organisation = Organisation.objects.filter(lookup).first()
            if organisation is None:
                raise CommandError(f"--mapping: no organisation with code or id {code!r}")
            chosen[str(value)] = organisation
        return chosen

    def _mapping(self, batch, overrides):
        """The columns as the web page would match them, with the overrides applied."""
        try:
            table = services.open_stored_table(batch)
        except (reader.RosterFileError, OSError):
            return None  # the preview says what is wrong with the file
        try:
            headers = table.header.texts
            automatic = services.automatic_columns(headers, table.sample())
        finally:
            table.close()
        keys = [header_key(h) for h in headers]
        unknown = [h for h in overrides if h not in keys]
        if unknown:
            raise CommandError(
                f"no column headed {', '.join(unknown)}; the headers are: "
                + ", ".join(h for h in headers if h)
            )
        chosen = [
            overrides.get(key, column["field"]) for key, column in zip(keys, automatic, strict=True)
        ]
        # A field given to one column by hand is taken from any other column that had it.
        for index, key in enumerate(keys):
            if key not in overrides and chosen[index] in [overrides[k] for k in overrides]:
                chosen[index] = None
        return chosen

    def _fail(self, format, message, columns=()):
        if format == "json":
            report = {"rows": [], "columns": self._columns(columns), "summary": {}}
            self.stdout.write(json.dumps(report | {"error": message}, ensure_ascii=False))
        else:
            self.stderr.write(message)
        raise SystemExit(1)

    @staticmethod
    def _columns(columns):
        """The columns as read: header, field, whether matched automatically, and why."""
        return [
            {"header": c["header"], "field": c["field"], "auto": c.get("auto", True)}
            | ({"reason": render(c["reason"])} if c.get("reason") else {})
            for c in columns
        ]

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
            columns = self._columns(batch.columns)
            self.stdout.write(
                '], "columns": '
                + json.dumps(columns, ensure_ascii=False)
                + ', "summary": '
                + json.dumps(summary, ensure_ascii=False)
                + "}"
            )
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
