"""Messages kept in the database and shown later, in the language of whoever reads them.

An import runs in the importer's language (or in a background worker's), but its messages are
read by others, in other languages, days later. So a message is stored as its msgid and
parameters, not as text: `Message` is text in the current language (usable wherever a str is)
that remembers how it was made; `to_stored` turns it into JSON, `render` back into text in the
language active when it is shown. Parameters may themselves be messages (第 3 行，民族：未填写。
nests 未填写。 in the row's frame). Text from elsewhere (a validator's message) is stored as it
is and shown as it was written."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext


class Message(str):
    """`_("第 %(row)s 行") % {...}` that can be stored and translated again at read time."""

    msgid: str
    params: dict[str, Any] | None

    def __new__(cls, msgid: str, params: dict[str, Any] | None = None) -> Message:
        text = gettext(msgid)
        if params is not None:
            text = text % params
        made = super().__new__(cls, text)
        made.msgid = msgid
        made.params = params
        return made

    def __mod__(self, params: Any) -> Message:  # type: ignore[override]
        if not isinstance(params, dict):
            raise TypeError("Message parameters are named: _('…%(name)s…') % {'name': …}")
        return Message(self.msgid, params)

    def __reduce__(self):
        return (Message, (self.msgid, self.params))


def deferred(msgid: str) -> Message:
    """Use as `_` in a module whose messages are stored (makemessages still extracts them)."""
    return Message(msgid)


def to_stored(text: Any) -> Any:
    """JSON for a message: {"msgid": …, "params": {…}} for a Message, the text otherwise."""
    if isinstance(text, Message):
        stored: dict[str, Any] = {"msgid": text.msgid}
        if text.params is not None:
            stored["params"] = {key: to_stored(value) for key, value in text.params.items()}
        return stored
    if isinstance(text, int | float) or text is None:
        return text
    return str(text)


def to_column(text: Any) -> str:
    """A message for a text column (ImportBatch.error): its stored form as JSON, or the text
    itself when it is not a Message. `render` reads either back."""
    stored = to_stored(text)
    if isinstance(stored, dict):
        return json.dumps(stored, ensure_ascii=False)
    return "" if stored is None else str(stored)


def from_error(error: ValidationError) -> Any:
    """One ValidationError's message as a Message when it was written as one (a msgid of ours
    or Django's, lazy or deferred), so a validator's text embedded in a stored message is
    shown in the reader's language too; otherwise its text."""
    message, params = error.message, error.params
    msgid = None
    if isinstance(message, Message) and message.params is None:
        msgid = message.msgid
    elif isinstance(message, Promise):
        args = getattr(message, "_args", ())
        if len(args) == 1 and isinstance(args[0], str):
            msgid = args[0]  # gettext_lazy("…"): the proxy keeps its msgid
    if msgid is None:
        text = message % params if params else message
        return text if isinstance(text, Message) else str(text)
    if params:
        try:
            return Message(msgid, dict(params))
        except (KeyError, TypeError, ValueError):
            return str(message % params)
    return Message(msgid)


def render(stored: Any) -> str:
    """A stored message as text in the active language (old rows hold plain text: as is)."""
    if isinstance(stored, str) and stored.startswith('{"msgid"'):
        try:
            stored = json.loads(stored)  # to_column's form
        except ValueError:
            return stored
    if isinstance(stored, dict) and "msgid" in stored:
        text = gettext(stored["msgid"])
        params = stored.get("params")
        if params is not None:
            values = {key: _param(value) for key, value in params.items()}
            try:
                text = text % values
            except (KeyError, TypeError, ValueError):
                # A translation whose placeholders no longer fit: the Chinese source still does.
                text = stored["msgid"] % values
        return text
    return "" if stored is None else str(stored)


def _param(value: Any) -> Any:
    return value if isinstance(value, int | float) else render(value)
