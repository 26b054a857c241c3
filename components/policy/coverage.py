"""Coverage: what the pack cannot judge is said, never passed over in silence.

Why a rule: every other rule judges what some vendor's policy reader (:mod:`skyweave.policy.readers`)
turns into the estate model. A resource of a package no reader knows — a Proxmox VM, a vendor
shipped without a reader — would otherwise pass every rule by being invisible to all of them,
and a site of such a vendor would have its component claims (network, links, placements)
accepted unchecked. This rule names each such package once, with its resource types, and each
such site once, so the gap shows in every report; it is advisory by default (the estate may be
fine) and configurable like every rule: raise it to mandatory to refuse what cannot be judged,
waive a package's finding with the reason, or list packages known to build nothing in a cloud.

What needs no reader (:data:`~skyweave.policy.readers.UTILITY_PACKAGES`): the engine's own
resources, values kept in state (``random``, ``tls``, ``time``), commands run where the
deployment runs (``command:local``), and component resources (no provider: they build nothing
themselves; their children are judged). A type of a package some reader knows is fine even when
no reader claims it: not every type of a cloud matters to the rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from ..core.naming import HYBRID_VPC, VPN_LINK
from . import readers
from .index import StackIndex
from .rule import Finding, Kind, Level, Rule, Setting, Severity, UnknownValue, get

__all__ = ["RULES"]

_PROVIDER = "pulumi:providers:"


def _unjudged_packages(index: StackIndex, ignored: frozenset[str]) -> Iterator[Finding]:
    known = readers.known_packages()
    types: dict[str, set[str]] = defaultdict(set)
    witness: dict[str, str] = {}
    for type_name, members in index.by_type.items():
        if type_name.startswith(_PROVIDER):
            package = type_name.removeprefix(_PROVIDER)
            if package in known or package in ignored or readers.is_utility(f"{package}:index:Provider"):
                continue
        else:
            package = type_name.split(":", 1)[0]
            if package in known or package in ignored or type_name.startswith("pulumi:"):
                continue
            if readers.is_utility(type_name) or all(r.provider_urn is None for r in members):
                continue  # builds nothing in a cloud, or components: they build nothing themselves
        types[package].add(type_name)
        first = min(r.urn for r in members)
        witness[package] = min(witness.get(package, first), first)
    for package in sorted(types):
        listed = ", ".join(sorted(types[package]))
        yield Finding(
            f"not judged: no policy reader for package {package} (types: {listed}); no rule sees these "
            "resources",
            witness[package],
        )


def _claimed_sites(index: StackIndex) -> Iterator[tuple[str, str, str]]:
    """(site, vendor, component URN) for every site a skyweave component claims something on."""
    for res in index.of_type(HYBRID_VPC):
        try:
            networks = get(res.props, "networks") or {}
            for site in networks if isinstance(networks, Mapping) else ():
                yield str(site), str(get(networks, site, "vendor")), res.urn
        except UnknownValue:
            continue  # skyweave-redundancy-claims-backed says it cannot check it
    for res in index.of_type(VPN_LINK):
        try:
            ends = [(str(get(res.props, f"site{x}")), str(get(res.props, f"vendor{x}"))) for x in "AB"]
        except UnknownValue:
            continue
        for site, vendor in ends:
            yield site, vendor, res.urn
    for urn, rows in index.placements.items():  # unknown ones are left out
        for row in rows:
            yield row.site, row.vendor, urn


def _unjudged_sites(index: StackIndex) -> Iterator[Finding]:
    claimed: dict[tuple[str, str], str] = {}
    for site, vendor, urn in _claimed_sites(index):
        if readers.reader_for_vendor(vendor) is None:
            key = (site, vendor)
            claimed[key] = min(claimed.get(key, urn), urn)  # the same witness whatever the plan's order
    for (site, vendor), urn in sorted(claimed.items()):
        yield Finding(
            f"not judged: site {site!r} is on vendor {vendor}, which has no policy reader: what components "
            "claim there (its network, its ends of links, its placements) is not checked against the plan's "
            "resources",
            urn,
        )


def _check_unjudged(index: StackIndex, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _unjudged_packages(index, frozenset(cfg["ignoredPackages"]))
    yield from _unjudged_sites(index)


UNJUDGED = Rule(
    name="skyweave-coverage-unjudged",
    description="Every resource is of a package some policy reader reads (or of one that builds nothing "
    "in a cloud: random, tls, time, command's local commands), and every site a component claims "
    "something on is of a vendor with a reader; each package and site the pack cannot judge is named "
    "once, with its resource types.",
    level=Level.ADVISORY,
    kind=Kind.STACK,
    check=_check_unjudged,
    settings=(
        Setting(
            "ignoredPackages",
            {"type": "array", "items": {"type": "string"}},
            [],
            "Packages to treat as building nothing in a cloud (never reported).",
        ),
    ),
    remediation="Install the vendor's policy reader (a distribution registering a `skyweave.readers` entry "
    'point; docs/policies.md, "A vendor\'s reader"), or accept the gap: waive the finding with the reason, '
    "or list the package in ignoredPackages. Raise the rule to mandatory to refuse plans the pack cannot "
    "judge.",
    severity=Severity.MEDIUM,
)

RULES: tuple[Rule, ...] = (UNJUDGED,)
