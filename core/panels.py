"""The home page's panels (工作台): any app registers a panel provider, as with the to-dos.

A provider is `def provider(user) -> Panel | None` decorated with `@register`; it returns the
template to include and its context, or None when it has nothing for this user (check the role
first: a provider that answers None runs no query). Core renders the panels without knowing the
apps behind them, so it depends on none of them. Each provider runs a fixed number of queries,
whatever the data size; the home page's query count is asserted per role
(core/tests/test_dashboards.py).

`place` says where the panel goes: "top" (a row of figures above everything, full width),
"main" (beside the others, two to a row on a desk, one on a phone) or "side" (the narrow
column beside the to-do list). Panels of one place are shown by `order`, then by app."""

from collections.abc import Callable
from dataclasses import dataclass, field

PLACES = ("top", "main", "side")


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    place: str = "main"
    order: int = 100

    def __post_init__(self):
        if self.place not in PLACES:
            raise ValueError(f"Panel.place must be one of {PLACES}, not {self.place!r}")


Provider = Callable[[object], Panel | None]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


# Sections of a member's record page (organisations' member detail) that a higher app adds,
# as accounts adds the member's platform account: `def provider(user, member) -> Panel | None`.
MemberSectionProvider = Callable[[object, object], Panel | None]
_member_sections: list[MemberSectionProvider] = []


def register_member_section(provider: MemberSectionProvider) -> MemberSectionProvider:
    if provider not in _member_sections:
        _member_sections.append(provider)
    return provider


def member_sections(user, member) -> list[Panel]:
    """The sections other apps show on `member`'s record for `user`, by `order`."""
    found = [panel for provider in _member_sections if (panel := provider(user, member))]
    return sorted(found, key=lambda panel: panel.order)


def panels_for(user) -> list[Panel]:
    panels = [panel for provider in _providers if (panel := provider(user)) is not None]
    return sorted(panels, key=lambda panel: panel.order)


def panels_by_place(user) -> dict[str, list[Panel]]:
    placed: dict[str, list[Panel]] = {place: [] for place in PLACES}
    for panel in panels_for(user):
        placed[panel.place].append(panel)
    return placed


# Ready-made panels, so an app that only shows figures or a short list writes no template.


@dataclass(frozen=True)
class Figure:
    """One figure of a row of figures; `url` is the list behind it (DESIGN §6: every figure
    links to the records it came from)."""

    label: str
    value: int | str
    url: str = ""
    level: str = ""  # "", warning, danger: colours the value


@dataclass(frozen=True)
class Line:
    """One line of a list panel."""

    title: str
    url: str = ""
    detail: str = ""
    badge: str = ""
    level: str = "secondary"  # the badge's Bootstrap colour


def figures_panel(figures: list[Figure], *, order: int = 100, place: str = "top") -> Panel:
    return Panel("core/panels/figures.html", {"figures": figures}, place=place, order=order)


def list_panel(
    title: str,
    lines: list[Line],
    *,
    empty: str = "",
    more_url: str = "",
    order: int = 100,
    place: str = "main",
) -> Panel:
    return Panel(
        "core/panels/list.html",
        {"title": title, "lines": lines, "empty": empty, "more_url": more_url},
        place=place,
        order=order,
    )
