"""The compliance dashboard's long lists, rendered in Python.

A party committee's dashboard lists about a hundred children and fifty gaps; through the
template language each row's ten variables (resolved, localised, escaped one by one) were most
of the page's server time (bench/meetings.py). Here each text value is escaped with the
standard library's `html.escape` (what django.utils.html.escape does, without its lazy-string
wrapper) and the numbers are written as they are; the markup is the one the template had."""

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _percent(value) -> str:
    return "—" if value is None else f"{value}%"


@register.simple_tag
def child_rows(children, year: int) -> SafeString:
    """The rows of #child-rollups: each child with its subtree's figures."""
    share, rate, missing, low = (
        escape(_(label)) for label in ("落实组织占比", "落实率", "未开展", "到会人数不足")
    )
    year = int(year)
    rows = []
    for c in children:
        danger = " text-danger" if c.missing_cells else ""
        rows.append(
            f'<tr><td class="wrap stack-title"><a href="?organisation={int(c.organisation.pk)}'
            f'&amp;year={year}">{escape(c.organisation.name)}</a></td>'
            f'<td class="num text-end" data-label="{share}">{_percent(c.share)}</td>'
            f'<td class="num text-end" data-label="{rate}">{_percent(c.rate)}</td>'
            f'<td class="num text-end{danger}" data-label="{missing}">{int(c.missing_cells)}</td>'
            f'<td class="num text-end" data-label="{low}">{int(c.low_cells)}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above escaped or a number)


@register.simple_tag
def gap_rows(gaps) -> SafeString:
    """The items of #gaps: each missing cell, linking to that organisation's meetings of the
    kind and period (none, which is the point)."""
    if not gaps:
        # The msgid outside the f-string, where xgettext (makemessages) finds it.
        empty = escape(_("没有缺项。"))
        return mark_safe(f'<li class="list-group-item text-secondary">{empty}</li>')  # noqa: S308
    url = escape(reverse("meetings:meeting_list"))
    rows = []
    for g in gaps:
        rows.append(
            f'<li class="list-group-item"><a href="{url}?organisation={int(g.organisation_id)}'
            f"&amp;kind={escape(g.meeting_kind)}&amp;from={g.period_start.isoformat()}"
            f'&amp;to={g.period_end.isoformat()}">{escape(g.organisation.name)}</a>：'
            f"{g.period_start:%Y-%m} {escape(str(g.rule))}</li>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308
