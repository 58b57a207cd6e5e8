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
