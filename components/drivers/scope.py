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

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    "link_owned",
    "moved_from_the_root",
    "owned",
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
    #: Each link's unit, by its two sites in the link's order (what an edge reads of a link).
    link_units: dict[tuple[str, str], str] = field(default_factory=dict)
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
        return site in self._touched

    @functools.cached_property
    def _touched(self) -> frozenset[str]:
        return frozenset(self.sites).union(self.reads, *self.links)

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


def moved_from_the_root(
    args: pulumi.ResourceTransformationArgs,
) -> pulumi.ResourceTransformationResult | None:
    """A unit's resource that ``pulumi state move`` brought from the estate's stack: it arrived
    at the unit stack's root, so its registration under its component says so.

    ``state move`` moves custom resources only (a component would take every child with it) and
    re-parents each whose parent stays behind to the destination's root stack, rebuilding its URN
    without the parent's type (``rewriteURNs`` in pulumi's ``state_move.go``); a provider a
    component made is copied the same way. The unit's program registers the resource under its
    component again, and the alias Pulumi documents for a resource that had no parent,
    ``Alias(parent=ROOT_STACK_RESOURCE)``, lets the engine find the moved state under that URN
    (``collapseAliasToUrn`` in ``step_generator.go``): its first ``pulumi up`` renames it, and
    replaces nothing. The alias names no resource a fresh unit stack holds, so it is harmless
    there, and it is registered as a stack transformation (``docs/units.md``) so that every
    component's resources get it without each component knowing about units."""
    from pulumi.runtime.stack import Stack

    parent = args.opts.parent
    if (
        not isinstance(args.resource, pulumi.CustomResource)
        or not isinstance(parent, pulumi.ComponentResource)
        or isinstance(parent, Stack)
    ):
        return None
    moved = pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)])
    return pulumi.ResourceTransformationResult(args.props, pulumi.ResourceOptions.merge(args.opts, moved))


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

    def __init__(self, scope: UnitScope, owner: str, key: str, attributes: Sequence[str]) -> None:
        self.key = key
        #: What a resource that must wait for this one depends on (``depends_on``): a reference,
        #: which the estate's plan resolves to the resource it read.
        self.reference = scope.reference(owner, f"{key}.{attributes[0]}" if attributes else key)
        for attribute in attributes:
            # One reference per output read: what each names is the resource it came from, and
            # its value is known or not as that output is (drivers/scope.py, engine/offline.py).
            name = f"{key}.{attribute}"
            reference = self.reference if attribute == attributes[0] else scope.reference(owner, name)
            setattr(self, attribute, reference.require_output(name).apply(_records))


#: What dependants read of a handle another unit owns: per resource (a part), the attributes
#: read. A sequence: the handle is one resource (one entry) or a tuple of them (``{key}.{n}``);
#: a mapping: parts named by their path in the handle (``gateway``, ``public_ips.0``: attribute
#: ``public_ips``, its item 0), each exported as ``{key}.{path}``, read back as a record with the
#: same paths.
Parts = Sequence[Sequence[str]] | Mapping[str, Sequence[str]]


def _named(key: str, parts: Parts) -> list[tuple[str, str | int | None, Sequence[str]]]:
    """(export name, where the part is in the handle, its attributes) per part."""
    if isinstance(parts, Mapping):
        return [(f"{key}.{path}", path, attrs) for path, attrs in parts.items()]
    if len(parts) == 1:
        return [(key, None, parts[0])]
    return [(f"{key}.{n}", n, attrs) for n, attrs in enumerate(parts)]


def _part(made: Any, where: str | int | None) -> Any:
    if where is None:
        return made
    if isinstance(where, int):
        return made[where]
    value = made
    for step in where.split("."):
        if isinstance(value, Mapping):
            value = value[step]
        else:
            value = value[int(step)] if step.isdigit() else getattr(value, step)
    return value


def _assemble(parts: Parts, remote: list[RemoteResource]) -> Any:
    """The remote parts in the handle's shape: one, a tuple, or a record of the named paths."""
    if not isinstance(parts, Mapping):
        return remote[0] if len(remote) == 1 else tuple(remote)
    tree: dict[str, Any] = {}
    for path, part in zip(parts, remote, strict=True):
        node = tree
        *heads, last = path.split(".")
        for step in heads:
            node = node.setdefault(step, {})
        node[last] = part

    def shaped(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        if all(k.isdigit() for k in node):
            return tuple(shaped(node[k]) for k in sorted(node, key=int))
        return _Record({k: shaped(v) for k, v in node.items()})

    return shaped(tree)


def owned(builds: bool, owner: str | None, key: str, make: Callable[[], Any], parts: Parts) -> Any:
    """A handle (a resource, a tuple of them or a driver's record of several) one unit owns and
    others read: ``make()`` it where ``builds`` (outside a unit, or in its owner: which exports
    every part's ``attributes`` and records each part's URN under its export name), or the same
    read from ``owner``'s stack through one stack reference per part."""
    scope = current_scope()
    named = _named(key, parts)
    if scope is None or builds:
        made = make()
        if scope is not None:
            for name, where, attrs in named:
                part = _part(made, where)
                scope.owned[name] = part.urn
                for attribute in attrs:
                    output = pulumi.Output.from_input(getattr(part, attribute)).apply(_plain)
                    pulumi.export(f"{name}.{attribute}", output)
                    scope.owned[f"{name}.{attribute}"] = part.urn
        return made
    assert owner is not None
    remote = [RemoteResource(scope, owner, name, attrs) for name, _, attrs in named]
    return _assemble(parts, remote)


def site_owned(site: str, key: str, make: Callable[[], Any], attributes: Parts) -> Any:
    """A handle ``site`` owns and links read (:func:`owned`): made in the site's unit (and
    outside units), read from it elsewhere."""
    scope = current_scope()
    if scope is None:
        return make()
    return owned(scope.builds_site(site), scope.site_units[site], key, make, attributes)


def link_owned(a: str, b: str, key: str, make: Callable[[], Any], attributes: Parts) -> Any:
    """A handle the link ``a``/``b`` owns and another unit reads (an appliance edge reads the
    link's VPN connections and pre-shared keys): made in the link's unit, read from it elsewhere."""
    scope = current_scope()
    if scope is None:
        return make()
    return owned(scope.builds_link(a, b), scope.link_units.get((a, b)), key, make, attributes)
