"""Import batches of the 花名册 and their source rows, kept for preview, apply and rollback."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.constraints import ConstraintErrorsOnFields
from core.stored_text import render
from organisations import policy


def new_batch_code() -> str:
    """A public batch identifier: random, never sequential (used in URLs and the audit log)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "RB" + "".join(secrets.choice(alphabet) for _ in range(10))


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    QUEUED = "queued", _("排队中")
    PREVIEWING = "previewing", _("正在预览")
    PREVIEWED = "previewed", _("待确认")
    APPLYING = "applying", _("正在导入")
    APPLIED = "applied", _("已导入")
    ROLLING_BACK = "rolling_back", _("正在撤销")
    ROLLED_BACK = "rolled_back", _("已撤销")
    FAILED = "failed", _("失败")


# While a batch is in one of these states a task is working on it and the page polls.
RUNNING_STATUSES = (
    BatchStatus.QUEUED,
    BatchStatus.PREVIEWING,
    BatchStatus.APPLYING,
    BatchStatus.ROLLING_BACK,
)


class RowOutcome(models.TextChoices):
    NEW = "new", _("新增")
    UPDATE = "update", _("修改")
    UNCHANGED = "unchanged", _("无变化")
    WARNING = "warning", _("警告")
    REJECTED = "rejected", _("不予导入")
    SKIPPED = "skipped", _("已跳过")


class RowAction(models.TextChoices):
    """What applying the row does; a warning row still creates or updates."""

    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    NONE = "none", _("不变")


class ImportBatch(models.Model):
    """花名册导入批次: one uploaded file, previewed, then applied (and maybe rolled back).

    `code` is what the audit log's `batch` field carries for every change the batch makes."""

    code = models.CharField(_("批次号"), max_length=20, unique=True, default=new_batch_code)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="roster_batches",
        verbose_name=_("导入到"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    # Storage name under MEDIA_ROOT (outside the web root); emptied once the batch is applied,
    # since the file holds clear ID numbers and nothing needs it any more.
    stored_file = models.CharField(max_length=200, blank=True, editable=False)
    file_format = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("文件大小"), default=0)
    status = models.CharField(
        _("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.UPLOADED
    )
    background = models.BooleanField(_("后台处理"), default=False)
    # Background work, for telling a running task from a dead or never started one. Every move
    # between states is a compare-and-set on `status` (roster.services), stamped here; the run
    # that owns a running state holds `run_token`, and a task whose token no longer matches
    # (the batch was retried, or another run finished it) leaves the batch alone.
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Last sign of life of the worker running the batch; empty until a worker picks it up.
    # (While applying, inside one transaction, the progress file carries the heartbeat.)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    run_token = models.CharField(max_length=32, blank=True, editable=False)
    sheet_name = models.CharField(_("工作表"), max_length=100, blank=True)
    title = models.CharField(_("表题"), max_length=200, blank=True)
    header_row = models.PositiveIntegerField(_("表头所在行"), null=True, blank=True)
    # [{"index": 0, "header": "身份证号码", "field": "id_number", "auto": true}, ...]
    columns = models.JSONField(_("列对应"), default=list, blank=True)
    estimated_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(_("统计"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    previewed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )
    rolled_back_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    objects = policy.ScopedQuerySet.as_manager()
    # Scoping (organisations.policy). Batches carry personal data from the file: only those
    # who may edit the target organisation see them (members, auditors, security never do).
    organisation_path = "organisation"
    visible_to_editors_only = True

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("花名册导入批次")
        verbose_name_plural = _("花名册导入批次")

    def __str__(self) -> str:
        return f"{self.code} {self.original_name}"

    @property
    def error_message(self) -> str:
        """`error` in the reader's language (stored as a msgid: core.stored_text.to_column)."""
        return render(self.error)

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def applicable_count(self) -> int:
        """Rows that applying would create or update."""
        return self.summary.get("to_create", 0) + self.summary.get("to_update", 0)


class ImportRow(ConstraintErrorsOnFields, models.Model):
    """One source row of a batch and what importing it does (or did).

    Holds no clear ID number or phone: `id_number_token` is the Fernet token (only for rows
    that create a member), `phone_token` the file's phone and `before_phone_token` the
    registry's phone an update replaced (for a rollback), `raw` the encrypted original cells
    (only for rejected rows, to hand back). `values`, `diff` and `before` hold no phone in
    clear: `diff` and `before` show it masked as on screen."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField(_("原表行号"))
    outcome = models.CharField(_("结果"), max_length=12, choices=RowOutcome.choices)
    action = models.CharField(max_length=8, choices=RowAction.choices, default=RowAction.NONE)
    name = models.CharField(_("姓名"), max_length=100, blank=True)
    id_number_masked = models.CharField(_("身份证号码"), max_length=40, blank=True)
    messages = models.JSONField(_("说明"), default=list, blank=True)
    # The file's normalised values, JSON-ready: dates ISO, organisation as its id.
    values = models.JSONField(default=dict, blank=True)
    id_number_token = models.TextField(blank=True)
    phone_token = models.TextField(blank=True)
    raw = models.TextField(blank=True)
    # {field: [registry value, file value]} as shown in the preview.
    diff = models.JSONField(default=dict, blank=True)
    member = models.ForeignKey(
        "organisations.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Filled by apply: what was done, the registry values before, the membership periods
    # touched; rollback reads them.
    applied = models.CharField(max_length=8, choices=RowAction.choices, blank=True)
    before = models.JSONField(default=dict, blank=True)
    before_phone_token = models.TextField(blank=True)
    periods = models.JSONField(default=dict, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    # Scoping: with its batch.
    organisation_path = "batch__organisation"
    visible_to_editors_only = True
    # Re-encrypted by `manage.py rotate_encryption_key` (core.crypto).
    encrypted_fields = {
        "id_number_token": None,
        "raw": None,
        "phone_token": None,
        "before_phone_token": None,
    }
    constraint_fields = {"row_once": "row_number"}

    class Meta:
        ordering = ["batch", "row_number"]
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "row_number"],
                name="roster_row_once",
                violation_error_code="row_once",
                violation_error_message=_("原表行号在同一导入批次中只能出现一次。"),
            )
        ]
        indexes = [models.Index(fields=["batch", "outcome", "row_number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.name}"


class OrganisationValue(ConstraintErrorsOnFields, models.Model):
    """What an organ calls one of its organisations in its roster files (所在党支部 "机关一支部"),
    mapped once by an importer to an organisation in scope and remembered for the next import
    into the same organisation (`organisation`, the import target)."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("导入到"),
    )
    # The cell as roster.preview.organisation_key reduces it (中共…委员会 → …支部).
    value = models.CharField(_("表格中的写法"), max_length=200)
    maps_to = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("对应党组织"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("设置人"),
    )
    updated_at = models.DateTimeField(_("设置时间"), auto_now=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"
    visible_to_editors_only = True
    constraint_fields = {"value_once": "value"}

    class Meta:
        verbose_name = _("党组织名称对应")
        verbose_name_plural = _("党组织名称对应")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "value"],
                name="roster_organisation_value_once",
                violation_error_code="value_once",
                violation_error_message=_("同一写法在导入到同一党组织时只能对应一个党组织。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.value} → {self.maps_to_id}"


def new_export_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "EX" + "".join(secrets.choice(alphabet) for _ in range(10))


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导出")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class MemberExport(models.Model):
    """A 花名册 export too large to write inside a request: written by the task worker, with
    progress, then downloaded by the account that asked for it (the file holds personal data:
    nobody else gets it, and it is deleted after ROSTER_UPLOAD_EXPIRY_DAYS)."""

    code = models.CharField(max_length=20, unique=True, default=new_export_code)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("填报单位"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The member list's query string (its filters) and whether ID numbers are in clear.
    filters = models.JSONField(default=dict, blank=True)
    reveal = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    stored_file = models.CharField(max_length=200, blank=True, editable=False)
    error = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    run_token = models.CharField(max_length=32, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = policy.ScopedQuerySet.as_manager()
    organisation_path = "organisation"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("花名册导出")
        verbose_name_plural = _("花名册导出")

    def __str__(self) -> str:
        return self.code

    @property
    def is_running(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)
