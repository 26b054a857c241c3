"""What a MultiCloudApp will be, decided before anything is registered: its args and its plan.

Kept apart from the component (``multi_cloud_app.py``) so the stack loader and ``skyweave
simulate`` can validate and plan apps without building one: the plan joins the capacity
planner, the availability model and the drivers' pure checks (endpoint kinds, DNS limits), and
reports every problem as an :class:`~skyweave.core.errors.InvalidArgsError` naming the key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from ..core.errors import (
    ConfigIssue,
    InvalidArgsError,
    PlanningError,
    UnknownDriverError,
    UnsupportedCapabilityError,
    did_you_mean,
)
from ..core.sites import SiteArgs, SiteName, Tags
from ..core.validation import ArgsModel, entry_args, name_field, unique_entries
from ..drivers.base import Capability
from ..drivers.registry import get_driver, offering, per_vendor
from ..drivers.registry import vendors as registered_vendors
from ..drivers.services import AppService, DnsService, service
from ..drivers.workloads import (
    AppTerms,
    AppValue,
    AppValueKind,
    DnsRouting,
    DnsSpec,
    EndpointKind,
    HealthCheckSpec,
    PlainHttp,
    TlsTermination,
)
from ..planning.availability import (
    DEFAULT_BETA,
    AvailabilityReport,
    SiteAvailability,
    service_availability,
)
from ..planning.capacity import CapacityPlan, SiteZones, plan_capacity
from ..planning.failure import FailureKind

__all__ = [
    "NAME_LIMIT",
    "AppDnsArgs",
    "AppPlan",
    "DnsProvider",
    "DnsProviderArgs",
    "MultiCloudAppArgs",
    "MultiCloudAppConfig",
    "app_endpoint_kind",
    "plan_dns",
    "plan_multi_cloud_app",
]


#: An app's name prefixes its children's, and AWS load balancer names are limited to 32 characters.
NAME_LIMIT = 16


def _tls_description() -> str:
    """What ``tls_certificates`` does on each registered vendor, from their app services' terms."""

    def vendors(tls: TlsTermination) -> str:
        return ", ".join(d.vendor for d, app in offering(AppService) if app.app_terms().tls is tls)

    certificates = per_vendor(AppService, lambda a: a.app_terms().certificate)
    parts = [
        "Serve HTTPS: the certificate per vendor, region or site name (a site's own entry wins, then "
        f"its region's) for load balancers that terminate TLS ({certificates}), whose service port "
        "then only redirects to https_port"
    ]
    if passthrough := vendors(TlsTermination.INSTANCES):
        parts.append(
            f"load balancers that pass https_port through leave TLS to the instances ({passthrough})"
        )
    if plain := vendors(TlsTermination.NONE):
        parts.append(f"sites that serve no HTTPS keep the service port only ({plain})")
    return "; ".join(parts) + ". Default: plain HTTP on the service port."


#: The vendors whose app sites publish no compute SLA (the user states a figure for them).
_NO_SLA = ", ".join(d.display_name for d, _ in offering(AppService) if d.compute_sla is None)


class DnsProviderArgs(ArgsModel):
    """One more DNS provider serving the app's name: the same records and health checks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vendor: str = Field(
        description="Whose DNS also serves the record "
        f"({per_vendor(DnsService, lambda d: d.dns_terms().product)})."
    )
    zone: str = Field(
        min_length=1,
        description="The same zone at that provider, in its terms "
        f"({per_vendor(DnsService, lambda d: d.dns_terms().zone)}).",
    )
    site: SiteName | None = Field(
        default=None,
        description="The site whose provider (account/project) manages that zone. Omitted: the "
        "first of the app's sites with that vendor, else the estate's first.",
    )


class AppDnsArgs(ArgsModel):
    """Health-checked DNS in front of every site of the app."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vendor: str = Field(
        description="Whose DNS serves the record "
        f"({per_vendor(DnsService, lambda d: d.dns_terms().product)})."
    )
    zone: str = Field(
        min_length=1,
        description="The zone holding the record, in the DNS vendor's terms "
        f"({per_vendor(DnsService, lambda d: d.dns_terms().zone)}).",
    )
    record_name: str = Field(
        pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
        description="The fully qualified name clients use, e.g. shop.example.com (no trailing dot).",
    )
    site: SiteName | None = Field(
        default=None,
        description="The site whose provider (account/project) manages the zone. Omitted: the "
        "first of the app's sites with the DNS vendor, else the estate's first.",
    )
    routing: DnsRouting = Field(
        default=DnsRouting.WEIGHTED,
        description="weighted (default): every healthy site answers in proportion to its "
        "capacity; failover: the first site, the next only when the first is unhealthy "
        f"({per_vendor(DnsService, lambda d: d.dns_terms().failover)}).",
    )
    ttl_seconds: int = Field(
        default=60, ge=0, le=86_400, description="TTL of the records. Default 60 s (part of failover time)."
    )
    check_interval_seconds: int = Field(
        default=30,
        ge=10,
        le=300,
        description="Seconds between DNS health checks. Default 30 "
        f"({per_vendor(DnsService, lambda d: d.dns_terms().intervals)}).",
    )
    failure_threshold: int = Field(
        default=3, ge=1, le=10, description="Failed checks before a site leaves DNS. Default 3."
    )
    source_regions: tuple[str, ...] = Field(
        default=(),
        description="Where the DNS health checks probe from, for a DNS vendor that lets you choose "
        f"({per_vendor(DnsService, lambda d: d.dns_terms().probe_regions)}); leave it out for the others.",
    )
    also_served_by: tuple[DnsProviderArgs, ...] = Field(
        default=(),
        description="More DNS providers serving the same zone (multi-provider authoritative DNS): "
        "each gets identical records and health checks, and the app's nameServers output lists "
        "every provider's name servers for the registrar, so the name outlives one DNS vendor. "
        "Default none.",
    )


class MultiCloudAppArgs(ArgsModel):
    """Arguments of :class:`MultiCloudApp`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sites: tuple[SiteName, ...] = Field(
        min_length=1, description="Names of the estate's sites to run on (at least one, each once)."
    )
    images: dict[str, str] = Field(
        description=f"Boot image per vendor ({per_vendor(AppService, lambda a: a.app_terms().image)}), "
        "per region or per site name; a site's own entry wins, then its region's. Required for every site."
    )
    sizes: dict[str, str] = Field(
        description="Instance size per vendor, region or site name "
        f"({per_vendor(AppService, lambda a: a.app_terms().size)}); a site's own entry wins, then its "
        "region's. Required for every site."
    )
    port: int = Field(default=80, ge=1, le=65535, description="The service port. Default 80.")
    health_check_path: str = Field(
        default="/healthz", pattern=r"^/\S*$", description="HTTP path answering 2xx/3xx. Default /healthz."
    )
    health_check_interval_seconds: int = Field(
        default=10, ge=5, le=300, description="Load balancer health-check interval. Default 10 s."
    )
    health_check_timeout_seconds: int = Field(
        default=5, ge=2, le=120, description="Seconds before a check fails. Default 5 (must be < interval)."
    )
    healthy_threshold: int = Field(default=2, ge=2, le=10, description="Successes to be healthy. Default 2.")
    unhealthy_threshold: int = Field(
        default=3, ge=2, le=10, description="Failures to be taken out. Default 3."
    )
    min_healthy: int = Field(
        ge=1, le=100_000, description="Instances the service needs after the failure it must survive."
    )
    survive: FailureKind = Field(
        default=FailureKind.VENDOR,
        description="The failure to survive with min_healthy left: zone, region, site or vendor. "
        "Default vendor.",
    )
    admin_ports: tuple[int, ...] = Field(
        default=(22,), description="Ports open only to the estate's ranges (never the world). Default [22]."
    )
    user_data: str | None = Field(default=None, description="Boot script (cloud-init). Default none.")
    availability: dict[str, float] = Field(
        default_factory=dict,
        description="Availability per site name, overriding the vendor's published SLA; required for "
        f"vendors that publish none{f' ({_NO_SLA})' if _NO_SLA else ''}. Default: the published figures.",
    )
    availability_beta: float = Field(
        default=DEFAULT_BETA,
        ge=0.0,
        le=1.0,
        description="Share of a site's unavailability common to its whole vendor (beta factor). "
        "Default 0.1; 0 treats sites as independent.",
    )
    vendor_common_cause: dict[str, float] = Field(
        default_factory=dict,
        description="Per vendor, the probability that all of its sites are down at once, overriding "
        "the beta-factor estimate (e.g. from your own incident history). Default: estimated.",
    )
    dns: AppDnsArgs | None = Field(default=None, description="Health-checked DNS. Omitted: no DNS records.")
    tls_certificates: dict[str, str] = Field(
        default_factory=dict,
        description=_tls_description(),
    )
    https_port: int = Field(
        default=443, ge=1, le=65535, description="The HTTPS port with tls_certificates. Default 443."
    )
    plain_http: PlainHttp = Field(
        default=PlainHttp.REDIRECT,
        description="With tls_certificates, what the service port does for the public: redirect "
        "(default: it only redirects to https_port) or closed (only https_port is open; the service "
        "port stays the backend port behind load balancers that terminate TLS). Every vendor serves "
        "the same contract, and every health check probes a port that answers 200.",
    )
    tags: Tags = Field(default_factory=dict, description="Tags on every resource of the app. Default none.")

    @field_validator("sites")
    @classmethod
    def _unique_sites(cls, sites: tuple[str, ...]) -> tuple[str, ...]:
        return unique_entries(sites, "sites", "site")

    @field_validator("admin_ports")
    @classmethod
    def _ports(cls, ports: tuple[int, ...]) -> tuple[int, ...]:
        for port in ports:
            if not 1 <= port <= 65535:
                raise ValueError(f"port {port} is not 1-65535")
        return ports


class MultiCloudAppConfig(MultiCloudAppArgs):
    """An app in the stack configuration (``skyweave:apps``): a name plus the app's args."""

    name: str = name_field(
        NAME_LIMIT, "Name of the app; prefixes every resource of it. Renaming replaces them all."
    )

    def args(self, estate_tags: Mapping[str, str] | None = None) -> MultiCloudAppArgs:
        """The component's args; ``estate_tags`` (the stack's ``tags``) go under the app's own."""
        return entry_args(self, MultiCloudAppArgs, estate_tags)


@dataclass(frozen=True)
class DnsProvider:
    """One DNS provider of the app's name: its vendor, its zone's spec and the site managing it."""

    vendor: str
    spec: DnsSpec
    site: SiteArgs


@dataclass(frozen=True)
class AppPlan:
    """Everything :class:`MultiCloudApp` will build, decided before it registers anything."""

    args: MultiCloudAppArgs
    sites: tuple[SiteArgs, ...]
    capacity: CapacityPlan
    availability: AvailabilityReport
    images: Mapping[str, str]
    sizes: Mapping[str, str]
    health: HealthCheckSpec
    dns: DnsSpec | None
    dns_site: SiteArgs | None
    estate_cidrs: tuple[str, ...]
    #: The certificate per site whose load balancer terminates TLS (empty: no TLS).
    certificates: Mapping[str, str] = field(default_factory=dict)
    #: Every DNS provider of the name, the first being ``dns`` on ``dns_site``.
    dns_providers: tuple[DnsProvider, ...] = ()
    #: The DNS reaches IP targets only: sites reached by a hostname get fixed addresses.
    fixed_addresses: bool = False

    @property
    def tls(self) -> bool:
        return bool(self.args.tls_certificates)

    def as_dict(self) -> dict[str, Any]:
        return {
            "placements": [p.as_dict() for p in self.capacity.placements],
            "minHealthy": self.capacity.min_healthy,
            "survive": self.capacity.survive.value,
            "sizing": list(self.capacity.explanation),
            "availability": self.availability.as_dict(),
            "failoverSeconds": self.dns.failover_seconds if self.dns else None,
        }


def plan_multi_cloud_app(
    args: MultiCloudAppArgs, estate: Sequence[SiteArgs], estate_cidrs: Sequence[str] = ()
) -> AppPlan:
    """Plan the app over the estate's sites; raise :class:`InvalidArgsError` listing every problem."""
    issues: list[ConfigIssue] = []
    by_name = {s.name: s for s in estate}
    sites: list[SiteArgs] = []
    for i, name in enumerate(args.sites):
        site = by_name.get(name)
        if site is None:
            issues.append(
                ConfigIssue(f"sites[{i}]", f"no such site; the estate's sites are {', '.join(by_name)}", name)
            )
            continue
        driver = get_driver(site.vendor)
        if not driver.supports(Capability.INSTANCE_GROUP):
            issues.append(
                ConfigIssue(
                    f"sites[{i}]",
                    f"{driver.display_name} sites cannot run a MultiCloudApp (no managed instance group "
                    "behind a load balancer); pick a cloud site",
                    name,
                )
            )
            continue
        for problem in service(driver, AppService, needed_for="a MultiCloudApp site").app_site_problems(site):
            issues.append(ConfigIssue(f"sites[{i}]", problem, name))
        sites.append(site)
    vendors = {s.vendor for s in sites}
    known_vendors = set(registered_vendors())
    images: dict[str, str] = {}
    sizes: dict[str, str] = {}
    certificates: dict[str, str] = {}
    if args.tls_certificates:
        issues.extend(_tls_issues(args, sites, by_name, known_vendors, certificates))
    elif args.plain_http is PlainHttp.CLOSED:
        issues.append(
            ConfigIssue(
                "plain_http",
                "closed needs tls_certificates: without HTTPS the service port is all the app serves",
                args.plain_http.value,
            )
        )
    entries = _entries(by_name.values(), known_vendors)
    for key, kind, table, resolved in (
        ("images", AppValueKind.IMAGE, args.images, images),
        ("sizes", AppValueKind.SIZE, args.sizes, sizes),
    ):
        issues += _unknown_entries(key, table, entries, sites)
        chosen: dict[str, str] = {}
        for site in sites:
            entry = _entry(table, site)
            if entry is None:
                issues.append(
                    ConfigIssue(
                        key,
                        f"no entry for site {site.name!r} ({site.vendor}, {site.region}); add "
                        f"{key}.{site.vendor}, {key}.{site.region} or {key}.{site.name}",
                        dict(table),
                    )
                )
            else:
                chosen[site.name] = entry
                resolved[site.name] = table[entry]
        issues += _value_issues(key, kind, table, sites, chosen)
    if args.health_check_timeout_seconds >= args.health_check_interval_seconds:
        issues.append(
            ConfigIssue(
                "health_check_timeout_seconds",
                f"must be shorter than health_check_interval_seconds ({args.health_check_interval_seconds})",
                args.health_check_timeout_seconds,
            )
        )
    for name in args.availability:
        if name not in by_name:
            issues.append(
                ConfigIssue(f"availability.{name}", "not a site of the estate", args.availability[name])
            )
        elif not 0.0 < args.availability[name] <= 1.0:
            issues.append(
                ConfigIssue(f"availability.{name}", "must be in (0, 1], e.g. 0.999", args.availability[name])
            )
    for vendor in args.vendor_common_cause:
        if vendor not in vendors:
            issues.append(
                ConfigIssue(
                    f"vendor_common_cause.{vendor}",
                    f"not a vendor of this app's sites ({', '.join(sorted(vendors))})",
                    args.vendor_common_cause[vendor],
                )
            )
    if issues:
        raise InvalidArgsError(issues)

    try:
        capacity = plan_capacity(
            [
                SiteZones(
                    s.name, s.vendor, s.region, tuple(s.zones), 1, get_driver(s.vendor).failure_hosts(s)
                )
                for s in sites
            ],
            args.min_healthy,
            args.survive,
        )
    except PlanningError as exc:
        raise InvalidArgsError([exc.as_issue()]) from exc

    site_availability: list[SiteAvailability] = []
    for s in sites:
        hosts = tuple(h.split("/", 1)[0] for h in get_driver(s.vendor).failure_hosts(s))
        zones_used = sum(1 for count in capacity.site_zones(s.name).values() if count > 0)
        override = args.availability.get(s.name)
        published = get_driver(s.vendor).compute_sla
        sla = published.for_zones(zones_used) if published is not None else None
        if override is not None:
            site_availability.append(
                SiteAvailability(s.name, s.vendor, override, capacity.per_site()[s.name], "override", hosts)
            )
        elif sla is not None:
            source = "published SLA, " + ("multi-zone" if zones_used >= 2 else "single instance")
            site_availability.append(
                SiteAvailability(s.name, s.vendor, sla, capacity.per_site()[s.name], source, hosts)
            )
        else:
            issues.append(
                ConfigIssue(
                    f"availability.{s.name}",
                    f"{get_driver(s.vendor).display_name} publishes no SLA; state the operator's figure "
                    "for this site, e.g. 0.999",
                    has_value=False,
                )
            )
    if issues:
        raise InvalidArgsError(issues)
    try:
        availability = service_availability(
            site_availability,
            args.min_healthy,
            beta=args.availability_beta,
            vendor_common_cause=args.vendor_common_cause,
        )
    except PlanningError as exc:
        raise InvalidArgsError([exc.as_issue()]) from exc

    health = HealthCheckSpec(
        path=args.health_check_path,
        port=args.port,
        interval_seconds=args.health_check_interval_seconds,
        timeout_seconds=args.health_check_timeout_seconds,
        healthy_threshold=args.healthy_threshold,
        unhealthy_threshold=args.unhealthy_threshold,
    )
    per_site = capacity.per_site()
    providers, fixed = plan_dns(args.dns, health, sites, estate, per_site, issues, app_endpoint_kind)
    if issues:
        raise InvalidArgsError(issues)
    dns, dns_site = (providers[0].spec, providers[0].site) if providers else (None, None)
    return AppPlan(
        args=args,
        sites=tuple(sites),
        capacity=capacity,
        availability=availability,
        images=images,
        sizes=sizes,
        health=health,
        dns=dns,
        dns_site=dns_site,
        estate_cidrs=tuple(estate_cidrs),
        certificates=certificates,
        dns_providers=providers,
        fixed_addresses=fixed,
    )


def _entries(estate: Iterable[SiteArgs], vendors: set[str]) -> set[str]:
    """The keys a per-site table may use: the estate's site names and regions, and vendors."""
    return {key for site in estate for key in (site.name, site.region)} | vendors


def _entry(table: Mapping[str, str], site: SiteArgs) -> str | None:
    """The key giving ``site`` its value: its own name, else its region, else its vendor."""
    return next((key for key in (site.name, site.region, site.vendor) if key in table), None)


def _unknown_entries(
    key: str, table: Mapping[str, str], entries: set[str], sites: Sequence[SiteArgs]
) -> list[ConfigIssue]:
    usable = sorted({k for s in sites for k in (s.name, s.region, s.vendor)})
    return [
        ConfigIssue(
            f"{key}.{entry}",
            f"neither a vendor, a region nor a site of the estate; use one of {', '.join(usable)}"
            f"{did_you_mean(entry, usable)}",
            table[entry],
        )
        for entry in table
        if entry not in entries
    ]


def _value_issues(
    key: str,
    kind: AppValueKind,
    table: Mapping[str, str],
    sites: Sequence[SiteArgs],
    chosen: Mapping[str, str],
) -> list[ConfigIssue]:
    """Each entry's value as its vendor's driver judges it for the sites that take it."""
    groups: dict[tuple[str, str], list[SiteArgs]] = {}
    for site in sites:
        if site.name in chosen:
            groups.setdefault((chosen[site.name], site.vendor), []).append(site)
    issues = []
    for (entry, vendor), members in groups.items():
        app = service(get_driver(vendor), AppService, needed_for="a MultiCloudApp site")
        for problem in app.app_value_problems(AppValue(kind, table[entry], tuple(members))):
            issues.append(ConfigIssue(f"{key}.{entry}", problem, table[entry]))
    return issues


def _terms(site: SiteArgs) -> AppTerms:
    return service(get_driver(site.vendor), AppService, needed_for="a MultiCloudApp site").app_terms()


def _tls_issues(
    args: MultiCloudAppArgs,
    sites: list[SiteArgs],
    by_name: Mapping[str, SiteArgs],
    known_vendors: set[str],
    resolved: dict[str, str],
) -> list[ConfigIssue]:
    """Every site whose load balancer terminates TLS has a certificate; redirects have a target."""
    issues = []
    table = args.tls_certificates
    issues += _unknown_entries("tls_certificates", table, _entries(by_name.values(), known_vendors), sites)
    chosen: dict[str, str] = {}
    for site in sites:
        if _terms(site).tls is not TlsTermination.LOAD_BALANCER:
            continue
        entry = _entry(table, site)
        if entry is None:
            issues.append(
                ConfigIssue(
                    "tls_certificates",
                    f"no certificate for site {site.name!r} ({site.vendor}, {site.region}), whose load "
                    f"balancer terminates TLS; add tls_certificates.{site.vendor}, "
                    f"tls_certificates.{site.region} or tls_certificates.{site.name}",
                    dict(table),
                )
            )
        else:
            chosen[site.name] = entry
            resolved[site.name] = table[entry]
    issues += _value_issues("tls_certificates", AppValueKind.CERTIFICATE, table, sites, chosen)
    if args.https_port == args.port:
        issues.append(
            ConfigIssue(
                "https_port",
                f"must differ from port ({args.port}), which then only redirects",
                args.https_port,
            )
        )
    redirecting = (
        [s.name for s in sites if _terms(s).redirect_to_dns_name]
        if args.plain_http is PlainHttp.REDIRECT
        else []
    )
    if args.dns is None and redirecting:
        issues.append(
            ConfigIssue(
                "dns",
                f"site(s) {', '.join(redirecting)} redirect HTTP to https://<dns.record_name>; give the "
                "app a dns block (or drop tls_certificates)",
                has_value=False,
            )
        )
    return issues


def plan_dns(
    d: AppDnsArgs | None,
    health: HealthCheckSpec,
    sites: list[SiteArgs],
    estate: Sequence[SiteArgs],
    capacity: Mapping[str, int],
    issues: list[ConfigIssue],
    endpoint_kind: Callable[[SiteArgs, bool], EndpointKind],
) -> tuple[tuple[DnsProvider, ...], bool]:
    """Every DNS provider of the name (``dns`` first, then ``dns.also_served_by``), and whether
    the sites must be reachable at fixed addresses; problems go to ``issues`` under their keys.

    ``health`` is the service's own check (its path, port, timeout and healthy threshold; the DNS
    block sets the interval and failure threshold); ``endpoint_kind(site, fixed)`` says how DNS
    reaches a site. MultiCloudApp and a KubernetesFleet's workload both plan their DNS here."""
    if d is None:
        return (), False
    asked = [
        ("dns", d.vendor, d.zone, d.site),
        *((f"dns.also_served_by[{i}]", p.vendor, p.zone, p.site) for i, p in enumerate(d.also_served_by)),
    ]
    found: list[tuple[str, DnsService, DnsProvider]] = []
    for key, vendor, zone, site_name in asked:
        try:
            dns_service = service(get_driver(vendor), DnsService, needed_for="the app's DNS")
        except (UnknownDriverError, UnsupportedCapabilityError) as exc:
            issues.append(ConfigIssue(f"{key}.vendor", str(exc), vendor))
            continue
        if any(p.vendor == vendor for _, _, p in found):
            where = "dns.vendor" if found[0][2].vendor == vendor else "an earlier entry"
            issues.append(
                ConfigIssue(
                    f"{key}.vendor",
                    f"{vendor} already serves the name ({where}); each provider serves it once",
                    vendor,
                )
            )
            continue
        dns_site = _dns_site(key, vendor, site_name, sites, estate, issues)
        if dns_site is None:
            continue
        spec = DnsSpec(
            zone=zone,
            record_name=d.record_name,
            ttl_seconds=d.ttl_seconds,
            routing=d.routing,
            health=HealthCheckSpec(
                path=health.path,
                port=health.port,
                interval_seconds=d.check_interval_seconds,
                timeout_seconds=min(health.timeout_seconds, d.check_interval_seconds - 1),
                healthy_threshold=health.healthy_threshold,
                unhealthy_threshold=d.failure_threshold,
            ),
            source_regions=d.source_regions,
        )
        found.append((key, dns_service, DnsProvider(vendor, spec, dns_site)))
    if not found:
        return (), False
    first = found[0][1]
    for key, other, provider in found[1:]:
        if other.dns_terms().answers != first.dns_terms().answers:
            issues.append(
                ConfigIssue(
                    f"{key}.vendor",
                    f"{other.dns_terms().product} answers with {other.dns_terms().answers} and "
                    f"{first.dns_terms().product} with {first.dns_terms().answers}: providers of one name "
                    "must answer alike; pick providers that answer with addresses",
                    provider.vendor,
                )
            )
    # One set of weights for every provider: capacity, scaled under the smallest largest weight.
    bounds = [b for _, svc, _ in found if (b := svc.dns_terms().max_weight) is not None]
    weights = _weights(capacity, min(bounds) if bounds else None)
    found = [(key, svc, replace(p, spec=replace(p.spec, weights=weights))) for key, svc, p in found]
    # Probe regions are for the providers that take them; the others probe from their own places.
    if any(svc.dns_terms().probe_regions for _, svc, _ in found):
        found = [
            (
                key,
                svc,
                p if svc.dns_terms().probe_regions else replace(p, spec=replace(p.spec, source_regions=())),
            )
            for key, svc, p in found
        ]
    fixed = any(svc.dns_terms().address_targets_only for _, svc, _ in found)
    kinds = {s.name: endpoint_kind(s, fixed) for s in sites}
    for key, dns_service, provider in found:
        for problem in dns_service.dns_problems(provider.spec, kinds):
            issues.append(ConfigIssue(key, problem, has_value=False))
    return tuple(p for _, _, p in found), fixed


def _weights(capacity: Mapping[str, int], bound: int | None) -> dict[str, int]:
    """Each site's weight: its capacity, scaled into ``1..bound`` when the total exceeds it."""
    total = sum(capacity.values()) or 1
    if bound is None or total <= bound:
        return dict(capacity)
    return {site: max(1, round(count * bound / total)) for site, count in capacity.items()}


def _dns_site(
    key: str,
    vendor: str,
    site_name: str | None,
    sites: list[SiteArgs],
    estate: Sequence[SiteArgs],
    issues: list[ConfigIssue],
) -> SiteArgs | None:
    """The site whose provider manages ``vendor``'s zone (named, or the first of that vendor)."""
    if site_name is not None:
        site = next((s for s in estate if s.name == site_name), None)
        if site is None or site.vendor != vendor:
            issues.append(ConfigIssue(f"{key}.site", f"not a {vendor} site of the estate", site_name))
            return None
        return site
    candidates = [s for s in sites if s.vendor == vendor] + [s for s in estate if s.vendor == vendor]
    if not candidates:
        issues.append(
            ConfigIssue(
                f"{key}.vendor", f"the estate has no {vendor} site whose account can hold the zone", vendor
            )
        )
        return None
    return candidates[0]


def app_endpoint_kind(site: SiteArgs, fixed: bool) -> EndpointKind:
    """How DNS reaches the site: its load balancer's kind, or an IP where the site is given fixed
    addresses (its vendor declares how, :attr:`AppTerms.fixed_addresses`)."""
    app = service(get_driver(site.vendor), AppService, needed_for="a MultiCloudApp site")
    kind = app.app_endpoint_kind(site)
    if fixed and kind is EndpointKind.HOSTNAME and app.app_terms().fixed_addresses:
        return EndpointKind.IP
    return kind
