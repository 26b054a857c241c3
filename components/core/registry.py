"""A table that modules fill at import time, where a second claim on a key is an error.

Why: link shapes are taught to skyweave by registration — a pair of endpoint kinds' rule
(:func:`skyweave.planning.vpn.register_shape`), a shape's builder
(:func:`skyweave.network.links.register_builder`), an endpoint kind's tunnel address range
(:func:`skyweave.planning.tunnels.register_inside_range`) — from skyweave's own modules and from
plugins. A bare dict write let the module imported last win silently: a new pair rule once
replaced the planner's refusal of that pair, depending on import order. Here the second module to
claim a key fails at import, and the message names both, so the clash is found where it is made.

There is deliberately no way to replace an entry: nothing in skyweave needs one, and a plugin
that wants a pair built differently should get a new endpoint kind (docs/architecture.md).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

from .errors import RegistrationError

__all__ = ["Registry", "caller", "qualified_name"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def qualified_name(obj: object) -> str:
    """``module.qualname`` of a function or class: who registered it, in messages."""
    module = getattr(obj, "__module__", None) or "?"
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}.{name}"


def caller(depth: int = 2) -> str:
    """The module ``depth`` frames up (2: whoever called the function that calls this).

    For registrations whose value is plain data (a range, not a function), the calling module is
    the only name the message can give.
    """
    return str(sys._getframe(depth).f_globals.get("__name__", "?"))


class Registry(Generic[K, V]):
    """``key → value`` with the registrant of each entry; registering a key twice raises.

    Attributes:
        what: what the table holds, in messages ("link shape rule").
    """

    def __init__(self, what: str, describe: Callable[[K], str] = repr) -> None:
        self.what = what
        self._describe = describe
        self._values: dict[K, V] = {}
        self._registrants: dict[K, str] = {}

    def register(self, key: K, value: V, registrant: str) -> None:
        """Add ``key``; :class:`RegistrationError` naming both registrants if it is taken."""
        if key in self._values:
            first, described = self._registrants[key], self._describe(key)
            raise RegistrationError(
                f"{self.what} {described} is registered twice: first by {first}, again by "
                f"{registrant}; each may be registered once (two modules teaching skyweave the same "
                "thing would let import order pick one silently) — remove one of the two",
                key=described,
                registrants=(first, registrant),
            )
        self._values[key] = value
        self._registrants[key] = registrant

    def get(self, key: K) -> V | None:
        return self._values.get(key)

    def registrant(self, key: K) -> str:
        """Who registered ``key`` (``KeyError`` when nobody did)."""
        return self._registrants[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[K]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)
