"""The home page's to-do list (待办事项): any app registers a provider of items for a user.

A provider is `def provider(user) -> Iterable[TodoItem]` decorated with `@register`; it runs a
fixed number of queries, whatever the data size, since the home page calls them all."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

Provider = Callable[[object], Iterable["TodoItem"]]
_providers: list[Provider] = []


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str = ""
    detail: str = ""
    level: str = "info"  # info / warning / danger, as Bootstrap colours


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def todos_for(user) -> list[TodoItem]:
    items: list[TodoItem] = []
    for provider in _providers:
        items.extend(provider(user))
    order = {"danger": 0, "warning": 1, "info": 2}
    return sorted(items, key=lambda item: order.get(item.level, 3))
