"""Writes of the roster import: upload, preview, apply and roll back a batch; export records.

Applying writes members in bulk (a 10,000-row file must go in within seconds), but each member
is built by the same member builder organisations.services uses for one member
(organisations.members: normalisation, ID number storage, search keys, every rule), and the
duplicate ID check is its bulk form. Every change is audited with the batch code in
AuditEvent.batch.
"""

import functools
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from audit import services as audit
from audit.models import Action, AuditEvent
from core import crypto
from core.actors import Actor, Operator, operator
from core.storage import PRIVATE, local_copy
from core.stored_text import Message, render, to_column, to_stored
from organisations import members as builder
from organisations import services as member_services
from organisations.models import Member, MembershipPeriod, Organisation

from . import mapping as column_check
from . import preview, progress, reader
from .columns import FIELD_BY_KEY, REQUIRED, auto_mapping
from .models import (
    RUNNING_STATUSES,
    BatchStatus,
    ExportStatus,
    ImportBatch,
    ImportRow,
    MemberExport,
    OrganisationValue,
    RowAction,
    RowOutcome,
)
from .normalise import ParsedDate

if TYPE_CHECKING:
    from accounts.models import User

_T = TypeVar("_T")
_M = TypeVar("_M", bound=models.Model)

logger = logging.getLogger(__name__)

# Fields recorded before an update and restored by a rollback (the precisions included).
SNAPSHOT_FIELDS = builder.MEMBER_FIELDS
# Every attribute an applied row may change, for bulk_update.
UPDATE_FIELDS = [
    *(name for name in builder.MEMBER_FIELDS if name != "phone"),
    "phone_encrypted",
    "phone_digest",
    "phone_masked",
    "name_pinyin",
    "name_initials",
    "updated_at",
]
WRITE_CHUNK = 500
# Distinct unknown 所在党支部 values a preview lists for mapping.
MAX_UNKNOWN_VALUES = 50


def background_threshold() -> int:
    """Files with at least this many rows are previewed and applied by the task worker."""
    return settings.ROSTER_BACKGROUND_ROWS


def background_bytes() -> int:
    """Files this big (on disk, or unpacked for an .xlsx) are only ever read by the worker."""
    return settings.ROSTER_BACKGROUND_MB * 1024 * 1024


def max_upload_bytes() -> int:
    return settings.ROSTER_MAX_UPLOAD_MB * 1024 * 1024


def upload_storage() -> Storage:
    """Uploads hold clear ID numbers: the private storage (core/storage.py), outside the web
    root, which every app server and task worker reads (a shared path or object storage).
    Files are named roster/<batch code>.<format>."""
    return storages[PRIVATE]


def _require_editable(actor: Actor, organisation: Organisation) -> None:
    member_services.require_editable(actor, organisation)


def _audit(*, actor: Actor, batch: ImportBatch, **kwargs: Any) -> None:
    audit.record(actor=actor, batch=batch.code, **kwargs)


def _account(actor: Actor) -> "User | None":
    """The account to name on a batch (uploaded, applied, rolled back by); none for the
    operator of a command or job, whom the audit log names instead."""
    # Otherwise an account of AUTH_USER_MODEL (the stubs only know AbstractBaseUser).
    return None if isinstance(actor, Operator) else cast("User", actor)


# --- moves between states ----------------------------------------------------------------


class BatchBusy(ValidationError):
    """The batch is not in the state a step needs: another request or run moved it first.

    A view shows the message; a task stops quietly (the batch belongs to another run)."""


def _new_token() -> str:
    return secrets.token_hex(8)


def _move(
    batch: ImportBatch,
    *,
    expected: Iterable[str],
    to: str,
    token: str | None = None,
    **fields: Any,
) -> bool:
    """Compare-and-set: move the batch from one of the `expected` states (and, given `token`,
    only while that run owns it) to `to`, with `fields`. True only if this call made the move;
    `batch` then carries the new values. Two requests or tasks can never both make one move."""
    values = {"status": to, "status_changed_at": timezone.now(), **fields}
    query = ImportBatch.objects.filter(pk=batch.pk, status__in=expected)
    if token is not None:
        query = query.filter(run_token=token)
    if query.update(**values) != 1:
        return False
    for name, value in values.items():
        setattr(batch, name, value)
    return True


def _status_now(batch: ImportBatch) -> str:
    return (
        ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).first()
        or batch.status
    )


def _busy(batch: ImportBatch) -> BatchBusy:
    """Why a step was refused, from the state the batch is in now."""
    status = _status_now(batch)
    if status == BatchStatus.APPLYING:
        return BatchBusy(_("该批次正在导入，请勿重复提交。"))
    if status == BatchStatus.APPLIED:
        return BatchBusy(_("该批次已经导入，请勿重复提交。"))
    if status == BatchStatus.ROLLED_BACK:
        return BatchBusy(_("该批次已撤销，不能再导入或预览。"))
    if status == BatchStatus.ROLLING_BACK:
        return BatchBusy(_("该批次正在后台撤销，请稍候。"))
    if status in RUNNING_STATUSES:
        return BatchBusy(_("该批次正在后台预览，请稍候。"))
    return BatchBusy(_("请先完成预览。"))


def _heartbeat(batch: ImportBatch, token: str) -> None:
    """The worker running the batch is alive. Raises BatchBusy when its run no longer owns the
    batch (it was retried meanwhile, or another run finished it): the run then stops."""
    now = timezone.now()
    alive = ImportBatch.objects.filter(
        pk=batch.pk, run_token=token, status__in=RUNNING_STATUSES
    ).update(heartbeat_at=now)
    if not alive:
        raise BatchBusy(_("该批次已由另一次处理接手。"))
    batch.heartbeat_at = now


def _batch_event(
    *, actor: Actor, batch: ImportBatch, action: Action, changes: dict[str, Any], **kwargs: Any
) -> None:
    """One step of a batch's own life (upload, preview, failure, discard, expiry): its file
    holds clear ID numbers, so each step is in the audit log, under the batch code."""
    _audit(
        actor=actor,
        batch=batch,
        action=action,
        target=batch,
        organisation=batch.organisation_id,
        changes=changes,
        **kwargs,
    )


# --- upload -------------------------------------------------------------------------------


def batch_upload(*, actor: Actor, organisation: Organisation, upload: File) -> ImportBatch:
    """Store an uploaded .xlsx/.csv (type- and size-checked) as a new batch, and find its table.

    Raises ValidationError({"file": ...}) for a file that is not a roster at all."""
    _require_editable(actor, organisation)
    name = upload.name or ""
    if upload.size > max_upload_bytes():
        raise ValidationError(
            {
                "file": _("文件超过 %(mb)s MB，请分成几个文件上传。")
                % {"mb": max_upload_bytes() >> 20}
            }
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    try:
        file_format = reader.detect_format(name, head)
    except reader.RosterFileError as exc:
        raise ValidationError({"file": exc.message}) from None
    batch = ImportBatch(
        organisation=organisation,
        created_by=_account(actor),
        original_name=Path(name).name[:200],
        file_format=file_format,
        size=upload.size,
    )
    batch.stored_file = upload_storage().save(f"roster/{batch.code}.{file_format}", upload)
    _inspect(batch)
    with transaction.atomic():
        batch.save()
        _batch_event(
            actor=actor,
            batch=batch,
            action=Action.UPLOAD,
            changes={
                "file": batch.original_name,
                "size": batch.size,
                "format": batch.file_format,
                "status": batch.status,
                **({"error": batch.error} if batch.error else {}),
            },
        )
    return batch


def _open_table(batch: ImportBatch) -> reader.Table:
    """The batch's stored file opened as a table; closing the table removes the local copy
    taken from object storage (none is taken from a filesystem). OSError: the file is gone."""
    copy = ExitStack()
    path = copy.enter_context(local_copy(upload_storage(), batch.stored_file))
    try:
        table = reader.open_table(path, batch.file_format)
    except BaseException:
        copy.close()
        raise
    table.cleanup = copy.close
    return table


def open_stored_table(batch: ImportBatch) -> reader.Table:
    """The batch's uploaded file as a table (for the command line's column mapping); the caller
    closes it."""
    return _open_table(batch)


def automatic_columns(headers: list[str], sample: list[list]) -> list[dict]:
    """The columns as matched without the importer: by header, checked against content."""
    return _columns(headers, None, sample)


def _weight(batch: ImportBatch) -> int:
    """What reading the file costs: its unpacked size (an .xlsx, from the zip directory),
    or its size (a CSV). Raises RosterFileError for a zip bomb."""
    with local_copy(upload_storage(), batch.stored_file) as path:
        return reader.unpacked_size(path, batch.file_format)


def _inspect(batch: ImportBatch) -> None:
    """Find the table of a fresh upload and estimate its rows, or say why the file cannot be
    read. A big file is only checked (its zip directory): the worker reads it, never the web
    request; batch_start_preview sends it there by its size."""
    try:
        if _weight(batch) >= background_bytes():
            return
        table = _open_table(batch)
    except reader.RosterFileError as exc:
        batch.status, batch.error = BatchStatus.FAILED, to_column(exc.message)
    else:
        batch.estimated_rows = table.estimated_rows
        table.close()


@transaction.atomic
def batch_discard(*, batch: ImportBatch, actor: Actor, reason: str = "") -> None:
    """Forget a batch that was never applied (a dry run, or expired): its rows and its stored
    file. A command or job passes its operator (core.actors.operator)."""
    if batch.status in (BatchStatus.APPLIED, BatchStatus.ROLLING_BACK, BatchStatus.ROLLED_BACK):
        raise ValueError("an applied batch is rolled back, never discarded")
    if batch.stored_file:
        upload_storage().delete(batch.stored_file)
    progress.clear(batch.code)
    _batch_event(
        actor=actor,
        batch=batch,
        action=Action.DELETE,
        changes={"status": [batch.status, None], "file": [batch.original_name, None]},
        reason=reason,
    )
    batch.delete()


def batches_expire(*, older_than_days: int, now: datetime | None = None) -> int:
    """Discard batches uploaded more than `older_than_days` ago and never applied: their files
    hold clear ID numbers and must not stay on disk. Returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    stale = _expirable(cutoff, now or timezone.now())
    reason = _("超过 %(days)s 天未导入，自动清除。") % {"days": older_than_days}
    count = 0
    for batch in stale.iterator():
        batch_discard(batch=batch, actor=operator("purge_roster_uploads"), reason=reason)
        count += 1
    return count


def _expirable(cutoff: datetime, now: datetime) -> models.QuerySet[ImportBatch]:
    """Batches uploaded before `cutoff` and never applied: idle ones, and running ones whose
    worker died (stale: a killed apply wrote nothing, and its file must not stay either)."""
    from .selectors import batch_health

    idle = [BatchStatus.UPLOADED, BatchStatus.PREVIEWED, BatchStatus.FAILED]
    old = ImportBatch.objects.filter(created_at__lt=cutoff)
    dead = [
        batch.pk
        # A rollback's batch was applied: never discarded (its rollback is retried instead).
        for batch in old.filter(status__in=RUNNING_STATUSES).exclude(
            status=BatchStatus.ROLLING_BACK
        )
        if batch_health(batch, now=now) in ("stalled", "stale")
    ]
    return old.filter(Q(status__in=idle) | Q(pk__in=dead))


# --- preview ------------------------------------------------------------------------------


def _encode_cell(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    return str(value)


def decode_cell(value: object) -> object:
    if isinstance(value, dict):
        kind, text = next(iter(value.items()))
        parsers: dict[str, Callable[[str], object]] = {
            "datetime": datetime.fromisoformat,
            "date": date.fromisoformat,
            "time": time.fromisoformat,
        }
        return parsers[kind](text)
    return value


def _import_row(batch: ImportBatch, result: preview.RowResult) -> ImportRow:
    applicable = result.action != RowAction.NONE
    values = preview.values_to_json(result.values) if applicable else {}
    phone = values.pop("phone", "")  # encrypted at rest, like the member's
    # Keys rather than objects: a related descriptor's checks cost more than the rest of the
    # row's fields together (the row is only inserted, never read back here).
    return _unsaved(
        ImportRow,
        batch_id=batch.pk,
        row_number=result.row_number,
        outcome=result.outcome,
        action=result.action,
        name=result.name[:100],
        id_number_masked=result.id_masked,
        # Stored as msgids and parameters: shown later in the reader's language.
        messages=[to_stored(text) for text in result.messages],
        values=values,
        phone_token=crypto.encrypt(phone) if phone else "",
        id_number_token=crypto.encrypt(result.id_number)
        if result.action == RowAction.CREATE
        else "",
        # The original cells of a rejected row, to hand back for fixing; encrypted at rest
        # like every ID number.
        raw=crypto.encrypt(json.dumps([_encode_cell(v) for v in result.raw], ensure_ascii=False))
        if result.outcome == RowOutcome.REJECTED
        else "",
        diff=result.diff,
        member_id=result.member.pk if result.member is not None else None,
    )


@functools.cache
def _defaults(model: type[models.Model]) -> list[tuple[str, Callable[[], Any]]]:
    return [(f.attname, f.get_default) for f in model._meta.concrete_fields]


def _unsaved(model: type[_M], **values: Any) -> _M:
    """model(**values) for attribute names (keys as `…_id`), without Model.__init__'s
    checks of each keyword: a tenth of storing a 10,000-row preview. Defaults are made per
    instance as Django makes them (a fresh dict for a JSONField's default=dict)."""
    instance = model.__new__(model)
    instance._state = ModelState()
    state = instance.__dict__
    for attname, default in _defaults(model):
        if attname not in values:
            state[attname] = default()
    state.update(values)
    return instance


def _columns(
    headers: list[str], mapping: list[str | None] | None, sample: list[list] | None = None
) -> list[dict]:
    """The columns as the preview uses them: the importer's `mapping`, or the automatic one
    (by header, then checked against the `sample` rows' content: roster.mapping)."""
    automatic = [
        {"index": i, "header": header, "field": field}
        for i, (header, field) in enumerate(zip(headers, auto_mapping(headers), strict=True))
    ]
    if sample is not None:
        automatic = column_check.check(automatic, sample)
    chosen = (
        [c["field"] for c in automatic]
        if mapping is None
        else list(mapping) + [None] * len(headers)
    )
    return [
        {
            "index": i,
            "header": header,
            "field": chosen[i],
            "auto": chosen[i] == automatic[i]["field"],
            **({"reason": to_stored(automatic[i]["reason"])} if automatic[i].get("reason") else {}),
        }
        for i, header in enumerate(headers)
    ]


def missing_columns(batch: ImportBatch) -> list[str]:
    mapped = {c["field"] for c in batch.columns}
    return [str(FIELD_BY_KEY[key].label) for key in REQUIRED if key not in mapped]


def batch_preview(
    *,
    batch: ImportBatch,
    actor: Actor,
    mapping: list[str | None] | None = None,
    token: str | None = None,
) -> ImportBatch:
    """(Re)build the preview: every source row gets its outcome. Changes nothing else.

    Without `token` it runs here and now (a small file, or the command line); the task worker
    passes the token batch_start_preview (or a retry) gave the queued batch, and gives up
    quietly (BatchBusy) once another run owns the batch. Runs outside one big transaction on
    purpose: the rows are written a chunk at a time, so a 10,000-row preview never holds the
    database's write lock for long."""
    _require_editable(actor, batch.organisation)
    started, started_from = timezone.now(), batch.status
    if token is None:
        token = _new_token()
        claimed = _move(
            batch,
            expected=(BatchStatus.UPLOADED, BatchStatus.PREVIEWED),
            to=BatchStatus.PREVIEWING,
            run_token=token,
            heartbeat_at=started,
        )
    else:
        claimed = _move(
            batch,
            expected=(BatchStatus.QUEUED,),
            to=BatchStatus.PREVIEWING,
            token=token,
            heartbeat_at=started,
        )
    if not claimed:
        if _status_now(batch) in (BatchStatus.APPLIED, BatchStatus.ROLLED_BACK):
            raise BatchBusy(_("该批次已导入或已撤销，不能重新预览。"))
        raise _busy(batch)
    try:
        table = _open_table(batch)
    except (reader.RosterFileError, OSError) as exc:
        message = getattr(exc, "message", "") or _("上传的文件已不存在，请重新上传。")
        if batch_fail(
            batch=batch, actor=actor, message=message, status=BatchStatus.FAILED, token=token
        ):
            batch.status, batch.error = BatchStatus.FAILED, to_column(message)
        return batch
    try:
        batch.sheet_name = table.sheet_name
        batch.title = table.header.title or table.header.unit_line
        batch.header_row = table.header.row
        sample = table.sample() if mapping is None else None
        batch.columns = _columns(table.header.texts, mapping, sample)
        batch.estimated_rows = table.estimated_rows
        ImportRow.objects.filter(batch=batch).delete()
        counts = dict.fromkeys(RowOutcome.values, 0) | {"to_create": 0, "to_update": 0, "rows": 0}
        missing = missing_columns(batch)
        if missing:
            found = reader.masked_line([c["header"] for c in batch.columns])
            # Stored as its msgid (core.stored_text): read in the reader's language.
            batch.error = to_column(
                Message(
                    gettext_noop(
                        "没有找到“%(columns)s”列（第 %(row)s 行的列名是：%(found)s），"
                        "请在下方“列对应”中指定各列。"
                    ),
                    {
                        "columns": "、".join(missing),
                        "row": table.header.row,
                        # long numbers left out: this goes to the log
                        "found": found or Message(gettext_noop("空")),
                    },
                )
            )
        else:
            batch.error = ""
            try:
                _fill_preview(batch, actor, table, counts, token)
            except reader.RosterFileError as exc:
                # Too long: nothing of it stays (the user splits the file).
                ImportRow.objects.filter(batch=batch).delete()
                if batch_fail(
                    batch=batch,
                    actor=actor,
                    message=exc.message,
                    status=BatchStatus.FAILED,
                    token=token,
                ):
                    batch.status, batch.error = BatchStatus.FAILED, to_column(exc.message)
                return batch
            if table.ended_at:
                counts["ended_at_row"] = table.ended_at
        with transaction.atomic():
            done = _move(
                batch,
                expected=(BatchStatus.PREVIEWING,),
                to=BatchStatus.PREVIEWED,
                token=token,
                sheet_name=batch.sheet_name,
                title=batch.title,
                header_row=batch.header_row,
                columns=batch.columns,
                estimated_rows=batch.estimated_rows,
                summary=counts,
                error=batch.error,
                previewed_at=timezone.now(),
            )
            if not done:
                raise BatchBusy(_("该批次已由另一次处理接手。"))
            _batch_event(
                actor=actor,
                batch=batch,
                action=Action.UPDATE,
                changes={
                    "status": [started_from, batch.status],
                    "summary": counts,
                    **({"error": render(batch.error)} if batch.error else {}),
                },
            )
    finally:
        table.close()
        progress.clear(batch.code)
    return batch


def _fill_preview(
    batch: ImportBatch, actor: Actor, table: reader.Table, counts: dict, token: str
) -> None:
    target = batch.organisation
    organisations = preview.organisation_queryset(actor).filter(path__startswith=target.path)
    aliases = dict(
        OrganisationValue.objects.filter(organisation=target).values_list("value", "maps_to")
    )
    ctx = preview.Context(
        actor=actor,
        target=target,
        columns=[preview.Column(c["index"], c["header"], c["field"]) for c in batch.columns],
        organisations=preview.OrganisationIndex(target, organisations, aliases),
        typed=table.typed,
    )
    meter = progress.Progress(batch.code, phase="preview", total=table.estimated_rows)

    def store(results: list[preview.RowResult]) -> None:
        _heartbeat(batch, token)  # and stop here if another run took the batch over
        _insert_rows(ImportRow, [_import_row(batch, r) for r in results])
        for result in results:
            counts[result.outcome] += 1
            counts["rows"] += 1
            if result.action == RowAction.CREATE:
                counts["to_create"] += 1
            elif result.action == RowAction.UPDATE:
                counts["to_update"] += 1
        meter.advance(len(results))

    preview.run(table.rows(), ctx, on_chunk=store)
    if ctx.unknown_organisations:
        # Listed once per value for the importer to map (batch_map_organisations).
        counts["unknown_organisations"] = [
            [value, count]
            for value, count in list(ctx.unknown_organisations.items())[:MAX_UNKNOWN_VALUES]
        ]


def batch_start_preview(
    *, batch: ImportBatch, actor: Actor, mapping: list[str | None] | None = None
) -> ImportBatch:
    """Preview now, or mark a big file (by estimated rows, or by size) QUEUED for the task
    worker with the token of its run (the page then shows progress);
    roster.tasks.start_preview enqueues it."""
    _require_editable(actor, batch.organisation)
    if batch.status == BatchStatus.FAILED:
        return batch  # the file could not be read; the batch page says why
    if not _is_big(batch):
        return batch_preview(batch=batch, actor=actor, mapping=mapping)
    fields: dict[str, Any] = {
        "background": True,
        "run_token": _new_token(),
        "heartbeat_at": None,
        "error": "",
    }
    if mapping is not None and batch.columns:
        # Kept now, so that a retry of this run previews with the same columns.
        fields["columns"] = _columns([c["header"] for c in batch.columns], mapping)
    expected = (BatchStatus.UPLOADED, BatchStatus.PREVIEWED)
    if not _move(batch, expected=expected, to=BatchStatus.QUEUED, **fields):
        raise _busy(batch)
    return batch


def batch_map_organisations(
    *, batch: ImportBatch, actor: Actor, choices: dict[str, Organisation]
) -> ImportBatch:
    """Remember what the file's 所在党支部 values mean (value as written → an organisation
    the importer may edit under the batch's organisation), for this and every later import
    into it; the caller previews again (roster.tasks.start_preview, with retry_mapping's
    columns). Each mapping is audited."""
    _require_editable(actor, batch.organisation)
    target = batch.organisation
    with transaction.atomic():
        for shown, organisation in choices.items():
            _require_editable(actor, organisation)
            if organisation.pk != target.pk and not organisation.path.startswith(target.path):
                raise ValidationError(_("只能对应到导入目标及其下级党组织。"))
            key = preview.organisation_key(shown)[:200]
            existing = OrganisationValue.objects.filter(organisation=target, value=key).first()
            before = existing.maps_to_id if existing else None
            if before == organisation.pk:
                continue
            mapped, _created = OrganisationValue.objects.update_or_create(
                organisation=target,
                value=key,
                defaults={"maps_to": organisation, "updated_by": _account(actor)},
            )
            _audit(
                actor=actor,
                batch=batch,
                action=Action.UPDATE if existing else Action.CREATE,
                target=mapped,
                organisation=target,
                changes={"value": shown[:200], "maps_to": [before, organisation.pk]},
            )
    return batch


def _is_big(batch: ImportBatch) -> bool:
    if batch.estimated_rows >= background_threshold():
        return True
    try:
        return _weight(batch) >= background_bytes()
    except (reader.RosterFileError, OSError):
        return False  # the preview says what is wrong with the file, at once


def retry_mapping(batch: ImportBatch) -> list[str | None] | None:
    """The columns a retried preview uses: those of the run it replaces."""
    return [c["field"] for c in batch.columns] if batch.columns else None


@transaction.atomic
def batch_retry(*, batch: ImportBatch, actor: Actor) -> ImportBatch:
    """Start again a background preview or apply whose worker died (or never came): the batch
    is stale (roster.selectors.batch_health). A new run token goes with it, so the old run, if
    it ever wakes, finds the batch taken over and leaves it alone. An apply runs in one
    transaction, so a killed one wrote nothing and is simply run again.
    roster.tasks.retry enqueues the task."""
    from .selectors import batch_health

    _require_editable(actor, batch.organisation)
    if batch_health(batch) not in ("stalled", "stale"):
        raise ValidationError(_("该批次没有中断，不需要重试。"))
    before = batch.status
    # An apply or a rollback runs in one transaction: a killed one wrote nothing, and runs again.
    to = (
        before if before in (BatchStatus.APPLYING, BatchStatus.ROLLING_BACK) else BatchStatus.QUEUED
    )
    moved = _move(
        batch,
        expected=(before,),
        to=to,
        token=batch.run_token,
        run_token=_new_token(),
        heartbeat_at=None,
        background=True,
        error="",
    )
    if not moved:
        raise _busy(batch)
    progress.clear(batch.code)
    _batch_event(
        actor=actor,
        batch=batch,
        action=Action.UPDATE,
        changes={"status": [before, to]},
        reason=_("后台任务中断后重试"),
    )
    return batch


# --- apply --------------------------------------------------------------------------------


def _chunks(items: list[_T], size: int = WRITE_CHUNK) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _stale(row: ImportRow, text: str) -> None:
    """A row that was fine at preview but no longer is: left out, and says why."""
    row.outcome = RowOutcome.REJECTED
    row.messages = [
        *row.messages,
        to_stored(Message("第 %(row)s 行：%(text)s", {"row": row.row_number, "text": text})),
    ]


def _stored_values(row: ImportRow, organisations: dict[int, Organisation]) -> dict[str, Any]:
    """ImportRow.values back as the preview's values (ParsedDate, Organisation)."""
    values: dict[str, Any] = {}
    stored = row.values
    for key, value in stored.items():
        if key in preview.PRECISION_FIELDS.values():
            continue
        if key in preview.DATE_FIELDS and value:
            precision = stored.get(preview.PRECISION_FIELDS.get(key, ""), "day")
            values[key] = ParsedDate(date.fromisoformat(value), precision)
        elif key == "organisation":
            values[key] = organisations[value]
        else:
            values[key] = value
    if row.phone_token:
        values["phone"] = crypto.decrypt(row.phone_token)
    return values


def _snapshot(member: Member) -> dict[str, Any]:
    return {**audit.snapshot(member, SNAPSHOT_FIELDS), "id_number": member.id_number_masked}


def _stale_problems(row: ImportRow, prepared: builder.PreparedMember) -> bool:
    """Whether the member builder refuses the row now (the rules, the registry or the date
    moved on since the preview); the row then stays out and says why."""
    if not prepared.errors:
        return False
    _stale(row, "；".join(text for texts in prepared.messages.values() for text in texts))
    return True


def _apply_creates(
    batch: ImportBatch,
    actor: Actor,
    rows: list[ImportRow],
    organisations: dict[int, Organisation],
    request: HttpRequest | None,
) -> None:
    numbers = {row.pk: crypto.decrypt(row.id_number_token) for row in rows}
    digests = {row.pk: crypto.digest(numbers[row.pk]) for row in rows}
    taken = builder.registered_id_digests(digests.values())
    today = timezone.localdate()
    created = []
    for row in rows:
        if digests[row.pk] in taken:
            _stale(row, _("该身份证号码在预览之后已被登记，本行未导入。"))
            continue
        values = _stored_values(row, organisations)
        prepared = preview.prepare(values, id_number=numbers[row.pk], today=today)
        if _stale_problems(row, prepared):
            continue
        created.append((row, prepared.member))
    Member.objects.bulk_create([member for _row, member in created])
    MembershipPeriod.objects.bulk_create(
        # 入党时间 missing from the file (资料不全): the relation is on record from the import.
        MembershipPeriod(
            member=m, organisation_id=m.organisation_id, started_on=m.joined_on or today
        )
        for _row, m in created
    )
    for row, member in created:
        _audit(
            actor=actor,
            batch=batch,
            action=Action.CREATE,
            target=member,
            organisation=member.organisation_id,
            changes=audit.diff({}, _snapshot(member)),
            request=request,
        )
        row.member, row.applied = member, RowAction.CREATE


def _apply_updates(
    batch: ImportBatch,
    actor: Actor,
    rows: list[ImportRow],
    organisations: dict[int, Organisation],
    request: HttpRequest | None,
) -> None:
    members = preview.member_queryset(actor).in_bulk([row.member_id for row in rows])
    now, today = timezone.now(), timezone.localdate()
    changed, moved = [], []
    for row in rows:
        member = members.get(row.member_id)
        if member is None:
            _stale(row, _("该党员在预览之后已被删除或已不在您的管理范围内，本行未导入。"))
            continue
        values = _stored_values(row, organisations)
        changes = preview.changes(member, {k: v for k, v in values.items() if v is not None})
        if values.get("full_member_on", "") is None and member.full_member_on is not None:
            changes["full_member_on"] = True
        if not changes:
            continue
        before = _snapshot(member)
        # The row's number is the member's (matched by it); the builder checks the
        # combination as it would now be stored.
        prepared = preview.prepare(
            {k: values[k] for k in changes}, id_number=None, member=member, today=today
        )
        if _stale_problems(row, prepared):
            continue
        old_organisation = member.organisation_id
        member = prepared.member
        member.updated_at = now
        row.before, row.applied = before, RowAction.UPDATE
        # The masked phone in `before` is for reading; a rollback restores it from this.
        row.before_phone_token = members[row.member_id].phone_encrypted
        changed.append((row, member, before))
        if member.organisation_id != old_organisation:
            moved.append((row, member))
    _update_rows(Member, [m for _r, m, _b in changed], UPDATE_FIELDS)
    if moved:
        open_periods: dict[int, list[int]] = {}
        for period in MembershipPeriod.objects.filter(
            member_id__in=[m.pk for _r, m in moved], ended_on__isnull=True
        ):
            open_periods.setdefault(period.member_id, []).append(period.pk)
        MembershipPeriod.objects.filter(
            pk__in=[pk for pks in open_periods.values() for pk in pks]
        ).update(ended_on=today)
        new_periods = MembershipPeriod.objects.bulk_create(
            MembershipPeriod(member=m, organisation_id=m.organisation_id, started_on=today)
            for _r, m in moved
        )
        for (row, member), period in zip(moved, new_periods, strict=True):
            row.periods = {"ended": open_periods.get(member.pk, []), "created": period.pk}
    for _row, member, before in changed:
        _audit(
            actor=actor,
            batch=batch,
            action=Action.UPDATE,
            target=member,
            organisation=member.organisation_id,
            changes=audit.diff(before, _snapshot(member)),
            request=request,
        )


def batch_apply(
    *,
    batch: ImportBatch,
    actor: Actor,
    request: HttpRequest | None = None,
    token: str | None = None,
) -> ImportBatch:
    """Apply a previewed batch: every valid row, in one transaction. Rejected rows stay out.

    Without `token` the batch is claimed here (PREVIEWED → APPLYING, compare-and-set, inside
    the transaction): of two requests at once, the second waits for the first and is then
    refused (BatchBusy). The task worker passes the token batch_start_apply (or a retry) gave
    the batch; a run whose token no longer matches, or that finds the batch applied, is
    refused the same way and changes nothing."""
    _require_editable(actor, batch.organisation)
    if token is not None:
        _heartbeat(batch, token)  # picked up by the worker
    row_ids = list(
        batch.rows.filter(action__in=[RowAction.CREATE, RowAction.UPDATE])
        .order_by("row_number")
        .values_list("pk", flat=True)
    )
    meter = progress.Progress(batch.code, phase="apply", total=len(row_ids))
    try:
        with transaction.atomic():
            if token is None:
                token = _new_token()
                claimed = _move(
                    batch,
                    expected=(BatchStatus.PREVIEWED,),
                    to=BatchStatus.APPLYING,
                    run_token=token,
                    background=False,
                )
                if not claimed:
                    raise _busy(batch)
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != BatchStatus.APPLYING or locked.run_token != token:
                raise _busy(locked)
            if missing_columns(locked):
                raise ValidationError(_("请先完成预览。"))
            _refuse_stale(locked)
            # Rows only ever name the target or organisations under it (the preview resolved
            # them there); the applier's own scope decides which of those may be written.
            organisations = (
                preview.organisation_queryset(actor)
                .filter(path__startswith=locked.organisation.path)
                .in_bulk()
            )
            stale = 0
            for chunk in _chunks(row_ids):
                rows = list(ImportRow.objects.filter(pk__in=chunk).order_by("row_number"))
                usable = []
                for row in rows:
                    if row.values.get("organisation", batch.organisation_id) in organisations:
                        usable.append(row)
                    else:
                        _stale(row, _("所在党组织不在您的管理范围内，本行未导入。"))
                _apply_creates(
                    locked,
                    actor,
                    [r for r in usable if r.action == RowAction.CREATE],
                    organisations,
                    request,
                )
                _apply_updates(
                    locked,
                    actor,
                    [r for r in usable if r.action == RowAction.UPDATE],
                    organisations,
                    request,
                )
                stale += sum(1 for r in rows if r.outcome == RowOutcome.REJECTED)
                _update_rows(
                    ImportRow,
                    rows,
                    [
                        "outcome",
                        "messages",
                        "member",
                        "applied",
                        "before",
                        "before_phone_token",
                        "periods",
                    ],
                )
                meter.advance(len(rows))
            applied = ImportRow.objects.filter(batch=locked).exclude(applied="")
            # The file holds clear ID numbers and nothing needs it any more.
            stored = locked.stored_file
            done = _move(
                locked,
                expected=(BatchStatus.APPLYING,),
                to=BatchStatus.APPLIED,
                token=token,
                summary={
                    **locked.summary,
                    "created": applied.filter(applied=RowAction.CREATE).count(),
                    "updated": applied.filter(applied=RowAction.UPDATE).count(),
                    "stale": stale,
                },
                applied_at=timezone.now(),
                applied_by=_account(actor),
                error="",
                stored_file="",
            )
            if not done:
                raise _busy(locked)
            if stored:
                transaction.on_commit(lambda: upload_storage().delete(stored))
    finally:
        meter.finish()
    return locked


def _refuse_stale(batch: ImportBatch) -> None:
    """A preview is applied only as it was counted: if a member it would update has changed
    since (another batch, a form, the API), the importer previews again and sees the new
    differences, rather than have the file overwrite them unseen."""
    if batch.previewed_at is None:
        return
    touched = batch.rows.filter(action=RowAction.UPDATE).values("member")
    if Member.objects.filter(pk__in=touched, updated_at__gt=batch.previewed_at).exists():
        raise ValidationError(
            _(
                "预览之后，本批次要修改的党员信息又有变动，预览结果已过时。"
                "请点“调整列对应”中的“按此重新预览”，核对后再导入。"
            )
        )


def batch_start_apply(
    *, batch: ImportBatch, actor: Actor, request: HttpRequest | None = None
) -> ImportBatch:
    """Apply now, or mark a large batch APPLYING (compare-and-set, with the token of its run)
    for the task worker; roster.tasks.start_apply enqueues it. A second request for the same
    batch is refused with a message (BatchBusy) and enqueues nothing."""
    _require_editable(actor, batch.organisation)
    if batch.status != BatchStatus.PREVIEWED:
        raise _busy(batch)
    if missing_columns(batch):
        raise ValidationError(_("请先完成预览。"))
    if not batch.applicable_count:
        raise ValidationError(_("没有可以导入的行。"))
    _refuse_stale(batch)
    if batch.summary.get("rows", 0) < background_threshold():
        return batch_apply(batch=batch, actor=actor, request=request)
    moved = _move(
        batch,
        expected=(BatchStatus.PREVIEWED,),
        to=BatchStatus.APPLYING,
        background=True,
        run_token=_new_token(),
        heartbeat_at=None,
        error="",
    )
    if not moved:
        raise _busy(batch)
    return batch


@transaction.atomic
def batch_fail(
    *, batch: ImportBatch, actor: Actor, message: str, status: str, token: str | None = None
) -> bool:
    """A preview or apply that stopped with an error: the batch says so (and can be retried).
    Only while the batch is still running (and, given `token`, still that run's): a failure
    never overwrites what another run finished. Returns whether it did.

    The audit event records the change of status only: the message may quote the exception,
    and with it a cell of the file."""
    before = batch.status
    running = ImportBatch.objects.filter(pk=batch.pk, status__in=RUNNING_STATUSES)
    if token is not None:
        running = running.filter(run_token=token)
    stored = to_column(message)  # a Message is read later in the reader's language
    if not running.update(status=status, error=stored, status_changed_at=timezone.now()):
        return False
    batch.status, batch.error = status, stored
    _batch_event(
        actor=actor, batch=batch, action=Action.UPDATE, changes={"status": [before, status]}
    )
    progress.clear(batch.code)
    return True


# --- rollback -----------------------------------------------------------------------------

MAX_BLOCKERS_SHOWN = 20


def rollback_blockers(batch: ImportBatch) -> list[str]:
    """Why the batch cannot be rolled back; empty when it can.

    A later change to a member the batch touched (any audited create/update/delete outside
    this batch and outside batches since rolled back), or a record that now refers to a member
    the batch created (a position, an account, ...), would be lost or broken by a rollback."""
    if batch.status not in (BatchStatus.APPLIED, BatchStatus.ROLLING_BACK):
        return [_("只有已导入的批次才能撤销。")]
    rows = list(
        batch.rows.exclude(applied="")
        .exclude(member=None)
        .values_list("member_id", "row_number", "name", "applied")
    )
    by_member = {member_id: (number, name) for member_id, number, name, _a in rows}
    blockers: list[str] = []
    rolled_back = ImportBatch.objects.filter(status=BatchStatus.ROLLED_BACK).values("code")
    for chunk in _chunks([str(pk) for pk in by_member]):
        later = (
            AuditEvent.objects.filter(
                target_type=Member._meta.label_lower,
                target_id__in=chunk,
                occurred_at__gt=batch.applied_at,
                action__in=[Action.CREATE, Action.UPDATE, Action.DELETE],
            )
            .exclude(batch=batch.code)
            .exclude(batch__in=rolled_back)
            .values_list("target_id", flat=True)
            .distinct()
        )
        for target_id in later:
            number, name = by_member[int(target_id)]
            blockers.append(
                _("第 %(row)s 行 %(name)s：导入后又被修改过。") % {"row": number, "name": name}
            )
    created = [member_id for member_id, _n, _name, applied in rows if applied == RowAction.CREATE]
    for relation in Member._meta.related_objects:
        if relation.related_model in (MembershipPeriod, ImportRow):
            continue  # removed with the member / our own bookkeeping
        for ids in _chunks(created):
            referring = relation.related_model._base_manager.filter(
                **{f"{relation.field.name}__in": ids}
            ).values_list(relation.field.attname, flat=True)
            for member_id in set(referring):
                number, name = by_member[member_id]
                blockers.append(
                    _("第 %(row)s 行 %(name)s：已被“%(what)s”引用。")
                    % {
                        "row": number,
                        "name": name,
                        "what": relation.related_model._meta.verbose_name,
                    }
                )
    if len(blockers) > MAX_BLOCKERS_SHOWN:
        rest = len(blockers) - MAX_BLOCKERS_SHOWN
        blockers = blockers[:MAX_BLOCKERS_SHOWN] + [_("等另外 %(n)s 处。") % {"n": rest}]
    return blockers


def _restore(member: Member, before: dict[str, Any], *, phone_token: str) -> None:
    for key in SNAPSHOT_FIELDS:
        if key not in before:
            continue
        if key == "phone":  # masked in `before`; the token holds the number
            member.phone = crypto.decrypt(phone_token)
            continue
        value = before[key]
        if key in preview.DATE_FIELDS and value:
            value = date.fromisoformat(value)
        if key == "organisation":
            member.organisation_id = value
        else:
            setattr(member, key, value)


def batch_start_rollback(
    *, batch: ImportBatch, actor: Actor, request: HttpRequest | None = None
) -> ImportBatch:
    """Roll back now, or (a batch that changed ROSTER_BACKGROUND_ROWS members or more) check
    that it may be and mark it ROLLING_BACK for the task worker, with the token of its run;
    roster.tasks.start_rollback enqueues it."""
    _require_editable(actor, batch.organisation)
    changed = batch.summary.get("created", 0) + batch.summary.get("updated", 0)
    if changed < background_threshold():
        return batch_rollback(batch=batch, actor=actor, request=request)
    blockers = rollback_blockers(batch)
    if blockers:
        raise ValidationError(blockers)
    moved = _move(
        batch,
        expected=(BatchStatus.APPLIED,),
        to=BatchStatus.ROLLING_BACK,
        background=True,
        run_token=_new_token(),
        heartbeat_at=None,
        error="",
    )
    if not moved:
        raise _busy(batch)
    return batch


@transaction.atomic
def batch_rollback(
    *,
    batch: ImportBatch,
    actor: Actor,
    request: HttpRequest | None = None,
    token: str | None = None,
) -> ImportBatch:
    """Undo an applied batch: previous values restored, created members removed. Refused
    (ValidationError listing why) while anything later depends on it. The task worker passes
    the token batch_start_rollback (or a retry) gave the batch; all of it is one transaction,
    so a worker killed halfway leaves the batch applied as it was, to be run again."""
    _require_editable(actor, batch.organisation)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if token is not None and (batch.status != BatchStatus.ROLLING_BACK or batch.run_token != token):
        raise _busy(batch)
    if token is None and batch.status == BatchStatus.ROLLING_BACK:
        raise _busy(batch)
    blockers = rollback_blockers(batch)
    if blockers:
        raise ValidationError(blockers)
    meter = progress.Progress(
        batch.code,
        phase="rollback",
        total=batch.summary.get("created", 0) + batch.summary.get("updated", 0),
    )
    transaction.on_commit(meter.finish)
    reason = _("撤销导入批次 %(code)s") % {"code": batch.code}
    now = timezone.now()
    updated = list(batch.rows.filter(applied=RowAction.UPDATE).exclude(member=None))
    for chunk in _chunks(updated):
        members = Member.objects.in_bulk([row.member_id for row in chunk])
        restored = []
        for row in chunk:
            member = members[row.member_id]
            current = _snapshot(member)
            _restore(member, row.before, phone_token=row.before_phone_token)
            member.name_pinyin, member.name_initials = builder.name_search_keys(member.name)
            member.updated_at = now
            restored.append(member)
            _audit(
                actor=actor,
                batch=batch,
                action=Action.UPDATE,
                target=member,
                organisation=member.organisation_id,
                changes=audit.diff(current, _snapshot(member)),
                reason=reason,
                request=request,
            )
            if row.periods:
                MembershipPeriod.objects.filter(pk=row.periods["created"]).delete()
                MembershipPeriod.objects.filter(pk__in=row.periods["ended"]).update(ended_on=None)
        _update_rows(Member, restored, UPDATE_FIELDS)
        meter.advance(len(chunk))
    created = list(
        batch.rows.filter(applied=RowAction.CREATE)
        .exclude(member=None)
        .values_list("member_id", flat=True)
    )
    for ids in _chunks(created):
        doomed = Member.objects.filter(pk__in=ids)
        for member in doomed:
            _audit(
                actor=actor,
                batch=batch,
                action=Action.DELETE,
                target=member,
                organisation=member.organisation_id,
                changes=audit.diff(_snapshot(member), {}),
                reason=reason,
                request=request,
            )
        doomed.delete()
        meter.advance(len(ids))
    batch.status = BatchStatus.ROLLED_BACK
    batch.rolled_back_at = now
    batch.rolled_back_by = _account(actor)
    batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by"])
    return batch


# --- exports ------------------------------------------------------------------------------


@transaction.atomic
def member_export_recorded(
    *,
    actor: Actor,
    organisation: Organisation | None,
    count: int,
    filters: dict[str, Any],
    reveal: bool = False,
    reason: str = "",
    request: HttpRequest | None = None,
) -> None:
    """An export of personal data is itself audited; one with clear ID numbers records why."""
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        organisation=organisation,
        changes={"rows": count, "filters": filters, "id_numbers": "clear" if reveal else "masked"},
        reason=reason,
        target_repr=_("党员名册导出"),
        request=request,
    )


@transaction.atomic
def rejected_rows_recorded(
    *, actor: Actor, batch: ImportBatch, count: int, request: HttpRequest | None = None
) -> None:
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        organisation=batch.organisation,
        changes={"rows": count, "file": "rejected rows"},
        target_repr=_("花名册导入未通过的行"),
        request=request,
        batch=batch.code,
    )


def _update_rows(model: type[models.Model], objects: list[Any], fields: list[str]) -> None:
    """UPDATE … WHERE pk = … for each object in one executemany.

    QuerySet.bulk_update builds one CASE WHEN per field over the whole chunk, which at
    thousands of rows spends seconds compiling SQL; this sends the same values (prepared by
    each field for the database, so JSON columns work on SQLite and PostgreSQL) row by row."""
    if not objects:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    concrete = {field.name: field for field in meta.concrete_fields}
    columns = [concrete[name] for name in fields]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table),
        ", ".join(f"{quote(_column(field))} = %s" for field in columns),
        quote(_column(meta.pk)),
    )
    params = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _insert_rows(model: type[models.Model], objects: list[Any]) -> None:
    """INSERT the objects (no primary keys needed back) in one executemany.

    QuerySet.bulk_create splits a chunk into batches of the database's parameter limit
    (on SQLite, 999 / 17 columns: ~60 rows) and compiles each: a fifth of a 10,000-row
    preview. Values are prepared by each field for the database, as in _update_rows."""
    if not objects:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table),
        ", ".join(quote(_column(field)) for field in columns),
        ", ".join(["%s"] * len(columns)),
    )
    prepare = [_preparer(field, connection) for field in columns]
    params = [[fn(obj) for fn in prepare] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


# Fields whose stored value is the attribute itself when it is text, a number or None.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.ForeignKey,
)
_PLAIN_VALUES = (str, int, type(None))


def _preparer(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """How a field's value goes to the database: for text, numbers and keys the attribute as
    it is, for JSON the backend's adapter, for the rest the field's own get_db_prep_save.
    The general path cost a third of storing a 10,000-row preview (five layers of calls per
    cell); the result is the same."""
    attname = field.attname
    general = lambda obj: field.get_db_prep_save(field.pre_save(obj, add=True), connection)  # noqa: E731
    if type(field) in _PLAIN_FIELDS:

        def plain(obj: Any) -> Any:
            value = getattr(obj, attname)
            return value if type(value) in _PLAIN_VALUES else general(obj)

        return plain
    if type(field) is models.JSONField:
        encoder = field.encoder

        def json_value(obj: Any) -> Any:
            value = getattr(obj, attname)
            if value is None:
                return general(obj)
            return connection.ops.adapt_json_value(value, encoder)

        return json_value
    return general


def _column(field: models.Field[Any, Any]) -> str:
    """A concrete field's column (typed optional: fields without a column have none)."""
    if field.column is None:
        raise ValueError(f"{field} has no database column")
    return field.column


# --- exports too large for a request ------------------------------------------------------------


def export_background_rows() -> int:
    """Exports of at least this many members are written by the task worker."""
    return settings.ROSTER_EXPORT_BACKGROUND_ROWS


@transaction.atomic
def export_start(
    *,
    actor: "User",
    organisation: Organisation,
    filters: dict[str, str],
    total: int,
    reveal: bool = False,
    reason: str = "",
    request: HttpRequest | None = None,
) -> MemberExport:
    """Queue an export of the member list as `filters` select it (for `actor`, whose scope
    the worker applies again), audited now as every export is; roster.tasks.start_export
    enqueues it."""
    export = MemberExport.objects.create(
        organisation=organisation,
        created_by=actor,
        filters=filters,
        reveal=reveal,
        total=total,
        run_token=_new_token(),
        status_changed_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        organisation=organisation,
        changes={
            "rows": total,
            "filters": filters,
            "id_numbers": "clear" if reveal else "masked",
            "export": export.code,
        },
        reason=reason,
        target_repr=_("党员名册导出"),
        request=request,
    )
    return export


def export_run(*, export: MemberExport, token: str) -> MemberExport:
    """Write the export (the worker): the members the account may see now, as the list's
    filters select them, with progress; a run whose token no longer matches (the export was
    retried after its worker died) does nothing."""
    from django.http import QueryDict

    from organisations import selectors as organisation_selectors

    from .exports import write_roster

    claimed = MemberExport.objects.filter(
        pk=export.pk, status=ExportStatus.QUEUED, run_token=token
    ).update(status=ExportStatus.RUNNING, status_changed_at=timezone.now())
    if not claimed:
        return export
    user = export.created_by
    params = QueryDict(mutable=True)
    for key, value in export.filters.items():
        params[key] = value
    _filter, queryset = organisation_selectors.filtered_members(user, params)
    if export.reveal:
        queryset = queryset & Member.objects.editable_by(user)
    meter = progress.Progress(export.code, phase="export", total=export.total)

    def counted(members: Iterable[Member]) -> Iterator[Member]:
        for index, member in enumerate(members, start=1):
            if index % 500 == 0:
                meter.advance(500)
            yield member

    try:
        output, count = write_roster(
            counted(queryset.iterator(chunk_size=2000)),
            unit_name=export.organisation.name,
            reveal=export.reveal,
        )
        with output:
            stored = upload_storage().save(f"exports/{export.code}.xlsx", File(output))
        done = MemberExport.objects.filter(
            pk=export.pk, status=ExportStatus.RUNNING, run_token=token
        ).update(
            status=ExportStatus.DONE,
            rows=count,
            stored_file=stored,
            finished_at=timezone.now(),
            status_changed_at=timezone.now(),
        )
        if not done:
            upload_storage().delete(stored)  # another run took it over meanwhile
    except Exception as exc:
        MemberExport.objects.filter(pk=export.pk, run_token=token).update(
            status=ExportStatus.FAILED, error=str(exc)[:500], status_changed_at=timezone.now()
        )
        raise
    finally:
        meter.finish()
    export.refresh_from_db()
    return export


def export_health(export: MemberExport, *, now: datetime | None = None) -> str | None:
    """As roster.selectors.batch_health: "waiting", "stalled" or "stale" (retry), or None."""
    if not export.is_running:
        return None
    now = now or timezone.now()
    beat = (progress.read(export.code) or {}).get("at")
    beat_at = datetime.fromtimestamp(beat, tz=UTC) if isinstance(beat, int | float) else None
    started = export.status == ExportStatus.RUNNING or beat_at is not None
    signs = [export.status_changed_at or export.created_at, beat_at]
    silent = now - max(sign for sign in signs if sign is not None)
    if silent >= timedelta(minutes=settings.ROSTER_STALE_MINUTES):
        return "stale" if started else "stalled"
    if not started and silent >= timedelta(minutes=settings.ROSTER_TASK_WAIT_MINUTES):
        return "waiting"
    return None


def export_retry(*, export: MemberExport, actor: Actor) -> MemberExport:
    """Queue again an export whose worker died (or never came): a new run token, so the old
    run, if it ever wakes, finds the export taken over."""
    if export_health(export) not in ("stalled", "stale") and export.status != ExportStatus.FAILED:
        raise ValidationError(_("该导出没有中断，不需要重试。"))
    token = _new_token()
    MemberExport.objects.filter(pk=export.pk, run_token=export.run_token).update(
        status=ExportStatus.QUEUED, run_token=token, error="", status_changed_at=timezone.now()
    )
    progress.clear(export.code)
    export.refresh_from_db()
    return export


@transaction.atomic
def export_downloaded(*, actor: Actor, export: MemberExport, request: HttpRequest) -> None:
    """Each download of a written export is in the audit log too."""
    audit.record(
        actor=actor,
        action=Action.EXPORT,
        organisation=export.organisation,
        changes={
            "rows": export.rows,
            "export": export.code,
            "id_numbers": "clear" if export.reveal else "masked",
        },
        target_repr=_("党员名册导出"),
        request=request,
    )


def exports_expire(*, older_than_days: int, now: datetime | None = None) -> int:
    """Delete exports (and their files, personal data) older than `older_than_days`."""
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    count = 0
    for export in MemberExport.objects.filter(created_at__lt=cutoff).iterator():
        if export.stored_file:
            upload_storage().delete(export.stored_file)
        progress.clear(export.code)
        export.delete()
        count += 1
    return count
