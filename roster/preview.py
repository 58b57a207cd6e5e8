"""From source rows to outcomes: interpret each row, match it against the registry, diff it.

Interpretation is pure (cells → values, errors, warnings); matching works a chunk of rows at a
time with a fixed number of queries per chunk, so a 10,000-row file costs a few dozen queries
for the lookups. Each row that would create or change a member goes through the member
builder (organisations.members.prepare_member), which holds the rules every way in shares.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from audit.models import Action
from core import crypto
from core.stored_text import deferred as _
from core.stored_text import from_error
from organisations.id_numbers import (
    consistency_problems,
    mask_id_number,
    mask_phone,
    parse_id_number,
)
from organisations.members import (
    MEMBER_FIELDS,
    PreparedMember,
    prepare_member,
    probation_ends,
    registered_id_digests,
)
from organisations.models import (
    DatePrecision,
    Member,
    MemberCategory,
    Organisation,
)

from . import id_checks, normalise
from .columns import FIELD_BY_KEY, header_key
from .exports import member_pk
from .models import RowAction, RowOutcome
from .normalise import CellError, ParsedDate

CHUNK_SIZE = 500

# Fields of Member a roster row can set, in the order the diff shows them (the precisions
# show as part of their dates).
DIFF_FIELDS = tuple(f for f in MEMBER_FIELDS if not f.endswith("_precision"))
DATE_FIELDS = ("birth_date", "joined_on", "full_member_on")
PRECISION_FIELDS = {
    "joined_on": "joined_on_precision",
    "full_member_on": "full_member_on_precision",
}

_TOTAL_WORDS = ("合计", "总计", "小计", "共计")
_FOOTER_WORDS = (
    "注：",
    "注:",
    "说明：",
    "说明:",
    "填表说明",
    "填表人",
    "审核人",
    "制表人",
    "负责人",
    # Notes blocks, often merged over many rows inside or below the data.
    "注意：",
    "注意:",
    "注意事项",
    "填写注意事项",
    "填表注意事项",
    "填写说明",
    "填报说明",
    "温馨提示",
    "备注：",
)
# A row of hints under the header ("必填", "预备党员或正式党员", "格式：1985.03").
_HINT_WORDS = ("必填", "选填", "非必填", "填写", "格式", "例：", "例如", "如：", "或", "下拉")


@dataclass
class Column:
    index: int
    header: str
    field: str | None


@dataclass
class RowResult:
    """What one source row means. Holds the clear ID number in memory only."""

    row_number: int
    outcome: str = ""
    action: str = RowAction.NONE
    name: str = ""
    id_number: str = ""
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: list = field(default_factory=list)
    # What parse_id_number said of the row's number (handed to the member builder).
    id_info: object = None
    member: Member | None = None
    diff: dict = field(default_factory=dict)
    # The member a masked export's row names by its hidden key (roster.exports.member_key).
    member_pk: int | None = None

    @property
    def messages(self) -> list[str]:
        return self.errors + self.warnings + self.notes

    @property
    def id_masked(self) -> str:
        if self.id_number:
            return mask_id_number(self.id_number)
        return self.member.id_number_masked if self.member else ""


# --- organisations named in the 所在党支部 column ---------------------------------------

_ORG_SUFFIXES = (
    ("党支部委员会", "支部"),
    ("支部委员会", "支部"),
    ("党支部", "支部"),
    ("党总支部委员会", "总支"),
    ("总支部委员会", "总支"),
    ("党总支", "总支"),
    ("委员会", ""),
    ("党委", ""),
)


def organisation_key(name: str) -> str:
    """A name reduced to what tells organisations apart: 中共甲局第一支部委员会 and
    甲局第一党支部 both give 甲局第一支部."""
    key = "".join(unicodedata.normalize("NFKC", name or "").split()).lower()
    for prefix in ("中国共产党", "中共"):
        key = key.removeprefix(prefix)
    for suffix, replacement in _ORG_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)] + replacement
            break
    return key


class UnknownOrganisation(CellError):
    """A 所在党支部 value naming no organisation in scope: listed once per value in the
    preview, for the importer to map (roster.models.OrganisationValue)."""

    def __init__(self, message: str, value: str):
        super().__init__(message)
        self.value = value


class OrganisationIndex:
    """Resolves the 所在党支部 cell among the organisations the importer may write to under
    the target organisation, and nowhere else (an unknown name and one outside the scope
    read the same). `aliases` are the values importers mapped before (organisation_key →
    organisation id), used only where they lead into this scope."""

    def __init__(
        self,
        target: Organisation,
        organisations: Iterable[Organisation],
        aliases: dict[str, int] | None = None,
    ):
        self.target = target
        self.aliases = aliases or {}
        self.by_id = {}
        self._keys: dict[str, set[int]] = defaultdict(set)
        for organisation in organisations:
            self.by_id[organisation.pk] = organisation
            for name in (organisation.name, organisation.short_name):
                if name:
                    self._keys[organisation_key(name)].add(organisation.pk)
            self._keys[organisation.code.lower()].add(organisation.pk)
        self._memo: dict[str, int] = {}

    def contains(self, organisation_id: int) -> bool:
        return organisation_id in self.by_id

    @property
    def single(self) -> bool:
        """The target has no sub-organisation in scope: every row belongs to it."""
        return len(self.by_id) <= 1

    def resolve(self, value: object) -> Organisation | None:
        shown = normalise.text(value)
        if not shown:
            return None
        key = organisation_key(shown)
        if key not in self._memo:
            self._memo[key] = self._lookup(key, shown)
        found = self._memo[key]
        if isinstance(found, tuple):
            raise UnknownOrganisation(found[0], shown)
        if isinstance(found, str):
            raise CellError(found)
        return self.by_id[found]

    def _lookup(self, key: str, shown: str):
        alias = self.aliases.get(key)
        if alias in self.by_id:
            return alias
        found = self._keys.get(key) or {
            pk for candidate, pks in self._keys.items() if candidate.endswith(key) for pk in pks
        }
        if len(found) == 1:
            return next(iter(found))
        if found:
            names = "、".join(sorted(self.by_id[pk].name for pk in found)[:3])
            return _("“%(value)s”对应多个党组织（%(names)s），请填写全称。") % {
                "value": shown,
                "names": names,
            }
        return (
            _(
                "“%(value)s”不是“%(target)s”下的党组织，请在预览页的“党组织名称对应”中指定，"
                "或填写党组织的全称或简称。"
            )
            % {"value": shown, "target": self.target.name},
        )


# --- one row ------------------------------------------------------------------------------


@dataclass
class Context:
    actor: object
    target: Organisation
    columns: list[Column]
    organisations: OrganisationIndex
    typed: bool = True
    today: date = field(default_factory=timezone.localdate)
    # ID number → (first row number, fingerprint of its values): duplicates inside the file.
    seen: dict = field(default_factory=dict)
    # 所在党支部 values naming no organisation in scope → how many rows say each.
    unknown_organisations: dict = field(default_factory=dict)

    def __post_init__(self):
        self.header_of = {c.field: c.header for c in self.columns if c.field}
        self.id_index = next((c.index for c in self.columns if c.field == "id_number"), None)
        self.mapped = [c for c in self.columns if c.field not in (None, "sequence", "ignore")]
        self.header_keys = {
            c.index: header_key(c.header)
            for c in self.columns
            if c.field in ("name", "id_number") and c.header
        }

    def column(self, field_key: str) -> str:
        """The file's own header for a field (what the user sees), else our label."""
        return self.header_of.get(field_key) or str(FIELD_BY_KEY[field_key].label)


def message(row_number: int, column: str, text: str) -> str:
    return _("第 %(row)s 行，%(column)s：%(message)s") % {
        "row": row_number,
        "column": column,
        "message": text,
    }


def _quick_text(value) -> str:
    return "" if value is None or isinstance(value, int | float) else normalise.text(value)


def _may_be_hints(cells: list, ctx: Context) -> bool:
    """A row with a digit in its ID number cell is data (a cheap test, done on every row)."""
    index = ctx.id_index
    value = cells[index].value if index is not None else None
    return not (isinstance(value, int | float) or any(c.isdigit() for c in str(value or "")))


def _is_hint_row(cells: list, ctx: Context) -> bool:
    """Hints under the header: the name and ID cells blank or hints, every filled cell a
    hint ("必填", "预备党员或正式党员")."""
    count = 0
    for cell in cells:
        shown = _quick_text(cell.value)
        if not shown:
            continue
        if not any(word in shown for word in _HINT_WORDS):
            return False
        count += 1
    return count >= 2


def _skip_reason(cells: list, ctx: Context) -> str | None:
    filled = list(islice((t for t in (_quick_text(c.value) for c in cells) if t), 3))
    if any(t.replace(" ", "").startswith(_TOTAL_WORDS) for t in filled):
        return _("合计行，已跳过。")
    if filled and filled[0].replace(" ", "").startswith(_FOOTER_WORDS):
        return _("填表说明或注意事项，已跳过。")
    if filled and _may_be_hints(cells, ctx) and _is_hint_row(cells, ctx):
        return _("填写提示行，已跳过。")
    if all(normalise.is_blank(cells[c.index].value) for c in ctx.mapped):
        return _("空行，已跳过。")
    # A header repeated on every printed page: the name and ID cells hold their own headers.
    repeats = [
        isinstance(cells[index].value, str) and header_key(cells[index].value) == key
        for index, key in ctx.header_keys.items()
    ]
    if repeats and all(repeats):
        return _("重复的表头行，已跳过。")
    return None


def interpret(row_number: int, cells: list, ctx: Context) -> RowResult:
    """Cells → values, with every problem named by column and row. No database access."""
    result = RowResult(row_number)
    reason = _skip_reason(cells, ctx)
    if reason:
        result.outcome = RowOutcome.SKIPPED
        result.notes.append(_("第 %(row)s 行：%(reason)s") % {"row": row_number, "reason": reason})
        return result
    result.raw = [cell.value for cell in cells]
    cell_of = {c.field: cells[c.index] for c in ctx.mapped}

    def attempt(field_key, parse, *, warn_only=False):
        cell = cell_of.get(field_key)
        if cell is None:
            return None
        try:
            return parse(cell)
        except CellError as exc:
            text = message(row_number, ctx.column(field_key), exc.message)
            if warn_only:
                result.warnings.append(_("%(problem)s该项未导入。") % {"problem": text})
            else:
                result.errors.append(text)
            return None

    values = result.values
    name = attempt("name", lambda c: normalise.person_name(c.value))
    result.name = name or ""
    if name:
        values["name"] = name
    else:
        result.errors.append(message(row_number, ctx.column("name"), _("未填写。")))

    info = None
    id_cell = cell_of.get("id_number")
    key_cell = cell_of.get("member_key")
    if key_cell is not None and not normalise.is_blank(key_cell.value):
        result.member_pk = member_pk(key_cell.value)
        if result.member_pk is None:
            result.errors.append(
                message(row_number, ctx.column("member_key"), _("不是本平台导出的党员编号。"))
            )
    id_masked = id_cell is not None and "*" in normalise.text(id_cell.value)
    if result.member_pk and (id_cell is None or normalise.is_blank(id_cell.value) or id_masked):
        pass  # a row of a masked export: matched by its key (match_chunk), its number kept
    elif id_cell is None or normalise.is_blank(id_cell.value):
        result.errors.append(message(row_number, ctx.column("id_number"), _("未填写。")))
    else:
        try:
            raw_number, upgraded = id_checks.upgrade_legacy(id_cell.value)
            info = parse_id_number(normalise.id_number_cell(raw_number), today=ctx.today)
        except CellError as exc:
            result.errors.append(message(row_number, ctx.column("id_number"), exc.message))
        except ValidationError as exc:
            for text in exc.messages:
                result.errors.append(message(row_number, ctx.column("id_number"), text))
        else:
            result.id_number, result.id_info = info.number, info
            column = ctx.column("id_number")
            if upgraded:
                result.warnings.append(message(row_number, column, upgraded))
            region = id_checks.region_warning(info.region_code, info.birth_date.year)
            if region:
                result.warnings.append(message(row_number, column, region))

    sex = attempt("sex", lambda c: normalise.parse_sex(c.value))
    birth = attempt("birth_date", lambda c: _date(c, ctx))
    for key in ("joined_on", "full_member_on"):
        parsed = attempt(key, lambda c: _date(c, ctx))
        if parsed is not None:
            values[key] = parsed
            if parsed.warning:
                result.warnings.append(message(row_number, ctx.column(key), parsed.warning))
    simple = {
        "ethnicity": normalise.parse_ethnicity,
        "category": normalise.parse_category,
        "status": normalise.parse_status,
    }
    for key, parse in simple.items():
        value = attempt(key, lambda c, parse=parse: parse(c.value))
        if value is not None:
            values[key] = value
    education = attempt("education", lambda c: normalise.parse_education(c.value), warn_only=True)
    if education:
        values["education"] = education
    phone_cell = cell_of.get("phone")
    if phone_cell is not None and "*" in normalise.text(phone_cell.value):
        phone = None  # masked as exported: the registry's number stays
    else:
        phone = attempt("phone", lambda c: normalise.parse_phone(c.value), warn_only=True)
    if phone:
        values["phone"] = phone
    organisation = None
    if "organisation" in cell_of:
        try:
            organisation = ctx.organisations.resolve(cell_of["organisation"].value)
        except UnknownOrganisation as exc:
            column = ctx.column("organisation")
            if ctx.organisations.single:
                # Importing into an organisation without sub-organisations: the row is its.
                organisation = ctx.target
                result.warnings.append(
                    message(
                        row_number,
                        column,
                        _("“%(value)s”与“%(target)s”不同；本组织没有下级党组织，已导入本组织。")
                        % {"value": exc.value, "target": ctx.target.name},
                    )
                )
            else:
                ctx.unknown_organisations[exc.value] = (
                    ctx.unknown_organisations.get(exc.value, 0) + 1
                )
                result.errors.append(message(row_number, column, exc.message))
        except CellError as exc:
            result.errors.append(message(row_number, ctx.column("organisation"), exc.message))
    if organisation is not None:
        values["organisation"] = organisation
    if "unit_post" in cell_of:
        unit, post = normalise.split_unit_post(cell_of["unit_post"].value)
        if unit:
            values["unit"] = unit
        if post:
            values["post"] = post
    for key in ("unit", "post"):
        value = attempt(key, lambda c: normalise.text(c.value))
        if value:
            values[key] = value

    if info is not None:
        # The ID number is checked (region, date, checksum): where the sex or birth date
        # columns disagree with it, the number wins and the row says so.
        birth_problems = consistency_problems(
            info,
            birth_date=birth.value if birth and birth.precision == DatePrecision.DAY else None,
            birth_month=(birth.value.year, birth.value.month)
            if birth and birth.precision == DatePrecision.MONTH
            else None,
        )
        for key, problems in (
            ("sex", consistency_problems(info, sex=sex)),
            ("birth_date", birth_problems),
        ):
            for problem in problems:
                result.warnings.append(
                    message(
                        row_number,
                        ctx.column(key),
                        _("%(problem)s，已按身份证号码导入。") % {"problem": problem},
                    )
                )
        values["sex"] = info.sex
        values["birth_date"] = ParsedDate(info.birth_date, DatePrecision.DAY)

    if "category" not in values and "full_member_on" in values:
        values["category"] = str(MemberCategory.FULL)
    if result.errors:
        result.outcome = RowOutcome.REJECTED
    return result


def _date(cell, ctx: Context) -> ParsedDate | None:
    return normalise.parse_date(cell.value, getattr(cell, "number_format", None), typed=ctx.typed)


# --- matching against the registry ------------------------------------------------------


def _fingerprint(values: dict) -> int:
    return hash(tuple(sorted((k, str(v)) for k, v in values.items())))


def _date_changes(current: date | None, current_precision: str, new: ParsedDate) -> bool:
    if new.precision == DatePrecision.MONTH:
        # The file knows only the month: a registry date in that month is not contradicted.
        return current is None or (current.year, current.month) != (
            new.value.year,
            new.value.month,
        )
    return current != new.value or current_precision != DatePrecision.DAY


def show(field_key: str, value, precision: str = DatePrecision.DAY) -> str:
    """A value as the preview and the diff show it (labels, 1985-03 for month precision)."""
    if value in (None, ""):
        return ""
    if field_key in DATE_FIELDS:
        return value.strftime("%Y-%m" if precision == DatePrecision.MONTH else "%Y-%m-%d")
    if field_key == "organisation":
        return value.name
    if field_key == "phone":
        return mask_phone(value)  # masked on screen like everywhere else
    model_field = Member._meta.get_field(field_key)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def model_values(values: dict) -> dict:
    """A row's values as Member attributes for the member builder: a ParsedDate becomes its
    date and, for the join and full-member dates, its precision."""
    fields = {}
    for key, value in values.items():
        if isinstance(value, ParsedDate):
            fields[key] = value.value
            if key in PRECISION_FIELDS:
                fields[PRECISION_FIELDS[key]] = value.precision
        else:
            fields[key] = value
    return fields


def changes(member: Member, values: dict) -> dict:
    """{field: [registry, file]} for the file's values that differ from the registry."""
    diff = {}
    for key in DIFF_FIELDS:
        if key not in values:
            continue
        new = values[key]
        if key in DATE_FIELDS:
            precision = (
                getattr(member, PRECISION_FIELDS[key], DatePrecision.DAY)
                if (key in PRECISION_FIELDS)
                else DatePrecision.DAY
            )
            current = getattr(member, key)
            if _date_changes(current, precision, new):
                diff[key] = [show(key, current, precision), show(key, new.value, new.precision)]
        elif key == "organisation":
            if member.organisation_id != new.pk:
                diff[key] = [member.organisation.name, new.name]
        elif getattr(member, key) != new:
            diff[key] = [show(key, getattr(member, key)), show(key, new)]
    return diff


def prepare(
    values: dict,
    *,
    id_number: str | None,
    member: Member | None = None,
    today: date | None = None,
    derive: bool = True,
    id_info=None,
) -> PreparedMember:
    """The member builder on a row's values: what creating (`member` None) or updating
    `member` with them would store, or why it may not (derive=False: only why not)."""
    return prepare_member(
        model_values(values),
        id_number=id_number,
        member=member,
        today=today,
        derive=derive,
        id_info=id_info,
    )


def _member_problems(result: RowResult, prepared: PreparedMember, ctx: Context) -> None:
    """The member builder's verdict on the row, each problem named by the column it comes
    from."""
    for key, errors in prepared.errors.items():
        if key in FIELD_BY_KEY:
            column = ctx.column(key)
        else:
            column = str(Member._meta.get_field(key).verbose_name)
        for error in errors:
            for single in error.error_list:
                # The builder's own message, kept as a msgid: read in the reader's language.
                result.errors.append(message(result.row_number, column, from_error(single)))


# What the registry wants of a new member but a roster may lack: the row is imported all the
# same, with a warning, and the member is listed as 资料不全 until someone completes it.
WANTED_OF_NEW = ("ethnicity", "joined_on")


def _decide_new(result: RowResult, ctx: Context) -> None:
    values = result.values
    for key in WANTED_OF_NEW:
        if key not in values:
            result.warnings.append(
                message(
                    result.row_number,
                    ctx.column(key),
                    _("未填写；仍可导入，党员档案将标为“资料不全”，请导入后补全。"),
                )
            )
    values.setdefault("organisation", ctx.target)
    if "category" not in values:
        # No 人员类别 and no 转正时间: someone whose probation (预备期) is over is taken to
        # be a full member; without 入党时间 either, a full member as most are (the model's
        # default), and the row says so.
        joined = values.get("joined_on")
        probation_over = joined is None or probation_ends(joined.value) <= ctx.today
        values["category"] = str(
            MemberCategory.FULL if probation_over else MemberCategory.PROBATIONARY
        )
        if joined is None:
            result.warnings.append(
                message(
                    result.row_number,
                    ctx.column("category"),
                    _("未填写人员类别和入党时间，按正式党员导入，请核对。"),
                )
            )
    prepared = prepare(
        values, id_number=result.id_number, today=ctx.today, derive=False, id_info=result.id_info
    )
    _member_problems(result, prepared, ctx)
    if not result.errors:
        result.action = RowAction.CREATE


def _decide_update(result: RowResult, member: Member, ctx: Context) -> None:
    values = result.values
    if "organisation" not in values and not ctx.organisations.contains(member.organisation_id):
        # Registered in the importer's scope but outside the target: the file puts them here.
        values["organisation"] = ctx.target
    if values.get("category") == MemberCategory.PROBATIONARY and "full_member_on" not in values:
        values["full_member_on"] = None  # a probationary member has no 转正 date
    result.diff = changes(member, {k: v for k, v in values.items() if v is not None})
    if values.get("full_member_on", "") is None and member.full_member_on is not None:
        result.diff["full_member_on"] = [show("full_member_on", member.full_member_on), ""]
    if not result.diff:
        return
    prepared = prepare(
        {k: values[k] for k in values if k in result.diff},
        id_number=result.id_number,
        member=member,
        today=ctx.today,
        derive=False,
    )
    _member_problems(result, prepared, ctx)
    if not result.errors:
        result.action = RowAction.UPDATE


def match_chunk(results: list[RowResult], ctx: Context) -> None:
    """Outcomes for a chunk of interpreted rows: two queries for the lookups, then the
    shared member checks row by row."""
    candidates = [r for r in results if not r.outcome and r.id_number]
    for result in candidates:
        fingerprint = _fingerprint(result.values)
        first = ctx.seen.get(result.id_number)
        if first is None:
            ctx.seen[result.id_number] = (result.row_number, fingerprint)
            continue
        first_row, first_fingerprint = first
        if first_fingerprint == fingerprint:
            result.outcome = RowOutcome.SKIPPED
            result.notes.append(
                _("第 %(row)s 行：与第 %(first)s 行是同一人（身份证号码相同），只导入一次。")
                % {"row": result.row_number, "first": first_row}
            )
        else:
            result.errors.append(
                message(
                    result.row_number,
                    ctx.column("id_number"),
                    _("与第 %(first)s 行身份证号码相同，但其他内容不同；请核对后只保留一行。")
                    % {"first": first_row},
                )
            )
            result.outcome = RowOutcome.REJECTED
    candidates = [r for r in candidates if not r.outcome]
    digests = {crypto.digest(r.id_number): r for r in candidates}
    editable = {
        m.id_number_digest: m
        for m in member_queryset(ctx.actor)
        .filter(id_number_digest__in=list(digests))
        .select_related("organisation")
    }
    elsewhere = registered_id_digests(d for d in digests if d not in editable)
    if elsewhere:
        # The preview tells which numbers are registered outside the importer's scope, like
        # the member form's duplicate check (organisations.services.guard_id_number_check):
        # audited, one event a chunk, with the rows and no number.
        with transaction.atomic():
            audit.record(
                actor=ctx.actor,  # type: ignore[arg-type]
                action=Action.REVEAL,
                organisation=ctx.target,
                target_repr=ctx.target.name,
                changes={
                    "check": "id_number_registered",
                    "rows": sorted(digests[d].row_number for d in elsewhere),
                },
            )
    for digest, result in digests.items():
        member = editable.get(digest)
        if digest in elsewhere:
            result.errors.append(
                message(
                    result.row_number,
                    ctx.column("id_number"),
                    _("该党员已在其他党组织登记，不能由本组织导入；如需转入，请办理组织关系转接。"),
                )
            )
        elif member is None:
            _decide_new(result, ctx)
        else:
            result.member = member
            _decide_update(result, member, ctx)
    _match_keyed(results, ctx)
    for result in results:
        if result.outcome:
            continue
        if result.errors:
            result.outcome = RowOutcome.REJECTED
        elif result.action == RowAction.NONE:
            result.outcome = RowOutcome.UNCHANGED
        elif result.warnings:
            result.outcome = RowOutcome.WARNING
        else:
            result.outcome = (
                RowOutcome.NEW if result.action == RowAction.CREATE else RowOutcome.UPDATE
            )


def _match_keyed(results: list[RowResult], ctx: Context) -> None:
    """Rows of a masked export, matched to their members by the hidden key (one query): only
    what the file changes is updated. A key naming no member the importer may edit reads
    the same whether the member is elsewhere or gone."""
    keyed = [
        r for r in results if not r.outcome and not r.errors and r.member_pk and not r.id_number
    ]
    if not keyed:
        return
    members = (
        member_queryset(ctx.actor)
        .filter(pk__in=[r.member_pk for r in keyed])
        .select_related("organisation")
        .in_bulk()
    )
    for result in keyed:
        member = members.get(result.member_pk)
        first = ctx.seen.get(f"key:{result.member_pk}")
        if member is None:
            result.errors.append(
                message(
                    result.row_number,
                    ctx.column("member_key"),
                    _("该党员编号不对应您可以修改的党员；请使用含完整身份证号码的名册。"),
                )
            )
        elif first is not None:
            result.errors.append(
                message(
                    result.row_number,
                    ctx.column("member_key"),
                    _("与第 %(first)s 行是同一名党员，请只保留一行。") % {"first": first},
                )
            )
        else:
            ctx.seen[f"key:{result.member_pk}"] = result.row_number
            result.member = member
            result.name = result.name or member.name
            _decide_update(result, member, ctx)


def member_queryset(actor):
    """Members the importer may change: the actor's write scope (the operator's is the tree)."""
    return Member.objects.editable_by(actor)


def organisation_queryset(actor):
    return Organisation.objects.editable_by(actor)


def run(
    rows: Iterator[tuple[int, list]],
    ctx: Context,
    *,
    chunk_size: int = CHUNK_SIZE,
    on_chunk: Callable[[list[RowResult]], None],
) -> None:
    """Interpret and match every row, handing each finished chunk to `on_chunk`."""
    while True:
        chunk = list(islice(rows, chunk_size))
        if not chunk:
            return
        results = [interpret(number, cells, ctx) for number, cells in chunk]
        match_chunk(results, ctx)
        on_chunk(results)


def values_to_json(values: dict) -> dict:
    """The row's values as stored on ImportRow (dates ISO with their precision)."""
    stored = {}
    for key, value in values.items():
        if isinstance(value, ParsedDate):
            stored[key] = value.value.isoformat()
            if key in PRECISION_FIELDS:
                stored[PRECISION_FIELDS[key]] = value.precision
        elif isinstance(value, Organisation):
            stored[key] = value.pk
        else:
            stored[key] = value
    return stored
