"""The member builder: the one place where a member's data is prepared and checked.

The web form and the API (through organisations.services), the roster import (preview and
apply), the demo seed and the test factories all call `prepare_member`, so a member is held
to the same rules whichever way it comes in:

- the name is normalised (spaces and invisible characters dropped, every middle-dot variant
  written "·") and its pinyin search keys are derived from it;
- the ID number is normalised and parsed (organisations.id_numbers), then stored encrypted
  with its digest, mask and last four characters;
- the phone is a mainland mobile or a fixed line with its area code, stored in one form,
  encrypted with its digest (a search by the full number) and mask, like the ID number;
- name, unit and post neither start like a spreadsheet formula nor hold bidirectional
  controls;
- the cross-field rules: sex and birth date agree with the ID number, the join and full-member
  dates are not in the future, the full-member date is not before the join date, the member
  was at least MIN_JOINING_AGE when joining, and a probationary member has no full-member date.

`prepare_member` is pure: it reads and writes no database. The one rule that needs the
database, that an ID number is registered once, is `registered_id_digests` (a whole roster
chunk in one query) and `check_id_number_free` (one member, the same query).
"""

import calendar
import copy
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.functional import Promise
from pypinyin import Style, lazy_pinyin

from core import crypto

# Messages remember their msgid (core.stored_text): a roster import stores them inside its
# row messages, shown later in the reader's language; elsewhere they are plain text.
from core.stored_text import deferred as _
from core.text import drop_invisible, has_bidi_control, looks_like_formula

from .id_numbers import IdNumberInfo, parse_id_number
from .models import PROBATIONARY_FULL_DATE_MESSAGE, DatePrecision, Member, MemberCategory

# The fields a caller may set on a member, in the order the audit log and the roster's
# diff show them. Everything else on Member is derived here (ID number storage, search keys).
MEMBER_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "education",
    "joined_on",
    "joined_on_precision",
    "full_member_on",
    "full_member_on_precision",
    "category",
    "organisation",
    "unit",
    "post",
    "phone",
    "status",
)

# 预备期: a probationary member's probation lasts one year (党章 第七条).
PROBATION_YEARS = 1
# 年满十八岁: the youngest age at which one may join the Party (党章 第一条).
MIN_JOINING_AGE = 18

# Derived by the builder, never taken from input: model validation skips them here.
_DERIVED_FIELDS = [
    "organisation",  # a foreign key: checked by the caller, who resolved it in scope
    "id_number_encrypted",
    "id_number_digest",
    "id_number_masked",
    "id_last4",
    "name_pinyin",
    "name_initials",
    "phone_encrypted",
    "phone_digest",
    "phone_masked",
]

# What clean_fields checks of an update's fields (the rest is derived or bookkeeping).
_CHECKED_FIELDS = [*MEMBER_FIELDS, "created_at", "updated_at", "id"]

# Free text that ends up in spreadsheets and on every page: no formula starts (a 花名册 opened
# in Excel would run them) and no bidirectional controls (text that reads otherwise than it is).
TEXT_FIELDS = ("name", "unit", "post")


# --- dates -----------------------------------------------------------------------------------


def years_after(day: date, years: int) -> date:
    """The same calendar day `years` later (or earlier); 29 February gives 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def probation_ends(joined_on: date) -> date:
    """When the probation of someone who joined on `joined_on` ends (预备期满)."""
    return years_after(joined_on, PROBATION_YEARS)


def _latest(day: date, precision: str) -> date:
    """The last day a date may mean: a month-only date (1985-03) may be any day of its month."""
    if precision == DatePrecision.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


# --- text ------------------------------------------------------------------------------------

# Middle-dot look-alikes that people type or paste between the parts of a name (扎西·次仁):
# bullet, hyphenation point, katakana middle dot (and its half-width form), full stops,
# bullet operator, dot operator, word separator middle dot, Greek ano teleia.
_DOTS = str.maketrans(dict.fromkeys("•‧・･.．\u2219\u22c5\u2e31\u0387", "·"))


def normalise_name(name: str) -> str:
    """姓名: full-width folded (NFKC), no spaces or invisible characters ("王  芳" → 王芳), one
    middle dot for every variant (扎西•次仁 → 扎西·次仁). Idempotent."""
    while True:
        # Dropping a space can join a letter to a combining mark that NFKC then composes:
        # repeat until stable, so the result is the same however often it is normalised.
        cleaned = unicodedata.normalize("NFKC", drop_invisible(name))
        cleaned = "".join(cleaned.split()).translate(_DOTS)
        if cleaned == name:
            return cleaned
        name = cleaned


def _latin(chunk: str) -> str:
    return "".join(c.lower() for c in chunk if c.isascii() and c.isalpha())


def name_search_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a name (扎西·次仁 → zhaxiciren, zxcr); a Latin word counts
    as one syllable (Anna·卓玛 → annazhuoma, azm); the middle dot and the rest are ignored."""
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=_latin)
    return "".join(syllables)[:200], "".join(s[0] for s in syllables if s)[:32]


_DASHES = str.maketrans(dict.fromkeys("—–‐‑−", "-"))
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})", re.ASCII)
# Area codes: 010 and 02x have three digits, every other one four (0887 迪庆).
_LANDLINE = re.compile(
    r"(?:\+?86-?)?\(?(0(?:10|2[0-9]|[3-9][0-9]{2}))\)?-?([2-9][0-9]{6,7})(?:-([0-9]{1,6}))?",
    re.ASCII,
)


def normalise_phone(value: object) -> str:
    """联系电话 in one stored form: a mobile as its 11 digits (+86, spaces and dashes dropped),
    a fixed line as area code-number[-extension] (0887-8221234). Empty stays empty.

    Raises ValidationError for anything else ("abc", "12345", a number without area code)."""
    if value is None:
        return ""
    shown = str(value).strip()
    cleaned = "".join(drop_invisible(unicodedata.normalize("NFKC", shown)).split())
    cleaned = cleaned.translate(_DASHES)
    if not cleaned:
        return ""
    mobile = _MOBILE.fullmatch(cleaned.replace("-", ""))
    if mobile:
        return mobile.group(1)
    landline = _LANDLINE.fullmatch(cleaned)
    if landline:
        area, number, extension = landline.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise ValidationError(
        _("联系电话“%(value)s”无效：请填写 11 位手机号码，或带区号的固定电话（如 0887-8221234）。"),
        code="phone",
        params={"value": shown[:40]},
    )


# --- the builder -----------------------------------------------------------------------------


@dataclass
class PreparedMember:
    """A member ready to save (unsaved, or an unsaved copy of a stored one), or the reasons
    it may not be saved, by field."""

    member: Member
    errors: dict[str, list[ValidationError]] = field(default_factory=dict)
    id_info: IdNumberInfo | None = None

    @property
    def messages(self) -> dict[str, list[str]]:
        """The errors as text, by field."""
        return ValidationError(self.errors).message_dict if self.errors else {}

    def raise_errors(self) -> None:
        """Raise the errors as one ValidationError by field (a form shows each on its field)."""
        if self.errors:
            raise ValidationError(self.errors)

    def add(self, field_name: str, message: str | Promise, code: str, **params: object) -> None:
        self.errors.setdefault(field_name, []).append(
            ValidationError(message, code=code, params=params or None)
        )


def prepare_member(
    fields: Mapping[str, object],
    *,
    id_number: object = None,
    member: Member | None = None,
    today: date | None = None,
    derive: bool = True,
    id_info: IdNumberInfo | None = None,
) -> PreparedMember:
    """The member `fields` describe, normalised, with its derived fields set and every rule
    checked. Reads and writes no database.

    Creating: `member` is None and `id_number` is required. Updating: `member` is the stored
    member, left untouched; the result holds a copy with `fields` applied, and `id_number`
    is given only when it changes. `fields` are attributes named in MEMBER_FIELDS (the
    organisation as an Organisation the caller has already resolved within its scope).
    The ID number is not looked up: see check_id_number_free / registered_id_digests.

    `derive=False` checks without deriving what only a saved member needs (the encrypted ID
    number, its digest and mask, the pinyin search keys): the roster preview checks every
    row of a file this way and stores none of them, then applying prepares each in full.
    `id_info` is what parse_id_number already said of `id_number` (the roster preview parsed
    it reading the cell): it is not parsed twice."""
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"not member fields: {sorted(unknown)}")
    today = today or timezone.localdate()
    creating = member is None
    candidate = _new_member() if member is None else copy.copy(member)
    for name, value in fields.items():
        if name != "phone":  # set below, once normalised: setting it encrypts
            setattr(candidate, name, value)
    prepared = PreparedMember(candidate)

    candidate.name = normalise_name(candidate.name or "")
    if derive:
        candidate.name_pinyin, candidate.name_initials = name_search_keys(candidate.name)
    if "phone" in fields:
        try:
            phone = normalise_phone(fields["phone"])
        except ValidationError as exc:
            prepared.errors["phone"] = exc.error_list
        else:
            # Only a member about to be saved needs the phone encrypted (a Fernet token per
            # row was a sixth of a 10,000-row preview's time).
            if derive and _phone_changes(candidate, phone):
                candidate.set_phone(phone)
    _check_text(prepared)

    given = id_number not in (None, "")
    if creating or given:
        try:
            if id_info is not None and id_info.number == id_number:
                prepared.id_info = id_info
            else:
                prepared.id_info = parse_id_number(id_number, today=today)
        except ValidationError as exc:
            prepared.errors["id_number"] = exc.error_list
        else:
            number = prepared.id_info.number
            if derive and (creating or candidate.id_number_digest != crypto.digest(number)):
                candidate.set_id_number(number)
    elif "sex" in fields or "birth_date" in fields:
        # Only what changes is checked against the stored number, which was checked when
        # it was stored; reading it back costs a decryption.
        try:
            prepared.id_info = parse_id_number(candidate.id_number, today=today)
        except ValidationError as exc:
            prepared.errors["id_number"] = exc.error_list

    try:
        # A field that already has its error is not reported twice.
        # Updating, only the fields that change are checked: the stored ones were when stored.
        unchanged = [] if creating else [f for f in _CHECKED_FIELDS if f not in fields]
        _clean_fields(candidate, exclude={*_DERIVED_FIELDS, *unchanged, *prepared.errors})
    except ValidationError as exc:
        for name, errors in exc.error_dict.items():
            prepared.errors.setdefault(name, []).extend(errors)
    if candidate.organisation_id is None:
        prepared.add("organisation", _("请选择所在党组织。"), "required")

    _check_rules(prepared, today)
    return prepared


@functools.cache
def _new_member_state() -> dict[str, object]:
    """The attributes Member() starts with (the fields' defaults: all immutable)."""
    return {k: v for k, v in Member().__dict__.items() if k != "_state"}


def _new_member() -> Member:
    """Member(), without Model.__init__'s walk over every field and its defaults: a tenth
    of the builder's time when a roster preview checks 10,000 rows."""
    member = Member.__new__(Member)
    member.__dict__.update(_new_member_state())
    member._state = ModelState()
    return member


def _plainly_valid(model_field: models.Field, value: object) -> bool:
    """Whether `value` certainly passes `model_field.clean` (a known choice, a date, short
    text): Model.clean_fields costs a tenth of a 10,000-row preview, nearly all of it on
    values like these; anything else goes through the field's own clean."""
    if model_field.choices:
        return isinstance(value, str) and value in _CHOICES[model_field.name]
    if isinstance(model_field, models.DateField):
        return type(value) is date
    if isinstance(model_field, models.CharField):
        return (
            isinstance(value, str)
            and 0 < len(value) <= (model_field.max_length or 0)
            and "\x00" not in value
        )
    return False


_CHOICES = {
    f.name: frozenset(str(key) for key, _label in f.flatchoices)
    for f in Member._meta.fields
    if f.choices
}
# Fields whose validators are only the ones the fast path above accounts for.
_PLAIN_VALIDATORS = (MaxLengthValidator, ProhibitNullCharactersValidator)


def _clean_fields(member: Member, *, exclude: set[str]) -> None:
    """Model.clean_fields with a fast path for values that plainly pass (_plainly_valid)."""
    errors = {}
    for model_field in member._meta.fields:
        if model_field.name in exclude or model_field.generated:
            continue
        raw_value = getattr(member, model_field.attname)
        if model_field.blank and raw_value in model_field.empty_values:
            continue
        plain = all(isinstance(v, _PLAIN_VALIDATORS) for v in model_field.validators)
        if plain and _plainly_valid(model_field, raw_value):
            continue
        try:
            setattr(member, model_field.attname, model_field.clean(raw_value, member))
        except ValidationError as exc:
            errors[model_field.name] = exc.error_list
    if errors:
        raise ValidationError(errors)


def _phone_changes(member: Member, phone: str) -> bool:
    """Whether `phone` differs from the stored one, by digest (no decryption)."""
    return (crypto.digest(phone) if phone else "") != member.phone_digest


def _check_text(prepared: PreparedMember) -> None:
    for name in TEXT_FIELDS:
        value = getattr(prepared.member, name) or ""
        if has_bidi_control(value):
            prepared.add(name, _("不能包含改变文字方向的控制字符（如 U+202E）。"), "bidi_control")
        elif looks_like_formula(value):
            prepared.add(
                name,
                _("不能以 = + - @ 或制表符开头（表格软件会把它当作公式）。"),
                "formula",
            )


def _check_rules(prepared: PreparedMember, today: date) -> None:
    """The rules across fields, on the fields that are valid on their own."""
    member, info = prepared.member, prepared.id_info

    def usable(name: str) -> bool:
        value = getattr(member, name)
        return name not in prepared.errors and isinstance(value, date)

    if info is not None:
        if member.sex and "sex" not in prepared.errors and member.sex != info.sex:
            prepared.add("sex", _("性别与身份证号码不符。"), "id_mismatch")
        if usable("birth_date") and member.birth_date != info.birth_date:
            prepared.add(
                "birth_date",
                _("出生日期与身份证号码不符（号码显示为 %(date)s）。"),
                "id_mismatch",
                date=info.birth_date.isoformat(),
            )
    joined = member.joined_on if usable("joined_on") else None
    full = member.full_member_on if usable("full_member_on") else None
    if joined and joined > today:
        prepared.add("joined_on", _("入党日期不能晚于今天。"), "future")
        joined = None
    if full and full > today:
        prepared.add("full_member_on", _("转正日期不能晚于今天。"), "future")
        full = None
    if joined and usable("birth_date"):
        of_age = years_after(member.birth_date, MIN_JOINING_AGE)
        if _latest(joined, member.joined_on_precision) < of_age:
            prepared.add(
                "joined_on",
                _("入党日期早于年满 %(age)s 周岁之日（%(date)s），不符合党章规定的入党年龄。"),
                "under_age",
                age=MIN_JOINING_AGE,
                date=of_age.isoformat(),
            )
    if full and joined and _latest(full, member.full_member_on_precision) < joined:
        prepared.add("full_member_on", _("转正日期不能早于入党日期。"), "order")
    if member.category == MemberCategory.PROBATIONARY and member.full_member_on is not None:
        prepared.add("full_member_on", PROBATIONARY_FULL_DATE_MESSAGE, "probationary")


# --- the rule that needs the database ---------------------------------------------------------


def registered_id_digests(digests: Iterable[str], *, exclude_pk: int | None = None) -> set[str]:
    """Which of these ID number digests are already registered, in one query (a whole roster
    chunk at a time), optionally not counting the member `exclude_pk`."""
    queryset = Member.objects.filter(id_number_digest__in=list(digests))
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return set(queryset.values_list("id_number_digest", flat=True))


def duplicate_id_message() -> str:
    return _("该身份证号码已登记在册。")


def check_id_number_free(member: Member) -> None:
    """Raise ValidationError on id_number when another member holds `member`'s ID number."""
    if registered_id_digests([member.id_number_digest], exclude_pk=member.pk):
        raise ValidationError({"id_number": ValidationError(duplicate_id_message(), "duplicate")})
