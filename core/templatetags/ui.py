"""Small template helpers for Bootstrap forms and lists."""

from django import forms, template
from django.utils.http import urlencode

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field's widget with Bootstrap's class and its error state."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(
        attrs={"class": css, **({"aria-invalid": "true"} if field.errors else {})}
    )


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.simple_tag
def page_url(query: str, number: int, after: str = "", before: str = "") -> str:
    """The address of page `number` of a list; `after` / `before` a cursor for a list that
    takes one (the member list: organisations.selectors.MemberPaginator)."""
    joined = f"{query}&" if query else ""
    params: dict[str, object] = {"page": number}
    if after:
        params["after"] = after
    elif before:
        params["before"] = before
    return f"?{joined}{urlencode(params)}"


@register.filter
def precise_date(value, precision="day"):
    """A date as 2010-07-01, or 2010-07 when only the month is known."""
    if not value:
        return "—"
    return value.strftime("%Y-%m" if precision == "month" else "%Y-%m-%d")


@register.filter
def stored_message(value) -> str:
    """A message stored by core.stored_text, in the reader's language."""
    from core.stored_text import render

    return render(value)
