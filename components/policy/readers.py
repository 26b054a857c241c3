"""Which policy reader reads which vendor, package and resource type.

Built-in readers are listed by module path and imported on first use (policy may not import
drivers: the path is data, as in ``drivers/registry.py``); a vendor shipped as its own
distribution registers its reader through the ``skyweave.readers`` entry point
(``my_vendor = "my_pkg.reader:MyReader"``) or with :func:`register_reader`. Everything that once
listed vendors by name — the cloud packages, the package a vendor is spelt as, the vendors'
display names — is derived from the readers here.

Order: built-in readers first, in the order the vendors were added, then the others by vendor
name. The estate reads contributions in this order, so a link's witness (the first resource
that contributes to it) is stable.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from importlib.metadata import entry_points
from typing import Any

from .reading import Reader
from .values import Resource

__all__ = [
    "ENTRY_POINT_GROUP",
    "NEUTRAL_PACKAGES",
    "UTILITY_PACKAGES",
    "ReaderTypes",
    "all_readers",
    "check_topic",
    "cloud_packages",
    "cloud_vendors",
    "is_utility",
    "judges",
    "known_packages",
    "merged",
    "package_vendor",
    "reader_for_package",
    "reader_for_vendor",
    "reader_of",
    "reader_registered",
    "register_reader",
    "types_of",
    "vendor_name",
]

ENTRY_POINT_GROUP = "skyweave.readers"

_BUILTIN: dict[str, tuple[str, str]] = {
    "aws": ("skyweave.drivers.aws.reader", "AwsReader"),
    "gcp": ("skyweave.drivers.gcp.reader", "GcpReader"),
    "openstack": ("skyweave.drivers.openstack.reader", "OpenStackReader"),
    "azure": ("skyweave.drivers.azure.reader", "AzureReader"),
    "onprem": ("skyweave.drivers.onprem.reader", "OnPremReader"),
    "vsphere": ("skyweave.drivers.vsphere.reader", "VsphereReader"),
}

#: Packages (or ``package:module``) whose resources build nothing in anyone's cloud, so no
#: reader is needed for them: the engine's own (``pulumi``: the stack, providers), values kept in
#: state (``random``, ``tls`` keys and certificates, ``time`` stamps and sleeps) and commands run
#: on the machine that runs the deployment (``command:local``). ``command:remote`` is not among
#: them: it configures a host (the on-prem reader's nodes). Anything else — a cloud, a cluster,
#: a hypervisor — needs a reader, or is reported as not judged.
UTILITY_PACKAGES = frozenset({"pulumi", "random", "tls", "time", "command:local"})
#: Packages the pack's own vendor-neutral rules read, which no vendor's reader claims: Kubernetes
#: objects are the same API whatever cloud runs the cluster (``policy/kubernetes.py``).
NEUTRAL_PACKAGES = frozenset({"kubernetes"})

_EXTRA: dict[str, type[Reader]] = {}
_ENTRY_POINTS_LOADED = False
#: What is derived from the readers, built on first use and forgotten by :func:`register_reader`.
_DERIVED: dict[str, Any] = {}


def register_reader(reader: type[Reader]) -> None:
    """Make ``reader`` read its vendor's resources (replacing a reader of the same vendor)."""
    if not reader.vendor:
        raise ValueError(f"{reader.__name__} names no vendor")
    _EXTRA[reader.vendor] = reader
    _DERIVED.clear()


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        loaded = ep.load()
        if isinstance(loaded, type) and issubclass(loaded, Reader) and loaded.vendor:
            _EXTRA.setdefault(loaded.vendor, loaded)


def all_readers() -> tuple[Reader, ...]:
    """One instance of every reader, built-in ones first (see the module docstring)."""
    found = _DERIVED.get("readers")
    if found is None:
        _load_entry_points()
        readers: list[Reader] = []
        for vendor, (module, name) in _BUILTIN.items():
            cls = _EXTRA.get(vendor) or getattr(importlib.import_module(module), name)
            readers.append(cls())
        readers += [cls() for vendor, cls in sorted(_EXTRA.items()) if vendor not in _BUILTIN]
        found = _DERIVED["readers"] = tuple(readers)
    return found


def _by_package() -> dict[str, Reader]:
    found = _DERIVED.get("by_package")
    if found is None:
        found = _DERIVED["by_package"] = {p: r for r in all_readers() for p in r.packages}
    return found


def reader_for_package(package: str) -> Reader | None:
    """The reader whose vendor's cloud ``package`` builds in (``None``: no reader's)."""
    return _by_package().get(package)


def reader_for_vendor(vendor: str) -> Reader | None:
    found = _DERIVED.get("by_vendor")
    if found is None:
        found = _DERIVED["by_vendor"] = {r.vendor: r for r in all_readers()}
    return found.get(vendor)


def cloud_packages() -> frozenset[str]:
    """Packages whose resources live in a vendor's cloud: every reader's ``packages``."""
    return frozenset(_by_package())


def cloud_vendors() -> frozenset[str]:
    """Vendors whose readers read a cloud package (their networks are resources of the plan)."""
    return frozenset(r.vendor for r in all_readers() if r.packages)


def package_vendor(package: str) -> str:
    """The vendor a cloud package builds on (``azure-native`` → ``azure``; others are their own)."""
    reader = _by_package().get(package)
    return reader.vendor if reader is not None else package


def vendor_name(vendor: str) -> str:
    """How messages name a vendor (or a package of one): its reader's display name."""
    reader = reader_for_vendor(vendor) or _by_package().get(vendor)
    return reader.display_name if reader is not None and reader.display_name else vendor


def known_packages() -> frozenset[str]:
    """Packages the pack reads: each reader's cloud packages and the packages of the types it
    claims, and the packages its vendor-neutral rules read (:data:`NEUTRAL_PACKAGES`)."""
    found = _DERIVED.get("known")
    if found is None:
        known = set(cloud_packages()) | NEUTRAL_PACKAGES
        for reader in all_readers():
            known.update(t.split(":", 1)[0] for t in reader.claims())
        found = _DERIVED["known"] = frozenset(known)
    return found


def _table(reader: Reader, role: str) -> Any:
    """One of a reader's tables: an attribute (``ingress_types``) or a topic (``topic:imdsv2``)."""
    if role.startswith("topic:"):
        return reader.topics.get(role.removeprefix("topic:"), frozenset())
    return getattr(reader, role)


def types_of(role: str) -> frozenset[str]:
    """Every reader's types of one role (``ingress_types``, ``topic:imdsv2`` …): what a shared
    rule runs on."""
    key = f"role:{role}"
    found = _DERIVED.get(key)
    if found is None:
        found = _DERIVED[key] = frozenset(t for r in all_readers() for t in _table(r, role))
    return found


def merged(table: str) -> dict[str, Any]:
    """One of every reader's mapping tables, merged (``scripts``, ``encoded_scripts`` …)."""
    key = f"merged:{table}"
    found = _DERIVED.get(key)
    if found is None:
        found = _DERIVED[key] = {k: v for r in all_readers() for k, v in getattr(r, table).items()}
    return found


def reader_of(resource_type: str, role: str) -> Reader | None:
    """The reader whose ``role`` table holds ``resource_type``."""
    key = f"by:{role}"
    table = _DERIVED.get(key)
    if table is None:
        table = _DERIVED[key] = {t: r for r in all_readers() for t in _table(r, role)}
    return table.get(resource_type)


def judges(resource_type: str) -> bool:
    """Whether the pack judges resources of ``resource_type``: its package is one some reader reads
    (not every type of it need be claimed), or one that builds nothing in a cloud."""
    return is_utility(resource_type) or resource_type.split(":", 1)[0] in known_packages()


@contextlib.contextmanager
def reader_registered(reader: type[Reader]) -> Iterator[Reader]:
    """``reader`` serves its vendor for the block (a vendor's reader under test, the fake's)."""
    previous = _EXTRA.get(reader.vendor)
    register_reader(reader)
    try:
        found = reader_for_vendor(reader.vendor)
        assert found is not None
        yield found
    finally:
        if previous is None:
            _EXTRA.pop(reader.vendor, None)
        else:
            _EXTRA[reader.vendor] = previous
        _DERIVED.clear()


def is_utility(resource_type: str) -> bool:
    """Whether ``resource_type`` is of a package that needs no reader (:data:`UTILITY_PACKAGES`)."""
    package, _, rest = resource_type.partition(":")
    return package in UTILITY_PACKAGES or f"{package}:{rest.partition(':')[0]}" in UTILITY_PACKAGES


class ReaderTypes(AbstractSet[str]):
    """The types every reader lists in one of its tables (``ingress_types`` …), looked up when
    first asked: a shared rule runs on exactly what the readers — built-in or plugged in — claim,
    and declaring the rule loads no reader."""

    def __init__(self, role: str) -> None:
        self.role = role

    def __contains__(self, item: object) -> bool:
        return item in types_of(self.role)

    def __iter__(self) -> Iterator[str]:
        return iter(types_of(self.role))

    def __len__(self) -> int:
        return len(types_of(self.role))

    def __repr__(self) -> str:
        return f"ReaderTypes({self.role!r})"

    def __hash__(self) -> int:
        return hash(self.role)


def check_topic(topic: str, res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """A resource rule's vendor part: ``<type> '<name>': <clause>`` for each clause the reader of
    ``res`` gives for ``topic``."""
    reader = reader_of(res.type, f"topic:{topic}")
    if reader is not None:
        for clause in reader.check(topic, res, cfg):
            yield f"{res.type} {res.name!r}: {clause}"
