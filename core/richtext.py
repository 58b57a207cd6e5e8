"""Rich text (minutes, lessons, replies) cleaned to an allowlist before it is stored.

What a browser editor or a pasted Word document sends is never trusted: scripts, styles, event
handlers, iframes and `javascript:` links are removed by nh3 (Rust's ammonia), and links get
rel="noopener noreferrer" so an intranet page never hands its window to another site."""

import html as html_module

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup",
    "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def sanitise(html: str) -> str:
    """The same text with only the allowed tags and attributes left."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


def plain_text(html: str) -> str:
    """The text without any markup (for previews, exports and search)."""
    return html_module.unescape(nh3.clean(html or "", tags=set())).strip()
