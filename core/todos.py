"""The home page's to-do list (待办事项): any app registers a provider of items for a user.

A provider is `def provider(user) -> Iterable[TodoItem]` decorated with `@register`; it runs a
fixed number of queries, whatever the data size, since the home page calls them all.

Items of one kind share a `TodoGroup`: when there are more than GROUP_AFTER of them, the list
shows one line instead, with their count, linking to the list behind them (a secretary with
forty incomplete records sees "40 名党员资料不全", not forty lines)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

Provider = Callable[[object], Iterable["TodoItem"]]
_providers: list[Provider] = []

# Up to this many items of one kind are listed one by one; more become one line.
GROUP_AFTER = 3
LEVELS = {"danger": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class TodoGroup:
    """A kind of to-do. `title` is a translated text with %(n)s, the count; `url` the list
    behind the items; `total` the count when the provider listed only the first few."""

    title: str
    url: str = ""
    total: int | None = None


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str = ""
    detail: str = ""
    level: str = "info"  # info / warning / danger, as Bootstrap colours
    group: TodoGroup | None = None


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def grouped(items: Iterable[TodoItem]) -> list[TodoItem]:
    """`items` with the items of each group that has more than GROUP_AFTER replaced by one
    line, at the place of the group's first item and at its most urgent level."""
    items = list(items)
    members: dict[TodoGroup, list[TodoItem]] = {}
    for item in items:
        if item.group is not None:
            members.setdefault(item.group, []).append(item)
    result = []
    for item in items:
        group = item.group
        if (
            group is None
            or len(members[group]) <= GROUP_AFTER
            and (group.total or 0) <= GROUP_AFTER
        ):
            result.append(item)
        elif item is members[group][0]:
            level = min((i.level for i in members[group]), key=lambda lv: LEVELS.get(lv, 3))
            count = max(group.total or 0, len(members[group]))
            result.append(TodoItem(title=group.title % {"n": count}, url=group.url, level=level))
    return result


def todos_for(user) -> list[TodoItem]:
    items: list[TodoItem] = []
    for provider in _providers:
        items.extend(grouped(provider(user)))
    return sorted(items, key=lambda item: LEVELS.get(item.level, 3))
