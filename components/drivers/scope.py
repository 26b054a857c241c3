"""Which part of the estate this program builds: all of it, or one unit's (docs/units.md).

Why one scope the components consult rather than a filter on the engine's registrations: a unit's
program runs the estate's program (``stacks/__main__.py``) unchanged, and each component asks the
scope whether to build a site's part or a link; a child it skips is never registered, its
provider never made and its invokes never run, and where a child it builds needs another unit's
resource (a link needs its sites' VPN gateways), it reads the values that unit exported through
a ``pulumi.StackReference`` (full name ``<org>/<project>/<unit>``), never a copy of the resource.

Outside a unit (``skyweave:deployment: single``, any program that never sets a scope) there is
no scope and every component builds everything, as before: URNs, inputs and registrations of a
single stack are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

__all__ = [
    "UNIT_RESOURCES",
    "RemoteResource",
    "UnitScope",
    "current_scope",
    "estate_stack",
    "export_for_units",
    "in_scope",
    "read_from_unit",
    "reference_source",
    "set_scope",
    "site_owned",
]


@dataclass
class UnitScope:
    """The unit a program builds.

    ``estate``: the estate's stack (``dev``); ``unit``: the unit's stack (``dev.aws-use1``);
    ``sites``: the sites whose part it builds (a site unit's one site); ``links``: the links it
    builds, by their two sites in the link's order; ``site_units``: each site's unit, which owns
    what a link reads of the site; ``builds_global``: whether this is the estate's global unit
    (apps' DNS: what reads several sites); ``reads``: sites this unit builds nothing of but on
    whose provider it builds (the global unit: each DNS provider's zone site);
    ``secrets_unit``: the estate's secrets unit (what components generate without a site: a
    database's passwords, CA and certificates), ``builds_secrets`` whether this is it.
    """

    estate: str
    unit: str
    sites: frozenset[str]
    links: frozenset[tuple[str, str]]
    site_units: dict[str, str]
    builds_global: bool = False
    reads: frozenset[str] = frozenset()
    secrets_unit: str = ""
    builds_secrets: bool = False
    #: The Pulumi organisation of the unit stacks (``skyweave:organization``); ``None``: the
    #: running stack's (``pulumi.get_organization()``).
    organization: str | None = None
    #: What this unit exported for other units, by key: the URN (or the URNs) of the resource(s)
    #: it came from (a component records it, :data:`UNIT_RESOURCES`, so the estate's plan can say
    #: which resources a dependant's stack reference read).
    owned: dict[str, pulumi.Output[Any]] = field(default_factory=dict, repr=False)

    def builds_site(self, site: str) -> bool:
        return site in self.sites

    def builds_link(self, a: str, b: str) -> bool:
        return (a, b) in self.links

    def touches(self, site: str) -> bool:
        """Whether anything this unit builds is on ``site`` (so it needs the site's provider)."""
        return site in self.sites or site in self.reads or any(site in link for link in self.links)

    def reference(self, unit: str, key: str) -> pulumi.StackReference:
        """A stack reference to ``unit`` (its full name) for reading what it exported of the
        resource ``key``: one per resource read, named ``<unit>/<key>``, so the resources that
        read it depend on a reference that names the resource (:func:`reference_source`)."""
        return pulumi.StackReference(
            f"{unit}/{key}", stack_name=f"{self.org()}/{pulumi.get_project()}/{unit}"
        )

    def org(self) -> str:
        """The organisation the unit stacks' full names use."""
        return self.organization or pulumi.get_organization()

    def owned_by(self, component: str) -> dict[str, pulumi.Output[Any]]:
        """What this unit exported of ``component``'s resources: key → the resource's URN."""
        return {key: urn for key, urn in self.owned.items() if key.startswith(f"{component}.")}


#: The output a component records, in a unit, of what the unit exports of its resources: key →
#: the resource's URN (:meth:`UnitScope.owned_by`).
UNIT_RESOURCES = "unitResources"


def reference_source(name: str) -> tuple[str, str] | None:
    """The unit and key a stack reference named by :meth:`UnitScope.reference` reads, else
    ``None`` (a reference the program made itself)."""
    unit, slash, key = name.partition("/")
    return (unit, key) if slash and "/" not in key and "." in unit else None


_CURRENT: list[UnitScope] = []


def set_scope(scope: UnitScope | None) -> None:
    """Make ``scope`` the program's (``None``: build everything)."""
    _CURRENT.clear()
    if scope is not None:
        _CURRENT.append(scope)


def current_scope() -> UnitScope | None:
    return _CURRENT[0] if _CURRENT else None


def in_scope(sites: Iterable[str]) -> list[str]:
    """The sites of ``sites`` this program touches (all of them outside a unit)."""
    scope = current_scope()
    return [s for s in sites if scope is None or scope.touches(s)]


def estate_stack() -> str:
    """The estate's stack name: what a name derived from the stack must hash, so a unit names
    the same cloud resource as the single stack did (an Azure storage account's global name)."""
    scope = current_scope()
    return scope.estate if scope is not None else pulumi.get_stack()


def export_for_units(key: str, value: pulumi.Input[Any]) -> None:
    """In a unit, export ``value`` as the stack output ``key`` for the units that read it
    (:func:`read_from_unit`), recording the URNs of the resources it comes from (its own
    dependencies, as Pulumi would record them on a resource taking it as an input); nothing
    outside a unit. A secret stays a secret (``secretOutputNames``)."""
    scope = current_scope()
    if scope is None:
        return
    output = pulumi.Output.from_input(value)
    scope.owned[key] = pulumi.Output.from_input(_dependency_urns(output))
    pulumi.export(key, output.apply(_plain))


async def _dependency_urns(output: pulumi.Output[Any]) -> list[str]:
    resources = await output.resources()
    urns = await pulumi.Output.all(*(r.urn for r in resources)).future()
    return sorted(urns or ())


def read_from_unit(unit: str, key: str) -> pulumi.Output[Any]:
    """What ``unit`` exported as ``key`` (:func:`export_for_units`), read through a stack
    reference named ``<unit>/<key>`` (so the estate's plan can put the dependency back on the
    resources it came from); a secret arrives as a secret."""
    scope = current_scope()
    if scope is None:
        raise RuntimeError(f"read_from_unit({unit!r}, {key!r}) outside a unit")  # a skyweave bug
    return scope.reference(unit, key).require_output(key).apply(_records)


class _Record(dict[str, Any]):
    """A value read from another stack whose fields a driver reads as attributes (an output
    type, such as an HA VPN gateway's interfaces, arrives as a plain mapping)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _records(value: Any) -> Any:
    if isinstance(value, dict):
        return _Record({k: _records(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_records(v) for v in value]
    return value


class RemoteResource:
    """Another unit's resource as the attributes a driver reads from it (``id``, ``name``, …),
    each an output of that unit's stack read through a stack reference."""

    def __init__(self, reference: pulumi.StackReference, key: str, attributes: Sequence[str]) -> None:
        self.key = key
        for attribute in attributes:
            value = reference.require_output(f"{key}.{attribute}").apply(_records)
            setattr(self, attribute, value)


def site_owned(site: str, key: str, make: Callable[[], Any], attributes: Sequence[Sequence[str]]) -> Any:
    """A resource (or tuple of resources) a site owns and links read: ``make()`` it outside a
    unit and in the site's own unit (which exports ``attributes`` of each, as ``{key}.{n}`` for
    the n-th of a tuple, ``{key}`` for one), or, in a link's unit, the same read from the site's
    unit. ``attributes``: per resource, the attributes dependants read."""
    scope = current_scope()
    names = [key] if len(attributes) == 1 else [f"{key}.{n}" for n in range(len(attributes))]
    if scope is None or scope.builds_site(site):
        made = make()
        if scope is not None:
            parts = made if isinstance(made, tuple) else (made,)
            for name, part, attrs in zip(names, parts, attributes, strict=True):
                scope.owned[name] = part.urn
                for attribute in attrs:
                    output = pulumi.Output.from_input(getattr(part, attribute)).apply(_plain)
                    pulumi.export(f"{name}.{attribute}", output)
        return made
    owner = scope.site_units[site]
    remote = tuple(
        RemoteResource(scope.reference(owner, name), name, attrs)
        for name, attrs in zip(names, attributes, strict=True)
    )
    return remote[0] if len(remote) == 1 else remote
