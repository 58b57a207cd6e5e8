"""The audit log in words a party affairs worker reads: object types and fields by their
Chinese names, codes by their labels (民族 01 → 汉族, 类别 full → 正式党员).

Events store what services wrote — model labels (`organisations.member`), field names and
stored codes — so the log stays exact whatever the labels become; this module turns them into
the reader's language when the log is shown or exported. It reads models only through the app
registry (audit sits below the apps it describes)."""

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

from .services import MASK

# Keys services record that are not model fields (docs/security.md names each event).
EXTRA_FIELDS: dict[str, Any] = {
    "password": _("密码"),
    "sessions_ended": _("结束的会话数"),
    "session_ids": _("会话"),
    "api_token": _("API 令牌"),
    "api_tokens": _("API 令牌数"),
    "api_tokens_dropped": _("删除的旧令牌数"),
    "expiry": _("有效期至"),
    "check": _("核对"),
    "field": _("字段"),
    "form": _("表单"),
    "attempts_cleared": _("清除的失败记录"),
    "initial_passwords": _("通知单上的账号"),
    "rows": _("行数"),
    "filters": _("筛选条件"),
    "id_numbers": _("身份证号码"),
    "file": _("文件"),
    "size": _("文件大小"),
    "format": _("文件格式"),
    "summary": _("结果"),
    "error": _("错误"),
    "rotated": _("重新加密"),
    "username": _("用户名"),
    "ip_address": _("IP 地址"),
    # A roster batch's summary (roster.services): rows by outcome, then what applying did.
    "new": _("新增"),
    "update": _("修改"),
    "unchanged": _("无变化"),
    "warning": _("警告"),
    "rejected": _("不予导入"),
    "skipped": _("已跳过"),
    "to_create": _("将新增"),
    "to_update": _("将修改"),
    "ended_at_row": _("表格止于第几行"),
    "created": _("已新增"),
    "updated": _("已修改"),
    "stale": _("预览后已变动"),
}

EXTRA_VALUES: dict[str, Any] = {
    "id_number_registered": _("身份证号码是否已登记"),
    "password_change": _("修改密码"),
    "clear": _("明文"),
    "masked": _("脱敏"),
    "rejected rows": _("未导入的行"),
    "*** (reset)": _("（已重置）"),
    "***": MASK,
}


@cache
def _model(target_type: str) -> type[models.Model] | None:
    if "." not in target_type:
        return None
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def type_label(target_type: str) -> str:
    """`organisations.member` → 党员; an unknown type as it was written."""
    model = _model(target_type)
    return str(model._meta.verbose_name) if model is not None else target_type


def type_choices() -> list[tuple[str, str]]:
    """Every object type of the project's own apps (not installed packages), by its label,
    for the log's filter."""
    own = {c.label for c in apps.get_app_configs() if "site-packages" not in c.path}
    return sorted(
        (
            (model._meta.label_lower, str(model._meta.verbose_name))
            for model in apps.get_models()
            if model._meta.app_label in own
        ),
        key=lambda choice: choice[1],
    )


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a reverse relation
        return None
    return field if isinstance(field, models.Field) else None


def field_label(target_type: str, name: str) -> str:
    field = _field(_model(target_type), name)
    if field is not None:
        return str(field.verbose_name)
    if name in EXTRA_FIELDS:
        return str(EXTRA_FIELDS[name])
    return name


def value_label(target_type: str, name: str, value: object) -> object:
    """A stored value as the screen shows it: a code by its label, a list joined, True/False
    as 是/否; anything else unchanged (foreign keys: see `related_names`)."""
    if value is None or value == "":
        return value
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(str(value_label(target_type, name, v)) for v in value)
    if isinstance(value, dict):
        return "；".join(
            f"{field_label(target_type, k)}：{value_label(target_type, k, v)}"
            for k, v in value.items()
        )
    field = _field(_model(target_type), name)
    if field is not None and field.choices:
        labels = {str(code): label for code, label in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, str) and value in EXTRA_VALUES:
        return str(EXTRA_VALUES[value])
    return value


@dataclass(frozen=True)
class ChangeRow:
    field: str  # as stored
    label: str
    before: object
    after: object


def change_rows(event, related: dict[str, dict[Any, str]] | None = None) -> list[ChangeRow]:
    """The event's changes, each field by its name and each value by its label; foreign keys
    by the names in `related` ({field: {id: name}}) where given."""
    related = related or {}
    rows = []
    for name, before, after in event.change_rows():
        names = related.get(name, {})

        def shown(value: object, names: dict[Any, str] = names, name: str = name) -> object:
            if isinstance(value, int) and value in names:
                return names[value]
            return value_label(event.target_type, name, value)

        rows.append(
            ChangeRow(
                field=name,
                label=field_label(event.target_type, name),
                before=shown(before),
                after=shown(after),
            )
        )
    return rows


def related_names(event) -> dict[str, dict[Any, str]]:
    """Names for the foreign-key values of one event's changes ({field: {id: name}}): one
    query per such field. For one event's page, never for a list."""
    model = _model(event.target_type)
    names: dict[str, dict[Any, str]] = {}
    for name, before, after in event.change_rows():
        field = _field(model, name)
        if not isinstance(field, models.ForeignKey):
            continue
        ids = [v for v in (before, after) if isinstance(v, int)]
        if ids:
            target = field.related_model._base_manager.in_bulk(ids)  # type: ignore[union-attr]
            names[name] = {pk: str(obj) for pk, obj in target.items()}
    return names


def changes_text(event) -> str:
    """The changes on one line, for the export: "职务：科员 → 科长；…"."""
    parts = []
    for row in change_rows(event):
        if row.before is None:
            parts.append(f"{row.label}：{row.after}")
        else:
            parts.append(f"{row.label}：{row.before} → {row.after}")
    return "；".join(parts)
