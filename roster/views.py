"""Pages of the roster import: upload, preview (with progress for large files), apply,
roll back, and the files that go with them (rejected rows, blank template)."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from core.permissions import party_data_required
from organisations import selectors as organisation_selectors
from organisations.filters import labelled_errors
from organisations.models import DatePrecision, Member, Organisation
from organisations.policy import can_reveal_personal_data

from . import progress, selectors, services, tasks
from .columns import FIELD_BY_KEY, example_headers
from .exports import write_rejected, write_roster, write_template
from .forms import ColumnsForm, ExportRevealForm, OrganisationValuesForm, UploadForm
from .models import BatchStatus, ExportStatus, MemberExport, RowOutcome
from .preview import DATE_FIELDS, DIFF_FIELDS, PRECISION_FIELDS, show

ROWS_PER_PAGE = 50


def new_row_values(row, organisation_names: dict[int, str]) -> list[tuple[str, str]]:
    """(label, value as the registry will show it) for each field a new row sets."""
    shown = []
    for key in DIFF_FIELDS:
        value = row.values.get(key)
        if value in (None, ""):
            continue
        if key == "organisation":
            text = organisation_names.get(value, "")
        elif key in DATE_FIELDS:
            precision = row.values.get(PRECISION_FIELDS.get(key, ""), DatePrecision.DAY)
            text = show(key, date.fromisoformat(value), precision)
        else:
            text = show(key, value)
        shown.append((FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else key, text))
    return shown


def batch_url(batch) -> str:
    return reverse("roster:roster_batch", args=[batch.code])


def _done(request, batch):
    """Back to the batch page; an HTMX form (rollback asks first) is told to go there."""
    url = batch_url(batch)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _batch(request, code):
    return get_object_or_404(selectors.batches(request.user), code=code)


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes the roster size limit, instead of first
    writing all of it to a temporary file and refusing it afterwards."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit, self.received = limit, 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)  # read and drop the rest: the page answers
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # only so that the handler is in place before the CSRF check reads the body
@party_data_required
def roster_upload(request, pk):
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request, services.max_upload_bytes()))
    return _roster_upload(request, pk)


@csrf_protect
def _roster_upload(request, pk):
    """导入花名册: choose a file for an organisation; earlier batches listed below."""
    organisation = get_object_or_404(Organisation.objects.editable_by(request.user), pk=pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if getattr(request, "upload_too_large", False):
        form = UploadForm(data={}, files={})
        form.is_valid()  # the cut-off file reads as missing: say what really happened
        form.errors.pop("file", None)
        limit = services.max_upload_bytes() >> 20
        form.add_error("file", _("文件超过 %(mb)s MB，请分成几个文件上传。") % {"mb": limit})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_upload(
                actor=request.user, organisation=organisation, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error("file", exc.message_dict.get("file", exc.messages))
        else:
            if batch.status != BatchStatus.FAILED:
                tasks.start_preview(batch=batch, actor=request.user)
            return redirect(batch_url(batch))
    return render(
        request,
        "roster/upload.html",
        {
            "organisation": organisation,
            "form": form,
            "batches": selectors.recent_batches(request.user, organisation),
            "example_headers": example_headers(),
        },
    )


@party_data_required
def roster_batch(request, code):
    """A batch: its progress while a task works on it, then the preview or the result."""
    batch = _batch(request, code)
    if request.htmx and request.htmx.target == "roster-progress":
        if not batch.is_running:
            return HttpResponseClientRefresh()
        return render(
            request,
            "roster/batch.html#progress",
            {
                "batch": batch,
                "progress": progress.read(batch.code),
                "health": selectors.batch_health(batch),
                "stale_minutes": settings.ROSTER_STALE_MINUTES,
                "worker_command": selectors.worker_command(),
            },
        )
    outcome = request.GET.get("outcome")
    if outcome not in RowOutcome.values:
        outcome = None
    page = Paginator(selectors.batch_rows(batch, outcome), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    names = selectors.organisation_names(
        {row.values["organisation"] for row in rows if row.values.get("organisation")}
    )
    for row in rows:
        row.diff_rows = [
            (FIELD_BY_KEY[key].label if key in FIELD_BY_KEY else key, old, new)
            for key, (old, new) in row.diff.items()
        ]
        # What a new row will store, as read from its cells (a date typed 2015年7月1日, an
        # Excel serial, 197801 …), for checking before applying.
        row.value_rows = new_row_values(row, names) if row.action == "create" else []
    summary = batch.summary or {}
    tabs = [(None, _("全部"), summary.get("rows", 0))] + [
        (value, label, summary.get(value, 0)) for value, label in RowOutcome.choices
    ]
    columns_form = organisations_form = None
    if batch.status == BatchStatus.PREVIEWED and batch.columns:
        columns_form = ColumnsForm(columns=batch.columns)
        if summary.get("unknown_organisations") and batch.stored_file:
            organisations_form = _organisations_form(request, batch)
    unmatched = [c for c in batch.columns if not c["field"] and c["header"]]
    return render(
        request,
        "roster/batch.html",
        {
            "batch": batch,
            "page": page,
            "rows": rows,
            "outcome": outcome,
            "tabs": tabs,
            "query": f"outcome={outcome}" if outcome else "",
            "columns_form": columns_form,
            "organisations_form": organisations_form,
            "unknown_organisations": summary.get("unknown_organisations", []),
            "unmatched": unmatched,
            # Why a column was read otherwise than its header says, or not at all.
            "column_reasons": [c["reason"] for c in batch.columns if c.get("reason") and c["auto"]],
            "field_labels": {key: field.label for key, field in FIELD_BY_KEY.items()},
            "progress": progress.read(batch.code) if batch.is_running else None,
            "health": selectors.batch_health(batch),
            "stale_minutes": settings.ROSTER_STALE_MINUTES,
            "worker_command": selectors.worker_command(),
        },
    )


@party_data_required
@require_POST
def roster_columns(request, code):
    """Map columns by hand and preview again."""
    batch = _batch(request, code)
    form = ColumnsForm(request.POST, columns=batch.columns)
    if batch.status != BatchStatus.PREVIEWED or not batch.stored_file:
        messages.error(request, _("该批次已不能调整列对应。"))
    elif not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()))
    else:
        try:
            tasks.start_preview(batch=batch, actor=request.user, mapping=form.mapping())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已按新的列对应重新预览。"))
    return _done(request, batch)


def _organisations_form(request, batch, data=None):
    values = [value for value, _count in batch.summary.get("unknown_organisations", [])]
    return OrganisationValuesForm(
        data,
        values=values,
        organisations=selectors.mappable_organisations(request.user, batch.organisation),
        target=batch.organisation,
    )


@party_data_required
@require_POST
def roster_organisations(request, code):
    """Say which organisation each unknown 所在党支部 value means, remembered for the next
    imports into the same organisation, and preview again."""
    batch = _batch(request, code)
    form = _organisations_form(request, batch, request.POST)
    if batch.status != BatchStatus.PREVIEWED or not batch.stored_file:
        messages.error(request, _("该批次已不能调整党组织对应。"))
    elif not form.is_valid() or not form.chosen():
        messages.error(request, _("请至少为一个名称指定党组织。"))
    else:
        try:
            services.batch_map_organisations(batch=batch, actor=request.user, choices=form.chosen())
            tasks.start_preview(
                batch=batch, actor=request.user, mapping=services.retry_mapping(batch)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已保存党组织对应，并重新预览。"))
    return _done(request, batch)


@party_data_required
@require_POST
def roster_apply(request, code):
    batch = _batch(request, code)
    try:
        batch = tasks.start_apply(batch=batch, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if batch.status == BatchStatus.APPLIED:
            messages.success(
                request,
                _("导入完成：新增 %(created)s 人，修改 %(updated)s 人。")
                % {
                    "created": batch.summary.get("created", 0),
                    "updated": batch.summary.get("updated", 0),
                },
            )
    return _done(request, batch)


@party_data_required
@require_POST
def roster_retry(request, code):
    """Run again a background preview or apply whose worker died or never came."""
    batch = _batch(request, code)
    try:
        tasks.retry(batch=batch, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已重新交给后台任务处理。"))
    return _done(request, batch)


@party_data_required
@require_POST
def roster_rollback(request, code):
    batch = _batch(request, code)
    try:
        batch = tasks.start_rollback(batch=batch, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, _("不能撤销：%(reasons)s") % {"reasons": " ".join(exc.messages)})
    else:
        if batch.status == BatchStatus.ROLLED_BACK:
            messages.success(request, _("已撤销该批次导入。"))
    return _done(request, batch)


# Clear ID numbers: never kept by a browser or proxy cache (Cache-Control: no-store).
@never_cache
@party_data_required
def roster_rejected(request, code):
    """The rows left out, as an .xlsx with a 错误原因 column, to fix and upload again."""
    batch = _batch(request, code)
    output, count = write_rejected(
        batch, selectors.rejected_rows(batch).iterator(), decode_cell=services.decode_cell
    )
    services.rejected_rows_recorded(actor=request.user, batch=batch, count=count, request=request)
    return FileResponse(output, as_attachment=True, filename=f"未导入的行-{batch.code}.xlsx")


@party_data_required
def roster_template(request):
    """The blank 花名册 with the headers the import expects and a 填表说明 sheet."""
    unit = request.user.organisation
    output = write_template(unit_name=unit.name if unit else "")
    filename = f"党员花名册模板-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(output, as_attachment=True, filename=filename)


# Clear ID numbers: never kept by a browser or proxy cache (Cache-Control: no-store).
@never_cache
@party_data_required
def member_export(request):
    """党员花名册 as .xlsx in the usual layout, for the filtered list.

    GET masks ID numbers and phones. A POST with a reason, from someone who may edit the
    members, writes them in full (only the members they may edit). Both are audited."""
    member_filter, queryset = organisation_selectors.filtered_members(request.user, request.GET)
    list_url = f"{reverse('organisations:member_list')}?{request.GET.urlencode()}"
    if not member_filter.is_valid():
        # Back to the list, which shows the same errors beside the filter fields.
        errors = labelled_errors(member_filter).values()
        problems = "；".join(error for field_errors in errors for error in field_errors)
        messages.error(request, _("筛选条件有误，未导出：%(errors)s") % {"errors": problems})
        return redirect(list_url)
    reveal, reason = False, ""
    if request.method == "POST":
        if not can_reveal_personal_data(request.user):
            raise Http404
        form = ExportRevealForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写显示完整身份证号码的事由。"))
            return redirect(list_url)
        reveal, reason = True, form.cleaned_data["reason"]
        queryset = queryset & Member.objects.editable_by(request.user)
    scope_org = member_filter.form.cleaned_data.get("organisation")
    unit = scope_org or request.user.organisation or Organisation.objects.filter(depth=1).first()
    unit_name = unit.name if unit else ""
    total = queryset.count()
    if total >= services.export_background_rows() and unit is not None:
        # Too many for a request (100,000 members take half a minute): the worker writes it.
        export = services.export_start(
            actor=request.user,
            organisation=unit,
            filters={k: v for k, v in request.GET.items() if v},
            total=total,
            reveal=reveal,
            reason=reason,
            request=request,
        )
        tasks.start_export(export=export)
        return redirect("roster:roster_export", code=export.code)
    output, count = write_roster(
        queryset.iterator(chunk_size=2000), unit_name=unit_name, reveal=reveal
    )
    services.member_export_recorded(
        actor=request.user,
        organisation=unit,
        count=count,
        filters={k: v for k, v in request.GET.items() if v},
        reveal=reveal,
        reason=reason,
        request=request,
    )
    filename = f"党员花名册-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(output, as_attachment=True, filename=filename)


def _export(request, code):
    """An export, only ever to the account that asked for it (404 for anyone else)."""
    return get_object_or_404(
        MemberExport.objects.visible_to(request.user).select_related("organisation"),
        code=code,
        created_by=request.user,
    )


@never_cache
@party_data_required
def roster_export(request, code):
    """A background export: its progress, then the download."""
    export = _export(request, code)
    context = {
        "export": export,
        "progress": progress.read(export.code) if export.is_running else None,
        "health": services.export_health(export),
        "stale_minutes": settings.ROSTER_STALE_MINUTES,
    }
    if request.htmx and request.htmx.target == "export-progress":
        if not export.is_running:
            return HttpResponseClientRefresh()
        return render(request, "roster/export.html#progress", context)
    return render(request, "roster/export.html", context)


# Clear ID numbers maybe: never kept by a browser or proxy cache (Cache-Control: no-store).
@never_cache
@party_data_required
def roster_export_download(request, code):
    export = _export(request, code)
    if export.status != ExportStatus.DONE or not export.stored_file:
        raise Http404
    try:
        handle = services.upload_storage().open(export.stored_file, "rb")
    except OSError:
        raise Http404 from None
    services.export_downloaded(actor=request.user, export=export, request=request)
    filename = f"党员花名册-{export.created_at:%Y%m%d}-{export.code}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename)


@party_data_required
@require_POST
def roster_export_retry(request, code):
    export = _export(request, code)
    try:
        tasks.retry_export(export=export, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已重新交给后台任务处理。"))
    return redirect("roster:roster_export", code=export.code)
