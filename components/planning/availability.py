"""Availability model: how often a service spread over sites has enough of them up.

Inputs are the sites a service runs on, each with an availability (by default the vendor's
published SLA for that shape, which its driver declares — ``CloudDriver.compute_sla``; the user may
override any of them) and
the capacity it holds. The service is up when the sites that are up hold at least ``need`` —
"any k of n sites" is the case where every site holds 1 and ``need = k``.

Correlated failure is modelled, not assumed away. Sites of one vendor share a cause (a control
plane, an identity service, a bad global deploy), so each vendor gets a *common-cause* failure
that takes all of its sites down at once. Its size follows the beta-factor model used for
common-cause failures in safety engineering (IEC 61508-6, Annex D): a fraction ``beta`` of a
component's unavailability is common to its group. Here the vendor's common-cause
unavailability is ``beta * min(1 - a_s)`` over its sites, and each site's own failures are
scaled so that its *marginal* availability is still exactly its SLA:
``a_s = (1 - q_vendor) * a_s_own``. A single-site vendor is therefore unchanged; two sites of one
vendor are worth less than two sites of two vendors, which is the point. ``beta = 0`` gives the
independent model, ``1 - Π(1 - a_i)`` for any 1 of n.

The computation is exact: every combination of vendors up/down (2^V, V is small), and within it
the distribution of up capacity over the sites of the up vendors (a convolution). Pure, no Pulumi.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..core.errors import PlanningError

__all__ = [
    "DEFAULT_BETA",
    "AvailabilityReport",
    "SingleFailure",
    "SiteAvailability",
    "service_availability",
]

#: Default share of a site's unavailability that is common to its whole vendor. The beta factors
#: IEC 61508-6 Annex D derives run from under 1% (well-separated channels) to about 10% (poorly
#: separated ones); sites of one vendor share a control plane, so the pessimistic end is used.
#: It is an assumption, not a published figure: override it, or state a vendor's common cause.
DEFAULT_BETA = 0.1

#: Vendors above which the exact enumeration (2^V) would be slow; a service across more vendors
#: than this is out of scope of the model.
MAX_VENDORS = 16


@dataclass(frozen=True)
class SiteAvailability:
    """One site of the service.

    Attributes:
        site: the site name.
        vendor: its vendor (sites of one vendor share a common-cause failure).
        availability: the probability the site is up, e.g. 0.9999.
        capacity: what the site holds (instances; 1 for "k of n sites").
        source: where ``availability`` came from (an SLA's address, or "override").
        hosts: other vendors the site runs on (hosted vSphere on AWS: ``("aws",)``), whose
            common-cause failure takes it down too.
    """

    site: str
    vendor: str
    availability: float
    capacity: int = 1
    source: str = ""
    hosts: tuple[str, ...] = ()

    @property
    def vendors(self) -> tuple[str, ...]:
        """Every vendor whose common-cause failure takes the site down: its own, then its hosts."""
        return tuple(dict.fromkeys((self.vendor, *self.hosts)))


@dataclass(frozen=True)
class SingleFailure:
    """The service's availability given that one domain (a vendor or a site) is down."""

    kind: str
    domain: str
    availability: float
    """P(service up) with this domain gone (its capacity removed; every other site as modelled)."""
    importance: float
    """How much availability the domain's failure costs: overall − conditional (Birnbaum-style)."""


@dataclass(frozen=True)
class AvailabilityReport:
    """The result of :func:`service_availability`.

    Attributes:
        availability: P(up capacity ≥ need).
        need: the capacity the service needs.
        beta: the common-cause fraction used.
        vendor_common_cause: per vendor, the probability it is wholly down at once.
        single_failures: every vendor and site failure, the most harmful first.
        independent_availability: what the same sites would give if failures were independent
            (beta = 0), to show what correlation costs.
    """

    availability: float
    need: int
    beta: float
    vendor_common_cause: Mapping[str, float]
    single_failures: tuple[SingleFailure, ...]
    independent_availability: float
    sites: tuple[SiteAvailability, ...] = field(default=())

    @property
    def worst(self) -> SingleFailure:
        """The single failure that hurts most."""
        return self.single_failures[0]

    @property
    def downtime_minutes_per_year(self) -> float:
        return (1 - self.availability) * 365.25 * 24 * 60

    def as_dict(self) -> dict[str, object]:
        return {
            "availability": self.availability,
            "need": self.need,
            "beta": self.beta,
            "independent_availability": self.independent_availability,
            "downtime_minutes_per_year": round(self.downtime_minutes_per_year, 3),
            "vendor_common_cause": dict(self.vendor_common_cause),
            "worst_single_failure": {
                "kind": self.worst.kind,
                "domain": self.worst.domain,
                "availability": self.worst.availability,
            },
            "sites": [
                {"site": s.site, "vendor": s.vendor, "availability": s.availability, "source": s.source}
                for s in self.sites
            ],
        }


def service_availability(
    sites: Sequence[SiteAvailability],
    need: int,
    *,
    beta: float = DEFAULT_BETA,
    vendor_common_cause: Mapping[str, float] | None = None,
) -> AvailabilityReport:
    """P(the sites that are up hold at least ``need``), with vendor-wide common-cause failures.

    Args:
        sites: the sites and their availabilities.
        need: capacity needed (k for "any k of n sites" with capacity 1 each).
        beta: common-cause fraction (0 = independent sites).
        vendor_common_cause: per vendor, an explicit probability that the whole vendor is down,
            overriding the beta-factor estimate.

    Raises:
        PlanningError: an availability outside (0, 1], a common cause larger than a site's own
            unavailability, ``need`` outside 1..total capacity, or too many vendors.

    >>> two = [SiteAvailability("a", "aws", 0.99), SiteAvailability("b", "gcp", 0.99)]
    >>> round(service_availability(two, 1).availability, 6)
    0.9999
    """
    if not sites:
        raise PlanningError("no sites to compute availability over", path="sites")
    if not 0.0 <= beta <= 1.0:
        raise PlanningError(f"beta must be between 0 and 1, got {beta}", path="beta", value=beta)
    total = sum(s.capacity for s in sites)
    if not 1 <= need <= total:
        raise PlanningError(
            f"need must be 1 to the total capacity {total}, got {need}", path="need", value=need
        )
    for s in sites:
        if not 0.0 < s.availability <= 1.0:
            raise PlanningError(
                f"availability of site {s.site!r} must be in (0, 1], got {s.availability}",
                path=f"availability.{s.site}",
                value=s.availability,
            )
        if s.capacity < 0:
            raise PlanningError(f"capacity of site {s.site!r} is negative", path=f"capacity.{s.site}")
    vendors = list(dict.fromkeys(v for s in sites for v in s.vendors))
    if len(vendors) > MAX_VENDORS:
        raise PlanningError(f"at most {MAX_VENDORS} vendors, got {len(vendors)}", path="sites")
    common = _common_cause(sites, vendors, beta, vendor_common_cause or {})

    overall = _probability(sites, need, common)
    independent = _probability(sites, need, dict.fromkeys(vendors, 0.0))
    failures: list[SingleFailure] = []
    for vendor in vendors:
        p = _probability([s for s in sites if vendor not in s.vendors], need, common)
        failures.append(SingleFailure("vendor", vendor, p, overall - p))
    for s in sites:
        p = _probability([o for o in sites if o.site != s.site], need, common)
        failures.append(SingleFailure("site", s.site, p, overall - p))
    # Most harmful first; on a tie the wider failure (vendor) first, then by name.
    failures.sort(key=lambda f: (f.availability, f.kind != "vendor", f.domain))
    return AvailabilityReport(
        availability=overall,
        need=need,
        beta=beta,
        vendor_common_cause=common,
        single_failures=tuple(failures),
        independent_availability=independent,
        sites=tuple(sites),
    )


def _common_cause(
    sites: Sequence[SiteAvailability], vendors: list[str], beta: float, explicit: Mapping[str, float]
) -> dict[str, float]:
    common: dict[str, float] = {}
    for vendor in vendors:
        members = [s for s in sites if vendor in s.vendors]
        strongest = min(1.0 - s.availability for s in members)
        if vendor in explicit:
            q = explicit[vendor]
            if not 0.0 <= q <= strongest:
                raise PlanningError(
                    f"the common-cause unavailability of vendor {vendor!r} must be between 0 and the "
                    f"unavailability of its most available site ({strongest:.6g}): a vendor-wide outage "
                    "takes that site down too, so it cannot be more likely than the site's own outage",
                    path=f"vendor_common_cause.{vendor}",
                    value=q,
                )
            common[vendor] = q
        else:
            common[vendor] = beta * strongest
    return common


def _probability(sites: Sequence[SiteAvailability], need: int, common: Mapping[str, float]) -> float:
    """P(up capacity ≥ need): enumerate vendor states, convolve the up vendors' own site states."""
    vendors = list(dict.fromkeys(v for s in sites for v in s.vendors))
    total = 0.0
    for state in itertools.product((True, False), repeat=len(vendors)):
        weight = 1.0
        for vendor, up in zip(vendors, state, strict=True):
            weight *= (1.0 - common[vendor]) if up else common[vendor]
        if weight == 0.0:
            continue
        up_vendors = {v for v, up in zip(vendors, state, strict=True) if up}
        # dist[c] = P(the up vendors' sites hold exactly c), each site up with its own probability.
        dist = [1.0]
        for s in sites:
            if not up_vendors.issuperset(s.vendors):
                continue
            # What is left of the site's figure once every vendor it rests on is up (a hosted
            # site's own share can reach 1: its figure is then wholly its vendors').
            own = min(1.0, s.availability / math.prod(1.0 - common[v] for v in s.vendors))
            grown = [0.0] * (len(dist) + s.capacity)
            for c, p in enumerate(dist):
                grown[c] += p * (1.0 - own)
                grown[c + s.capacity] += p * own
            dist = grown
        total += weight * sum(dist[need:])
    return total
