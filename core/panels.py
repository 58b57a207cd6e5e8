"""The home page's figures (工作台): any app registers a panel provider, as with the to-dos.

A provider is `def provider(user) -> Panel | None` decorated with `@register`; it returns the
template to include and its context, or None when it has nothing for this user. Core renders
the panels without knowing the apps behind them, so it depends on none of them."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[[object], Panel | None]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(user) -> list[Panel]:
    return [panel for provider in _providers if (panel := provider(user)) is not None]
