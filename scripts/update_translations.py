#!/usr/bin/env python
"""Bring the translation catalogues up to date after strings changed in code or templates.

    .venv/bin/python scripts/update_translations.py           # extract, fill 繁體, compile
    .venv/bin/python scripts/update_translations.py --check   # only report msgids missing

The msgids are the Simplified Chinese text itself (LANGUAGE_CODE zh-hans needs no catalogue).
An update run:

1. extracts every marked string into locale/{en,zh_Hant}/LC_MESSAGES/django.po
   (`makemessages --no-obsolete`, domain django; the project has no JavaScript to translate);
2. fills each empty or fuzzy 繁體 entry by converting the msgid with OpenCC's standard s2t
   table (not Taiwan phrases), leaving placeholders (%(name)s, {name}, %d, HTML tags) as they are;
3. lists the English entries that are empty or fuzzy: English is written by a person in
   locale/en/LC_MESSAGES/django.po, never invented here (exit status 1 while any are left);
4. compiles the .mo files, which are committed so that a machine without gettext still
   serves the translations.

`--check` extracts into a temporary directory and fails, naming them, if the code has msgids
that the committed catalogue lacks; core/tests/test_translations.py runs it.
It needs GNU gettext (xgettext, msgmerge, msgattrib, msgfmt) on the PATH.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
DOMAIN = "django"
LOCALES = ("en", "zh_Hant")
# Directories that hold no project strings: the virtualenv, front-end packages, runtime data,
# the benchmark and test output. Ours only; makemessages adds .* , *~ and *.pyc itself.
IGNORE = (".venv", "node_modules", "var", "bench", "test-artifacts")
# msgmerge's own line width, so a save here and the next makemessages agree on the layout.
WRAP_WIDTH = 79

# What OpenCC must not touch (it only maps Han characters, but a placeholder is a contract
# with the code, so it is kept byte for byte whatever the dictionaries do).
PLACEHOLDER = re.compile(
    r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcuo%]"  # %(name)s, %d, %s, %%
    r"|\{\{.*?\}\}|\{%.*?%\}"  # template syntax, should any reach a msgid
    r"|\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}"  # str.format fields: {name}, {0:>3}
    r"|<[^>]*>"  # HTML tags and their attributes
)
# Where OpenCC's phrase table picks the wrong word for this application: 表行 is a table's
# row here (原表行号), never a watch shop (錶行).
CORRECTIONS = {"錶行": "表行"}
# One set of 繁體 terms throughout, the ones Django's own 繁體 catalogue uses (帳號, 使用者),
# so that a page never shows 使用者名稱 beside 賬號. Applied to every entry on each run.
TERMS = {"賬號": "帳號", "賬戶": "帳戶", "用戶名": "使用者名稱", "用戶": "使用者"}
# Replacements for Django's and DRF's own Simplified Chinese (locale/overrides/zh_Hans, by
# hand); their 繁體 counterpart in locale/overrides/zh_Hant is generated from it.
OVERRIDES_DIR = LOCALE_DIR / "overrides"
_POT_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


def setup_django() -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.chdir(BASE_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def makemessages(
    *locales: str, into: Path | None = None, extra_ignore: tuple[str, ...] = (), verbosity: int = 1
) -> None:
    """`manage.py makemessages` with our options; `into` sends the catalogue elsewhere."""
    from django.core.management import call_command
    from django.core.management.commands.makemessages import Command

    class Extract(Command):
        def find_files(self, root):
            files = super().find_files(root)
            if into is not None:
                # makemessages writes next to the `locale` directory that holds the sources
                # (ours, at the top of the tree) whatever LOCALE_PATHS says; redirect them.
                for file in files:
                    file.locale_dir = str(into)
            return files

    call_command(
        Extract(),
        locale=list(locales),
        domain=DOMAIN,
        ignore_patterns=[*IGNORE, *extra_ignore],
        no_obsolete=True,
        verbosity=verbosity,
    )


def po_path(locale: str, base: Path = LOCALE_DIR) -> Path:
    return base / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def entry_key(entry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def untranslated(entry) -> bool:
    if entry.msgid_plural:
        return not entry.msgstr_plural or not all(entry.msgstr_plural.values())
    return not entry.msgstr


def nplurals(po) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 1


def converter():
    # opencc-py is OpenCC's own pure-Python implementation over its official dictionaries
    # (no compiler needed); the C++ binding `opencc` offers the same import and API.
    import opencc

    s2t = opencc.OpenCC("s2t")

    def convert(text: str) -> str:
        parts, last = [], 0
        for match in PLACEHOLDER.finditer(text):
            parts.append(s2t.convert(text[last : match.start()]))
            parts.append(match.group(0))
            last = match.end()
        parts.append(s2t.convert(text[last:]))
        converted = "".join(parts)
        return use_terms(converted)

    return convert


def use_terms(text: str) -> str:
    for wrong, right in {**CORRECTIONS, **TERMS}.items():
        text = text.replace(wrong, right)
    return text


def apply_terms(po) -> None:
    """Bring every 繁體 entry, hand-corrected ones included, to the one set of terms."""
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {i: use_terms(t) for i, t in entry.msgstr_plural.items()}
        else:
            entry.msgstr = use_terms(entry.msgstr)


def write_traditional_overrides() -> int:
    """locale/overrides/zh_Hant from locale/overrides/zh_Hans (converted), plus the messages
    Django REST framework has in Simplified Chinese but not in Traditional: without them a
    繁體 reader of the API gets Simplified text (Django falls back to LANGUAGE_CODE)."""
    import polib
    import rest_framework

    convert = converter()
    drf = Path(rest_framework.__file__).parent / "locale"
    simplified = polib.mofile(str(drf / "zh_Hans" / "LC_MESSAGES" / "django.mo"))
    traditional_mo = polib.mofile(str(drf / "zh_Hant" / "LC_MESSAGES" / "django.mo"))
    traditional = {e.msgid for e in traditional_mo}
    ours = polib.pofile(str(po_path("zh_Hans", OVERRIDES_DIR)))
    out = polib.POFile(wrapwidth=WRAP_WIDTH)
    out.header = (
        "Dangjian — 繁體 in place of Django's and Django REST framework's own wording.\n"
        "Generated by scripts/update_translations.py from ../zh_Hans (by OpenCC s2t) and from\n"
        "DRF's Simplified catalogue where its Traditional one lacks a message. Do not edit."
    )
    out.metadata = {
        "Project-Id-Version": "dangjian",
        "Language": "zh_Hant",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    seen = set()
    for entry in ours:
        out.append(polib.POEntry(msgid=entry.msgid, msgstr=convert(entry.msgstr)))
        seen.add(entry.msgid)
    for entry in sorted(simplified, key=lambda e: e.msgid):
        if not entry.msgid or entry.msgid in traditional or entry.msgid in seen:
            continue
        if entry.msgid_plural:
            out.append(
                polib.POEntry(
                    msgid=entry.msgid,
                    msgid_plural=entry.msgid_plural,
                    msgstr_plural={0: convert(entry.msgstr_plural[0])},
                )
            )
        elif entry.msgstr:
            out.append(polib.POEntry(msgid=entry.msgid, msgstr=convert(entry.msgstr)))
    path = po_path("zh_Hant", OVERRIDES_DIR)
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(str(path))
    for locale in ("zh_Hans", "zh_Hant"):
        po = polib.pofile(str(po_path(locale, OVERRIDES_DIR)))
        po.save_as_mofile(str(po_path(locale, OVERRIDES_DIR).with_suffix(".mo")))
    return len(out)


def fill_traditional(po) -> list[str]:
    """Fill the empty and fuzzy 繁體 entries from their msgid; return the msgids filled."""
    convert = converter()
    filled = []
    for entry in po:
        if entry.obsolete or not (entry.fuzzy or untranslated(entry)):
            continue
        if entry.msgid_plural:
            singular, plural = convert(entry.msgid), convert(entry.msgid_plural)
            entry.msgstr_plural = {i: singular if i == 0 else plural for i in range(nplurals(po))}
        else:
            entry.msgstr = convert(entry.msgid)
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
        entry.previous_msgctxt = entry.previous_msgid = entry.previous_msgid_plural = None
        filled.append(entry.msgid)
    return filled


HEADER_COMMENT = (
    "Dangjian — {name} translation of the user interface.\n"
    "The msgids are the Simplified Chinese text (LANGUAGE_CODE zh-hans).\n"
    "Update with scripts/update_translations.py; {how}."
)
HOW = {
    "en": "the English is written by hand, following the glossary in DESIGN.md §4",
    "zh_Hant": "empty and fuzzy entries are filled by OpenCC s2t and may be corrected by hand",
}
NAMES = {"en": "English", "zh_Hant": "Traditional Chinese (繁體中文)"}


def fix_header(po, locale: str) -> None:
    """Replace the template header xgettext leaves (PACKAGE VERSION, a fuzzy header)."""
    po.header = HEADER_COMMENT.format(name=NAMES[locale], how=HOW[locale])
    po.metadata_is_fuzzy = False
    defaults = {
        "Project-Id-Version": "dangjian",
        "Last-Translator": "Dangjian maintainers",
        "Language-Team": f"{NAMES[locale]}",
        "Language": locale,
    }
    for key, value in defaults.items():
        po.metadata[key] = value
    if "YEAR" in po.metadata.get("PO-Revision-Date", "YEAR"):
        po.metadata["PO-Revision-Date"] = po.metadata.get("POT-Creation-Date", "")


def save_quietly(po, path: Path, before: str | None) -> None:
    """Save, but keep the file as it was when nothing but POT-Creation-Date changed, so an
    update run without string changes leaves git clean (the .mo then compiles identically)."""
    po.save(str(path))
    if before is not None:
        after = path.read_text(encoding="utf-8")
        if _POT_DATE.sub("", after) == _POT_DATE.sub("", before):
            path.write_text(before, encoding="utf-8")


def compilemessages() -> None:
    from django.core.management import call_command

    call_command(
        "compilemessages",
        locale=list(LOCALES),
        ignore_patterns=list(IGNORE),
        verbosity=0,
    )


def update() -> int:
    import polib

    before = {
        locale: po_path(locale).read_text(encoding="utf-8") if po_path(locale).exists() else None
        for locale in LOCALES
    }
    makemessages(*LOCALES)

    path = po_path("zh_Hant")
    po = polib.pofile(str(path), wrapwidth=WRAP_WIDTH)
    fix_header(po, "zh_Hant")
    filled = fill_traditional(po)
    apply_terms(po)
    save_quietly(po, path, before["zh_Hant"])
    print(f"zh_Hant: {len(po)} entries, {len(filled)} filled by OpenCC s2t")
    for msgid in filled:
        print(f"  + {msgid!r}")

    path = po_path("en")
    po = polib.pofile(str(path), wrapwidth=WRAP_WIDTH)
    fix_header(po, "en")
    save_quietly(po, path, before["en"])
    todo = [entry for entry in po if not entry.obsolete and (entry.fuzzy or untranslated(entry))]
    print(
        f"en: {len(po)} entries, {len(todo)} to translate by hand in {path.relative_to(BASE_DIR)}"
    )
    for entry in todo:
        line = f"  line {entry.linenum}: {entry.msgid!r}"
        print(line + ("  (fuzzy: check the suggested English)" if entry.fuzzy else ""))

    compilemessages()
    compiled = (po_path(locale).with_suffix(".mo").relative_to(BASE_DIR) for locale in LOCALES)
    print("compiled: " + ", ".join(map(str, compiled)))
    print(f"overrides: zh_Hant generated with {write_traditional_overrides()} entries, compiled")
    return 1 if todo else 0


def missing_msgids() -> tuple[list[str], list[str]]:
    """Extract the code's msgids into a temporary catalogue and compare with the committed
    one: (msgids in the code but not in locale/, msgids in locale/ no longer in the code)."""
    import polib
    from django.test.utils import override_settings

    with tempfile.TemporaryDirectory(prefix="dangjian-i18n-") as tmp:
        with override_settings(LOCALE_PATHS=[tmp]):
            makemessages("en", into=Path(tmp), extra_ignore=("locale",), verbosity=0)
        extracted = po_path("en", Path(tmp))
        if not extracted.exists():
            raise SystemExit(f"makemessages wrote no {extracted}")
        fresh = {entry_key(e): e.msgid for e in polib.pofile(str(extracted))}
    missing: set[str] = set()
    stale: set[str] = set()
    for locale in LOCALES:
        path = po_path(locale)
        committed = {entry_key(e) for e in polib.pofile(str(path))} if path.exists() else set()
        missing |= {fresh[key] for key in fresh.keys() - committed}
        stale |= {key[1] for key in committed - fresh.keys()}
    return sorted(missing), sorted(stale)


def check() -> int:
    missing, stale = missing_msgids()
    for msgid in stale:
        print(f"no longer in the code (the next update drops it): {msgid!r}")
    if missing:
        print(
            f"{len(missing)} msgid(s) in the code but not in locale/ — run "
            "scripts/update_translations.py and translate them:"
        )
        for msgid in missing:
            print(f"  {msgid!r}")
        return 1
    print("locale/ has every msgid the code uses")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 listing the msgids that the code has and locale/ lacks",
    )
    args = parser.parse_args(argv)
    tools = ("xgettext", "msgmerge", "msgattrib", "msgfmt")
    missing_tools = [tool for tool in tools if not shutil.which(tool)]
    if missing_tools:
        print("GNU gettext is needed (apt-get install gettext): no " + ", ".join(missing_tools))
        return 2
    setup_django()
    return check() if args.check else update()


if __name__ == "__main__":
    sys.exit(main())
