"""Clean-up of typed, pasted and imported text, shared by every parser of personal data.

One set of invisible characters for the ID number parser (organisations.id_numbers), the
member builder's name rules (organisations.members) and the roster's cell reader
(roster.normalise): when they drifted apart, an ID number pasted with a soft hyphen was
refused as 19 characters long by one and accepted by the other.
"""

# Characters that copy-paste from Word, WeChat, Excel or web pages leaves in text, that
# str.isspace() does not catch and NFKC keeps: zero-width space, zero-width non-joiner,
# zero-width joiner, word joiner, byte-order mark (zero-width no-break space), soft hyphen.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")

_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))


def drop_invisible(text: str) -> str:
    """`text` without the characters of INVISIBLE."""
    return text.translate(_DROP_INVISIBLE)


# Bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069)
# and the left-to-right / right-to-left marks (U+200E, U+200F). A right-to-left override in a
# name shows "王芳\u202egpj.exe" as "王芳exe.jpg" on screen and in files: refused, not dropped,
# so nobody stores a name that reads differently from what it is.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")

# What a spreadsheet reads as the start of a formula (OWASP, CSV injection): equals, plus,
# minus, at, tab and carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def has_bidi_control(text: str) -> bool:
    return any(c in BIDI_CONTROLS for c in text)


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would take `text` as a formula (or the start of one)."""
    return text.startswith(FORMULA_STARTS)


def neutralise_formula(value: object) -> object:
    """A value safe to write into a spreadsheet cell: text that a spreadsheet would run as a
    formula gets OWASP's single-quote prefix ("=HYPERLINK(...)" → "'=HYPERLINK(...)"), so it
    is stored and shown as text; anything else is returned unchanged. Every export writes its
    cells through this (roster.exports)."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value
