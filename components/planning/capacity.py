"""Capacity planning: how many instances each site needs so the service survives a failure.

The user says how much capacity the service needs (``min_healthy`` instances) and which kind of
failure it must survive (a zone, a region or a whole vendor, :class:`~.failure.FailureKind`). The
planner decides how many instances go in every zone of every site so that after losing the
*worst* domain of that kind the rest still hold ``min_healthy`` — and uses as few instances as
possible to do it. The check itself is :func:`~.failure.worst_loss`, the same function the
``simulate`` command and the policy pack use, so the three can never disagree.

The arithmetic. Let the failure domains of the requested kind be ``D1..Dm`` holding ``x1..xm``
instances, ``T = Σ xi``. Surviving the loss of any one means ``T - xi ≥ M`` for every ``i``, i.e.
no domain may hold more than ``T - M``. So ``T ≥ M·m/(m-1)`` (the largest domain holds at least
``T/m``), and a domain that must hold at least ``Li`` (a per-site floor) forces ``T ≥ M + Li`` and
``T ≥ Σ Li``. The smallest ``T`` meeting all three bounds is achievable (fill the domains evenly
up to the cap ``T - M``) and nothing smaller is, which is why no single instance of a plan can be
removed without breaking either the survival rule or a floor. With one domain (``m = 1``) no
``T`` works: losing the only vendor leaves nothing, and the request is refused.

Surviving a wide failure covers the narrower ones inside it (a zone lies in one region, a region
in one vendor), so a plan that survives a vendor also survives any one region or zone.

Pure: no Pulumi, deterministic (ties go to the site listed first, then to the zone listed first).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.errors import PlanningError
from .failure import FailureKind, Placement, domain_keys, worst_loss

__all__ = ["CapacityPlan", "SiteZones", "plan_capacity"]

#: An upper bound on ``min_healthy``: planning is linear in the instance count, and a service
#: that needs more than this many instances per failure is beyond what one component should hold.
MAX_INSTANCES = 100_000


@dataclass(frozen=True)
class SiteZones:
    """A site the service may run on, with the zones it spreads over there.

    Attributes:
        site: the site name.
        vendor: its vendor.
        region: its region.
        zones: its zones, in the order ties are broken (at least one).
        min_count: instances the site must run whatever the plan says (a site listed for the
            service is expected to serve it, so callers usually pass 1).
        hosts: the other vendors' regions the site runs on (``vendor/region``: hosted vSphere),
            which it fails with.
    """

    site: str
    vendor: str
    region: str
    zones: tuple[str, ...]
    min_count: int = 0
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class CapacityPlan:
    """Instances per site and zone, and why.

    Attributes:
        min_healthy: instances the service needs after any one failure of kind ``survive``.
        survive: the kind of failure it must survive.
        placements: one row per site and zone, in the order the sites and zones were given.
        explanation: the sizing in plain words, one line per decision.
    """

    min_healthy: int
    survive: FailureKind
    placements: tuple[Placement, ...]
    explanation: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(p.count for p in self.placements)

    def per_site(self) -> dict[str, int]:
        """Instances per site, in site order."""
        result: dict[str, int] = {}
        for p in self.placements:
            result[p.site] = result.get(p.site, 0) + p.count
        return result

    def site_zones(self, site: str) -> dict[str, int]:
        """Instances per zone of one site."""
        return {p.zone: p.count for p in self.placements if p.site == site}


def _spread(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` near-equal shares, the larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def plan_capacity(sites: Sequence[SiteZones], min_healthy: int, survive: FailureKind) -> CapacityPlan:
    """Size every site so losing any one ``survive`` domain leaves at least ``min_healthy``.

    Raises:
        PlanningError: with ``path`` ``survive`` when the sites span fewer than two domains of
            that kind, or ``min_healthy`` when it is out of range; ``sites`` when a site has no
            zone or is listed twice.

    >>> plan = plan_capacity(
    ...     [SiteZones("aws-use1", "aws", "us-east-1", ("us-east-1a", "us-east-1b")),
    ...      SiteZones("gcp-euw1", "gcp", "europe-west1", ("europe-west1-b",))],
    ...     min_healthy=4, survive=FailureKind.VENDOR)
    >>> plan.per_site()
    {'aws-use1': 4, 'gcp-euw1': 4}
    """
    if not 1 <= min_healthy <= MAX_INSTANCES:
        raise PlanningError(
            f"min_healthy must be 1 to {MAX_INSTANCES}, got {min_healthy}",
            path="min_healthy",
            value=min_healthy,
        )
    seen: set[str] = set()
    for site in sites:
        if site.site in seen:
            raise PlanningError(f"site {site.site!r} is listed twice", path="sites", value=site.site)
        seen.add(site.site)
        if not site.zones:
            raise PlanningError(f"site {site.site!r} has no zone to place instances in", path="sites")
        if site.min_count < 0:
            raise PlanningError(
                f"site {site.site!r} has a negative floor", path="sites", value=site.min_count
            )

    # The finest unit is a zone; every zone carries a floor (its share of its site's floor).
    cells: list[tuple[SiteZones, str, int]] = []
    for site in sites:
        for zone, floor in zip(site.zones, _spread(site.min_count, len(site.zones)), strict=True):
            cells.append((site, zone, floor))
    keys = _keys(cells, survive)
    domains = list(dict.fromkeys(keys))
    names = ", ".join(domains)
    if len(domains) < 2:
        raise PlanningError(
            f"cannot survive losing a {survive.value}: the sites span {len(domains)} {survive.value}"
            f"{'' if len(domains) == 1 else 's'} ({names or 'none'}); add a site in another "
            f"{survive.value}, or survive a narrower failure",
            path="survive",
            value=survive.value,
        )
    floors = {d: 0 for d in domains}
    for key, (_, _, floor) in zip(keys, cells, strict=True):
        floors[key] += floor
    m = len(domains)
    bound_even = math.ceil(min_healthy * m / (m - 1))
    bound_floor_sum = sum(floors.values())
    biggest_floor = max(domains, key=lambda d: floors[d])
    bound_floor_max = min_healthy + floors[biggest_floor]
    total = max(bound_even, bound_floor_sum, bound_floor_max)
    cap = total - min_healthy

    # Domain totals: start at the floors, then fill the emptiest domain (first listed on ties)
    # until the total is reached; no domain exceeds the cap (m * cap >= total, floors <= cap).
    amounts = dict(
        zip(domains, _water_fill([floors[d] for d in domains], total - bound_floor_sum), strict=True)
    )

    # Inside each domain: start every zone at its floor, then fill the sites with the fewest
    # instances, and inside each site its emptiest zones, so narrower failures hurt least.
    counts = [floor for _, _, floor in cells]
    # Each cell's index grouped by domain, then by owning site (in listed order): one pass, so
    # sizing 10,000 sites stays linear rather than domains * cells.
    grouped: dict[str, dict[str, list[int]]] = {d: {} for d in domains}
    for i, key in enumerate(keys):
        grouped[key].setdefault(cells[i][0].site, []).append(i)
    for domain in domains:
        by_owner = grouped[domain]
        owners = list(by_owner)
        before = [sum(counts[i] for i in by_owner[o]) for o in owners]
        after = _water_fill(before, amounts[domain] - floors[domain])
        for owner, was, now in zip(owners, before, after, strict=True):
            zones = by_owner[owner]
            for i, count in zip(zones, _water_fill([counts[i] for i in zones], now - was), strict=True):
                counts[i] = count

    trimmed = _trim(cells, counts, keys, min_healthy)
    total -= trimmed
    placements = tuple(
        Placement(site.site, site.vendor, site.region, zone, count, site.hosts)
        for (site, zone, _), count in zip(cells, counts, strict=True)
    )
    worst = worst_loss(placements, survive)
    assert worst is not None and worst.remaining >= min_healthy, worst  # the arithmetic above

    if total == bound_even:
        why = (
            f"losing the largest of {m} {survive.value}s must leave {min_healthy}, so each holds at "
            f"most {cap} and the total is ceil({min_healthy} × {m} / {m - 1}) = {total}"
        )
    elif total == bound_floor_max:
        why = (
            f"{biggest_floor} must run at least {floors[biggest_floor]} (site floors), and losing it "
            f"must leave {min_healthy}: total {min_healthy} + {floors[biggest_floor]} = {total}"
        )
    else:
        why = f"the site floors alone add up to {total}, which already survives any one {survive.value}"
    lines = [
        f"survive one {survive.value} failure with {min_healthy} healthy: {m} {survive.value}s ({names})",
        why,
    ]
    if trimmed:
        lines.append(
            f"trimmed {trimmed} instance(s) the even split did not need (sites share a zone, so one "
            "site's floor already counts towards another's)"
        )
        amounts = dict.fromkeys(domains, 0)
        for key, count in zip(keys, counts, strict=True):
            amounts[key] += count
    for domain in domains:
        lines.append(
            f"{survive.value} {domain}: {amounts[domain]} (losing it leaves {total - amounts[domain]})"
        )
    by_site: dict[str, list[Placement]] = {}
    for placement in placements:
        by_site.setdefault(placement.site, []).append(placement)
    for site in sites:
        rows = by_site.get(site.site, [])
        spread = ", ".join(f"{p.zone} {p.count}" for p in rows)
        lines.append(f"site {site.site}: {sum(p.count for p in rows)} ({spread})")
    lines.append(f"worst {survive.value} failure: {worst.domain}, leaving {worst.remaining} of {total}")
    return CapacityPlan(min_healthy, survive, placements, tuple(lines))


def _water_fill(levels: Sequence[int], extra: int) -> list[int]:
    """``levels`` after adding ``extra`` units one at a time to the lowest (the first on ties).

    The same result as that loop, in O(n log n) rather than O(extra * n), so a plan for
    100,000 instances takes milliseconds.

    >>> _water_fill([3, 0, 1, 0], 4)
    [3, 2, 2, 1]
    """
    result = list(levels)
    if extra <= 0 or not result:
        return result
    order = sorted(range(len(result)), key=lambda i: (result[i], i))
    level, k, remaining = result[order[0]], 1, extra
    while k < len(order):
        step = (result[order[k]] - level) * k
        if step > remaining:
            break
        remaining -= step
        level = result[order[k]]
        k += 1
    share, rest = divmod(remaining, k)
    lowest = sorted(order[:k])
    for position, i in enumerate(lowest):
        result[i] = level + share + (1 if position < rest else 0)
    return result


def _trim(cells: list[tuple[SiteZones, str, int]], counts: list[int], keys: list[str], need: int) -> int:
    """Remove, last zone first, every instance neither the survival rule nor a site floor needs.

    The closed form above is already minimal when sites do not share zones (the usual case);
    when two sites of one vendor sit in one region and name the same zone, splitting each site's
    floor evenly can over-provision, and this pass takes the surplus back. Returns how many
    instances it removed (``counts`` is updated in place).

    Each try is O(1): site totals, domain totals and how many domains hold each total are kept
    up to date, so the largest domain (the one whose loss leaves least) is known without
    rescanning every cell — 10,000 sites trim in milliseconds instead of minutes.
    """
    floors: dict[str, int] = {}
    owner_totals: dict[str, int] = {}
    domain_totals: dict[str, int] = {}
    for (site, _, _), key, count in zip(cells, keys, counts, strict=True):
        floors[site.site] = site.min_count
        owner_totals[site.site] = owner_totals.get(site.site, 0) + count
        domain_totals[key] = domain_totals.get(key, 0) + count
    at_level: dict[int, int] = {}
    for amount in domain_totals.values():
        at_level[amount] = at_level.get(amount, 0) + 1
    largest = max(domain_totals.values(), default=0)
    total = sum(counts)
    removed = 0
    changed = True
    while changed:
        changed = False
        for i in reversed(range(len(cells))):
            if counts[i] == 0:
                continue
            owner = cells[i][0].site
            if owner_totals[owner] - 1 < floors[owner]:
                continue
            key = keys[i]
            level = domain_totals[key]
            # Only this domain shrinks, by one: the largest drops by one iff it was the only one.
            after_largest = largest - 1 if level == largest and at_level[level] == 1 else largest
            if (total - 1) - after_largest >= need:
                counts[i] -= 1
                owner_totals[owner] -= 1
                domain_totals[key] = level - 1
                at_level[level] -= 1
                at_level[level - 1] = at_level.get(level - 1, 0) + 1
                largest = after_largest
                total -= 1
                removed += 1
                changed = True
    return removed


def _keys(cells: list[tuple[SiteZones, str, int]], kind: FailureKind) -> list[str]:
    """Each cell's ``kind`` domain; domains that share a site (a hosted site fails with its own
    vendor and its host's) are sized as one, named ``a+b``: losing the union leaves the service
    ``min_healthy``, so losing either does."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    per_cell = [
        domain_keys(Placement(site.site, site.vendor, site.region, zone, 0, site.hosts), kind)
        for site, zone, _ in cells
    ]
    for keys in per_cell:
        for other in keys[1:]:
            a, b = find(keys[0]), find(other)
            if a != b:
                parent[b] = a
    members: dict[str, list[str]] = {}
    for keys in per_cell:
        for key in keys:
            group = members.setdefault(find(key), [])
            if key not in group:
                group.append(key)
    return ["+".join(members[find(keys[0])]) for keys in per_cell]
