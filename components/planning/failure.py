"""Failure domains: what is lost together, and what is left after losing it.

Why one module: capacity sizing (MultiCloudApp), bare-metal placement (BareMetalPool), the
``skyweave simulate`` report and the policy pack's redundancy rules all ask the same question —
"if this vendor / site / region / zone fails, how much is left?" — and must give the same answer.
Each of them describes where its instances run as :class:`Placement` rows and asks here.

Domains nest: a vendor holds sites, a site holds one region, a region holds zones. A region is
keyed by (vendor, region) and a zone by (vendor, region, zone), so ``us-east-1a`` on AWS and a
zone that happens to share its name elsewhere are never confused. Losing a domain removes every
placement inside it at once — correlated failure is the model, not an afterthought.

A site can run on another vendor's region (hosted vSphere: VMware Cloud on AWS runs on AWS bare
metal in an AWS region): its placements name those *hosts* (``aws/us-east-1``), and losing the
host vendor or region loses them too (:func:`domain_keys`) — "three vendors" that are AWS twice
fail together.

Everything is pure and linear in the number of placements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DomainLoss",
    "FailureKind",
    "Placement",
    "domain_key",
    "domain_keys",
    "losses",
    "worst_loss",
]


class FailureKind(StrEnum):
    """A kind of failure a service may be required to survive, from the widest to the narrowest."""

    VENDOR = "vendor"
    SITE = "site"
    REGION = "region"
    ZONE = "zone"


@dataclass(frozen=True)
class Placement:
    """``count`` healthy units of one service in one zone of one site.

    ``zone`` is the narrowest failure domain the source knows: an availability zone in a cloud, a
    rack or room for servers someone brought themselves. ``hosts``: the other vendors' regions the
    site runs on (``vendor/region``), which fail it too (hosted vSphere).
    """

    site: str
    vendor: str
    region: str
    zone: str
    count: int
    hosts: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str | int | list[str]]:
        row: dict[str, str | int | list[str]] = {
            "site": self.site,
            "vendor": self.vendor,
            "region": self.region,
            "zone": self.zone,
            "count": self.count,
        }
        if self.hosts:
            row["hosts"] = list(self.hosts)
        return row

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> Placement:
        """Read a placement back from JSON / a protobuf Struct (where numbers arrive as floats)."""
        count = raw.get("count", 0)
        hosts = raw.get("hosts")
        return cls(
            site=str(raw.get("site", "")),
            vendor=str(raw.get("vendor", "")),
            region=str(raw.get("region", "")),
            zone=str(raw.get("zone", "")),
            count=int(count) if isinstance(count, int | float) else 0,
            hosts=tuple(str(h) for h in hosts) if isinstance(hosts, list | tuple) else (),
        )


def domain_key(placement: Placement, kind: FailureKind) -> str:
    """The name of the ``kind`` domain holding ``placement``, unique across vendors."""
    if kind is FailureKind.VENDOR:
        return placement.vendor
    if kind is FailureKind.SITE:
        return placement.site
    if kind is FailureKind.REGION:
        return f"{placement.vendor}/{placement.region}"
    return f"{placement.vendor}/{placement.region}/{placement.zone}"


def domain_keys(placement: Placement, kind: FailureKind) -> tuple[str, ...]:
    """Every ``kind`` domain whose loss loses ``placement``: its own, and for a vendor or a region
    the vendors and regions it is hosted on."""
    own = domain_key(placement, kind)
    if kind is FailureKind.VENDOR:
        hosted = [h.split("/", 1)[0] for h in placement.hosts]
    elif kind is FailureKind.REGION:
        hosted = list(placement.hosts)
    else:
        return (own,)
    return tuple(dict.fromkeys([own, *hosted]))


@dataclass(frozen=True)
class DomainLoss:
    """What is left of a service when one domain fails."""

    kind: FailureKind
    domain: str
    lost: int
    remaining: int


def losses(placements: Iterable[Placement], kind: FailureKind) -> list[DomainLoss]:
    """For every ``kind`` domain the placements touch: the capacity left when it alone fails.

    Sorted from the most harmful loss to the least, then by name, so the first row is the worst
    case and the order is deterministic.
    """
    rows = list(placements)
    total = sum(p.count for p in rows)
    per_domain: dict[str, int] = defaultdict(int)
    for placement in rows:
        for key in domain_keys(placement, kind):
            per_domain[key] += placement.count
    result = [DomainLoss(kind, domain, lost, total - lost) for domain, lost in per_domain.items()]
    result.sort(key=lambda loss: (loss.remaining, loss.domain))
    return result


def worst_loss(placements: Iterable[Placement], kind: FailureKind) -> DomainLoss | None:
    """The single ``kind`` failure that leaves the least capacity; ``None`` with no placements."""
    all_losses = losses(placements, kind)
    return all_losses[0] if all_losses else None
