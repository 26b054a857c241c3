"""Vendors' documented limits on a site's VPN end, counted against the plan before anything exists.

Why planned: a limit is otherwise met by ``pulumi up`` half-way through an estate (AWS refuses
the eleventh VPN connection on a virtual private gateway once ten are built), and what the plan
needs is known exactly here. Each driver declares its vendor's limits as data
(:class:`VpnLimit`: the figure, whether the vendor raises it on request, the document saying so);
this module counts what the links need of each, in units read from the link plans alone
(:class:`Counted`), and refuses a plan over a limit, or over the quota a stack file declares for
an adjustable one (``network.quotas``), naming the site, the limit, both numbers and what to do.

At the limit is allowed: a documented maximum is a count the vendor accepts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from ..core.errors import ConfigIssue, PlanningError
from .vpn import LinkPlan

__all__ = [
    "Counted",
    "LimitExceededError",
    "LimitedSite",
    "Scope",
    "VpnLimit",
    "check_limits",
    "check_quotas",
    "tally",
]


class Counted(StrEnum):
    """What a limit counts, read from the link plans (each vendor names its own resource)."""

    PEER_ADDRESSES = "peer-addresses"
    """One per far-end public address a site's end of a link talks to: what AWS makes a VPN
    connection and a customer gateway for, and Azure a local network gateway and a connection."""
    BGP_SESSIONS = "bgp-sessions"
    """One per BGP-routed tunnel at the site's end: a Cloud Router BGP peer, an Azure custom
    APIPA address."""
    GATEWAYS = "gateways"
    """One per site with a VPN link: its VPN gateway (peering needs none)."""


class Scope(StrEnum):
    """Over what a limit applies."""

    GATEWAY = "gateway"
    """The site's own VPN gateway (skyweave makes one per site)."""
    REGION = "region"
    """Every site of the vendor in one account and region together (an account quota)."""


@dataclass(frozen=True)
class VpnLimit:
    """One documented limit of a vendor's VPN end, as its driver declares it.

    Attributes:
        key: the name a stack file declares a raised quota under (``network.quotas.<site>.<key>``).
        what: the vendor's own words for it, for messages ("Site-to-Site VPN connections per
            virtual private gateway").
        figure: the documented figure (a default quota when ``adjustable``).
        counted: what one unit is.
        source: the document that gives the figure.
        scope: per gateway, or per account and region.
        adjustable: the vendor raises it on request (a quota); otherwise a fixed system limit,
            and a stack file may not declare another figure.
        remedy: what to do instead when the plan needs more than a fixed limit allows.
    """

    key: str
    what: str
    figure: int
    counted: Counted
    source: str
    scope: Scope = Scope.GATEWAY
    adjustable: bool = False
    remedy: str = ""


@dataclass(frozen=True)
class LimitedSite:
    """A site as the limit check needs it: its vendor's limits and its declared quotas.

    Attributes:
        path: the site's key in the configuration (``sites[3]``).
        vendor: the vendor's name for people ("Amazon Web Services").
        account: what identifies the account its credentials reach, so region limits add up
            only sites that share one ("" when every site of the vendor does).
    """

    name: str
    vendor: str
    region: str
    path: str
    limits: tuple[VpnLimit, ...] = ()
    quotas: Mapping[str, int] = field(default_factory=dict)
    account: str = ""


class LimitExceededError(PlanningError):
    """The plan needs more of something than a vendor allows; reported at the quota key to
    declare (no value when none is declared yet) or at the site."""

    def __init__(self, message: str, *, path: str, value: object = None, has_value: bool = True) -> None:
        super().__init__(message, path=path, value=value)
        self.has_value = has_value

    def as_issue(self, prefix: str = "") -> ConfigIssue:
        issue = super().as_issue(prefix)
        return ConfigIssue(issue.path, issue.message, issue.value, has_value=self.has_value)


def tally(links: Sequence[LinkPlan]) -> dict[tuple[str, Counted], dict[str, int]]:
    """Per (site, unit), what the site's links need, by the site at each link's other end (for
    :attr:`Counted.GATEWAYS`, by the site itself). One pass over the links."""
    out: dict[tuple[str, Counted], dict[str, int]] = defaultdict(dict)
    for link in links:
        if not link.tunnels:
            continue
        for site, other in ((link.a.site, link.b.site), (link.b.site, link.a.site)):
            out[(site, Counted.PEER_ADDRESSES)][other] = link.peer_addresses(site)
            if link.bgp_sessions(site):
                out[(site, Counted.BGP_SESSIONS)][other] = link.bgp_sessions(site)
            out[(site, Counted.GATEWAYS)][site] = 1
    return out


def check_quotas(sites: Sequence[LimitedSite], quotas: Mapping[str, Mapping[str, int]], *, path: str) -> None:
    """Every declared quota names a site, an adjustable limit of its vendor, and, for a limit of
    the account's region, the same figure as every other site sharing that account and region."""
    by_name = {s.name: s for s in sites}
    for name, declared in quotas.items():
        site = by_name.get(name)
        if site is None:
            raise PlanningError(
                f"there is no site named {name!r}; sites are: {', '.join(by_name)}",
                path=f"{path}.{name}",
                value=name,
            )
        if not site.limits:
            raise PlanningError(
                f"site {name!r} is {site.vendor}, which publishes no VPN limits skyweave plans: there is "
                "nothing to raise (docs/limits.md); remove the entry",
                path=f"{path}.{name}",
                value=dict(declared),
            )
        limits = {limit.key: limit for limit in site.limits}
        for key, figure in declared.items():
            where = f"{path}.{name}.{key}"
            limit = limits.get(key)
            if limit is None:
                valid = ", ".join(
                    f"{k} ({'adjustable' if v.adjustable else 'fixed'})" for k, v in limits.items()
                )
                raise PlanningError(
                    f"{key!r} is not a limit of {site.vendor}; its limits: {valid}", path=where, value=figure
                )
            if not limit.adjustable:
                raise PlanningError(
                    f"{limit.what}: {site.vendor} allows {limit.figure}, a fixed limit and not a quota "
                    f"({limit.source}), so it cannot be raised and no figure may be declared for it; remove "
                    f"the key, and if the plan needs more: {limit.remedy}",
                    path=where,
                    value=figure,
                )
    _check_region_agreement(sites, quotas, path=path)


def _check_region_agreement(
    sites: Sequence[LimitedSite], quotas: Mapping[str, Mapping[str, int]], *, path: str
) -> None:
    for group in _regions(sites).values():
        keys = {limit.key for site in group for limit in site.limits if limit.scope is Scope.REGION}
        for key in sorted(keys):
            declared = {s.name: quotas[s.name][key] for s in group if key in quotas.get(s.name, {})}
            if len(set(declared.values())) > 1:
                names = sorted(declared)
                raise PlanningError(
                    f"sites {', '.join(repr(n) for n in names)} share one {group[0].vendor} account in "
                    f"{group[0].region}, whose {key} is one figure for the whole region, but declare "
                    f"{', '.join(str(declared[n]) for n in names)}; declare the same figure on each",
                    path=f"{path}.{names[-1]}.{key}",
                    value=declared[names[-1]],
                )


def _regions(sites: Sequence[LimitedSite]) -> dict[tuple[str, str, str], list[LimitedSite]]:
    groups: dict[tuple[str, str, str], list[LimitedSite]] = defaultdict(list)
    for site in sites:
        if site.limits:
            groups[(site.vendor, site.account, site.region)].append(site)
    return groups


def check_limits(
    sites: Sequence[LimitedSite], links: Sequence[LinkPlan], *, path: str
) -> dict[str, dict[str, int]]:
    """Per site and limit key, what the plan needs (summed over the region for region limits);
    raise :class:`LimitExceededError` for the first limit the plan exceeds.

    ``path`` is where quotas are declared (``network.quotas``). Sites are checked in order, each
    site's limits in the order its driver declares them.
    """
    regions = _regions(sites)
    counts = tally(links)
    usage: dict[str, dict[str, int]] = {}
    # A region limit's need is the same for every site of the region: summed once per region and
    # limit, not once per site (a region of thousands of sites would cost its square).
    summed: dict[tuple[str, str, str, str, Counted], tuple[dict[tuple[str, str], int], int, int | None]] = {}
    for site in sites:
        usage[site.name] = {}
        for limit in site.limits:
            region = (site.vendor, site.account, site.region)
            group = regions[region] if limit.scope is Scope.REGION else [site]
            key = (*region, limit.key, limit.counted)
            if limit.scope is not Scope.REGION or key not in summed:
                parts = {
                    (member.name, other): n
                    for member in group
                    if any(lim.key == limit.key for lim in member.limits)
                    for other, n in counts.get((member.name, limit.counted), {}).items()
                }
                found = (
                    parts,
                    sum(parts.values()),
                    next((s.quotas[limit.key] for s in group if limit.key in s.quotas), None),
                )
                if limit.scope is Scope.REGION:
                    summed[key] = found
            else:
                found = summed[key]
            parts, need, declared = found
            usage[site.name][limit.key] = need
            allowed = limit.figure if declared is None else declared
            if need > allowed:
                raise _exceeded(site, group, limit, need, parts, declared, path=path)
    return usage


def _exceeded(
    site: LimitedSite,
    group: Sequence[LimitedSite],
    limit: VpnLimit,
    need: int,
    parts: Mapping[tuple[str, str], int],
    declared: int | None,
    *,
    path: str,
) -> LimitExceededError:
    if limit.scope is Scope.REGION:
        names = sorted({member for member, _ in parts})
        who = f"sites {', '.join(repr(n) for n in names)} ({site.vendor}, {site.region})"
        detail = ", ".join(
            f"{member} {sum(n for (m, _), n in parts.items() if m == member)}" for member in names
        )
    else:
        who = f"site {site.name!r}"
        detail = ", ".join(f"{n} to {other}" for (_, other), n in sorted(parts.items()))
    unit = {
        Counted.PEER_ADDRESSES: "one per far-end address",
        Counted.BGP_SESSIONS: "one per BGP session",
        Counted.GATEWAYS: "one per site with a VPN link",
    }[limit.counted]
    documented = f"{site.vendor} allows {limit.figure} ({limit.source})"
    allowed = documented if declared is None else f"the declared quota is {declared}; {documented} by default"
    verb = "needs" if limit.scope is Scope.GATEWAY else "need"
    message = f"{who} {verb} {need} {limit.what} ({detail}; {unit}), and {allowed}"
    if limit.adjustable:
        declarer = next((s for s in group if limit.key in s.quotas), site)
        where = f"{path}.{declarer.name}.{limit.key}"
        message += (
            f". The quota is adjustable: once {site.vendor} has raised it for the account in {site.region}, "
            f"declare the new figure here ({where}: <figure>); or join fewer sites to {site.name!r} "
            "(network.exclude)"
        )
        return LimitExceededError(message, path=where, value=declared, has_value=declared is not None)
    message += f". It cannot be raised: {limit.remedy}"
    return LimitExceededError(message, path=site.path, value=site.name)
