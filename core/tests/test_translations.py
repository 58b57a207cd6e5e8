"""The translation catalogues are complete, compiled and used.

The msgids are the Simplified Chinese text; 繁體 (zh_Hant) and English (en) must translate every
one of them. After changing strings run `scripts/update_translations.py` (see its docstring),
translate what it lists in locale/en/LC_MESSAGES/django.po, and run it again to compile.
"""

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from organisations.models import Member, Organisation
from organisations.tests.factories import MemberFactory, OrganisationFactory

BASE_DIR = Path(__file__).resolve().parents[2]
LOCALE_DIR = BASE_DIR / "locale"
LOCALES = ["en", "zh_Hant"]
SCRIPT = BASE_DIR / "scripts" / "update_translations.py"

# %(name)s, %d, %s, %% — and str.format fields ({sex}) used with format_lazy.
PLACEHOLDER = re.compile(
    r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcuo%]"
    r"|\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}"
)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
QUOTED = re.compile(r"“[^”]*”")


def catalogue(locale: str) -> polib.POFile:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing: run scripts/update_translations.py"
    return polib.pofile(str(path))


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


def nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match, "the catalogue has no Plural-Forms header"
    return int(match.group(1))


def describe(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{entry.msgid!r} (line {entry.linenum}; {where})"


# (a) complete, not fuzzy, placeholders kept ------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_is_translated_and_none_is_fuzzy(locale):
    po = catalogue(locale)
    assert len(po) > 0
    forms = nplurals(po)
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.fuzzy:
            problems.append(f"fuzzy: {describe(entry)}")
        if entry.msgid_plural:
            given = [entry.msgstr_plural.get(i, "") for i in range(forms)]
            if not all(given) or len(entry.msgstr_plural) != forms:
                problems.append(f"plural forms missing ({forms} needed): {describe(entry)}")
        elif not entry.msgstr:
            problems.append(f"untranslated: {describe(entry)}")
    assert not problems, f"{locale}: {len(problems)} entries to fix:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match_the_msgid(locale):
    problems = []
    for entry in catalogue(locale):
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            expected = [placeholders(entry.msgid), placeholders(entry.msgid_plural)]
            for index, text in sorted(entry.msgstr_plural.items()):
                if text and placeholders(text) not in expected:
                    problems.append(f"msgstr[{index}] {text!r} for {describe(entry)}")
        elif entry.msgstr and placeholders(entry.msgstr) != placeholders(entry.msgid):
            problems.append(f"{entry.msgstr!r} for {describe(entry)}")
    assert not problems, f"{locale}: placeholders differ from the msgid:\n" + "\n".join(problems)


def test_the_placeholder_pattern_sees_every_kind_the_code_uses():
    assert placeholders("第 %(row)s 行，%(n)d 人，%s，{sex}，50%%") == Counter(
        ["%(row)s", "%(n)d", "%s", "{sex}", "%%"]
    )
    assert placeholders("“%(value)s”的年份") == Counter(["%(value)s"])


@pytest.mark.parametrize("locale", LOCALES)
def test_header_names_the_language(locale):
    po = catalogue(locale)
    assert po.metadata.get("Language") == locale
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert not po.metadata_is_fuzzy


# (b) the committed .mo is the compiled .po ---------------------------------------------------


def _mapping(entries) -> dict:
    mapping = {}
    for entry in entries:
        if not entry.msgid or entry.obsolete or getattr(entry, "fuzzy", False):
            continue
        key = (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")
        if entry.msgid_plural:
            value = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            value = entry.msgstr
        if value and all(value):
            mapping[key] = value
    return mapping


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_the_po(locale):
    mo_path = LOCALE_DIR / locale / "LC_MESSAGES" / "django.mo"
    assert mo_path.exists(), f"{mo_path} is missing: run scripts/update_translations.py"
    compiled = _mapping(polib.mofile(str(mo_path)))
    source = _mapping(catalogue(locale))
    stale = sorted(
        f"{key[1]!r}: .po {source.get(key)!r} / .mo {compiled.get(key)!r}"
        for key in source.keys() | compiled.keys()
        if source.get(key) != compiled.get(key)
    )
    assert not stale, (
        f"{mo_path.relative_to(BASE_DIR)} is older than the .po; run "
        "scripts/update_translations.py (or manage.py compilemessages):\n" + "\n".join(stale[:30])
    )


# (c) the catalogue has every msgid the code uses --------------------------------------------


def test_catalogue_has_every_msgid_in_the_code():
    if not all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgattrib")):
        reason = "GNU gettext is not installed: sudo apt-get install -y gettext"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)  # make setup installs it; CI must not pass without this check
        pytest.skip(reason)
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        "strings marked for translation in the code are missing from locale/ — run "
        "scripts/update_translations.py, translate them in locale/en/LC_MESSAGES/django.po "
        f"and run it again.\n{result.stdout}{result.stderr}"
    )


# (d) pages really come out translated ---------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes and the attributes read out or shown."""

    ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "value", "hx-confirm")
    HIDDEN = ("script", "style")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("hidden", "password"):
            return
        self.parts += [value for name, value in attrs.items() if name in self.ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def untranslated_text(html: str) -> list[str]:
    """Visible text still holding Han characters once the data is taken out: the names of
    members and organisations, and the language switcher's own names (简体中文, 繁體中文)."""
    data = [str(label) for _code, label in settings.LANGUAGES]
    data += list(Organisation.objects.values_list("name", flat=True))
    data += [s for s in Organisation.objects.values_list("short_name", flat=True) if s]
    data += [s for s in Organisation.objects.values_list("organ", flat=True) if s]
    data += list(Member.objects.values_list("name", flat=True))
    data = [item for item in data if HAN.search(item)]
    parser = VisibleText()
    parser.feed(html)
    leftovers = []
    for part in parser.parts:
        for item in sorted(data, key=len, reverse=True):
            part = part.replace(item, "")
        # Roster files are Chinese documents, so English text quotes the Chinese column
        # names and values a user must type (“身份证号码”); quoted words are not chrome.
        part = QUOTED.sub("", part)
        if HAN.search(part):
            leftovers.append(part)
    return leftovers


PAGES = [
    ("admin", "core:home", None),
    ("admin", "organisations:member_list", None),
    ("admin", "organisations:member_detail", "member_a"),
    ("admin", "organisations:member_create", None),
    ("admin", "organisations:organisation_tree", None),
    ("admin", "organisations:organisation_detail", "org_a"),
    ("admin", "roster:roster_upload", "org_a"),
    ("secretary_a", "organisations:member_list", None),
    ("auditor", "audit:event_list", None),
    ("security", "accounts:account_list", None),
    ("security", "accounts:lockouts", None),
    ("member", "accounts:password_change", None),
]


@pytest.mark.parametrize(("persona", "name", "obj"), PAGES)
def test_pages_in_english_show_no_chinese_but_data(client, world, persona, name, obj):
    client.force_login(world.users[persona])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    args = [getattr(world, obj).pk] if obj else []
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert untranslated_text(html) == []


def test_login_page_in_english(client, db):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert untranslated_text(html) == []
    assert "Party Building Platform for Government Organs" in html


def test_member_list_chrome_is_english(client, world):
    branch = OrganisationFactory()
    MemberFactory(organisation=branch, name="扎西·次仁")
    MemberFactory(organisation=branch, name="卓玛")
    client.force_login(world.users["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(
        reverse("organisations:member_list"), {"organisation": branch.pk}
    ).content.decode()
    for text in (
        "<title>Party members · Party Building Platform for Government Organs</title>",
        '<h1 class="h3 m-0">Party members</h1>',
        ">Export to Excel</a>",
        ">Add member</a>",
        '>Name<span class="sort-mark" aria-hidden="true"> ▲</span></a></th>',
        "<th>Sex</th>",
        "<th>Ethnic group</th>",
        "<th>ID number</th>",
        "2 members",  # msgstr[1] of the plural entry
        "Log out",
    ):
        assert text in html
    # The data stays as it is.
    assert "扎西·次仁" in html


def test_descending_sort_labels_are_translated(client, world):
    client.force_login(world.users["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("organisations:member_list")).content.decode()
    options = re.findall(r'<option value="-[a-z_]+"[^>]*>([^<]*)</option>', html)
    assert options
    assert not [label for label in options if HAN.search(label)]


def test_singular_plural_form_in_english(client, world):
    branch = OrganisationFactory()
    MemberFactory(organisation=branch, name="卓玛")
    client.force_login(world.users["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(
        reverse("organisations:member_list"), {"organisation": branch.pk}
    ).content.decode()
    assert "1 member<" in html


def test_traditional_chinese_member_list(client, world):
    client.force_login(world.users["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    html = client.get(reverse("organisations:member_list")).content.decode()
    assert "黨員名冊" in html
    assert "党员名册" not in html
    assert "身份證號碼" in html
