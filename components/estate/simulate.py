"""``skyweave simulate``: fail every vendor, region and zone of a stack, one at a time, and report.

For each failure and each app: the capacity left (from the app's capacity plan, through the
shared :mod:`skyweave.planning.failure` model — the same numbers the policy pack checks), whether
DNS still has a healthy target, and whether the network stays connected. A failure is
*required* to be survived when it is the app's ``survive`` kind or a narrower one inside it
(a vendor holds regions, a region holds zones); the command exits non-zero if any required
failure leaves an app below ``min_healthy`` or without a healthy DNS target.

DNS providers: Route 53 and Cloud DNS both publish a 100% availability SLA for answering
queries, so the DNS service itself is assumed to outlive a failure of its vendor's compute; the
report still flags it (``dns.provider_failed``), and ``--strict-dns`` counts it as not survived.
This is the policy pack's ``skyweave-redundancy-dns-survives-vendor-loss`` at its default level:
advisory (reported, not failed); ``--strict-dns`` is that rule at mandatory.

The network: the links HybridVpc plans (docs/connectivity.md) form the site graph
(:class:`~skyweave.planning.topology.SiteGraph`, the same one ``skyweave graph`` prints); a failure
that leaves the surviving sites in more than one group *partitions* the estate, and a partition
during a required failure is not survived either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..app.plan import AppPlan, estate_ranges, plan_multi_cloud_app
from ..cli.exit_codes import EXIT_OK, EXIT_REQUIREMENT
from ..cli.project import Project
from ..network.hybrid_vpc import plan_hybrid_vpc
from ..planning.failure import FailureKind, Placement, domain_key
from ..planning.topology import SiteGraph
from .config import NAMESPACE, StackConfig, parse_stack_config

__all__ = [
    "EXIT_NOT_SURVIVED",
    "AppOutcome",
    "FailureOutcome",
    "SimulationReport",
    "render_json",
    "render_text",
    "run",
    "simulate",
]

#: Exit code when a required failure is not survived.
EXIT_NOT_SURVIVED = EXIT_REQUIREMENT

#: The failures simulated, widest first.
KINDS = (FailureKind.VENDOR, FailureKind.REGION, FailureKind.ZONE)
#: Nesting order used to decide which failures an app is required to survive.
_ORDER = (FailureKind.VENDOR, FailureKind.SITE, FailureKind.REGION, FailureKind.ZONE)


@dataclass(frozen=True)
class AppOutcome:
    """One app under one failure."""

    app: str
    remaining: int
    total: int
    min_healthy: int
    required: bool
    healthy_targets: tuple[str, ...]
    dns_record: str | None
    dns_provider_failed: bool
    survived: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "remaining": self.remaining,
            "total": self.total,
            "min_healthy": self.min_healthy,
            "required": self.required,
            "survived": self.survived,
            "dns": None
            if self.dns_record is None
            else {
                "record": self.dns_record,
                "healthy_targets": list(self.healthy_targets),
                "healthy": bool(self.healthy_targets),
                "provider_failed": self.dns_provider_failed,
            },
            "healthy_sites": list(self.healthy_targets),
        }


@dataclass(frozen=True)
class FailureOutcome:
    """One failure domain lost."""

    kind: FailureKind
    domain: str
    lost_sites: tuple[str, ...]
    network_connected: bool
    apps: tuple[AppOutcome, ...]

    @property
    def failed_required(self) -> list[AppOutcome]:
        return [a for a in self.apps if a.required and not a.survived]

    @property
    def required(self) -> bool:
        """Some app must survive this failure."""
        return any(a.required for a in self.apps)

    @property
    def survived(self) -> bool:
        return not self.failed_required and (self.network_connected or not self.required)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "domain": self.domain,
            "lost_sites": list(self.lost_sites),
            "network": "connected" if self.network_connected else "partitioned",
            "apps": [a.as_dict() for a in self.apps],
        }


@dataclass(frozen=True)
class SimulationReport:
    stack: str
    failures: tuple[FailureOutcome, ...]
    links: tuple[tuple[str, str], ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def survived(self) -> bool:
        return all(f.survived for f in self.failures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "survived": self.survived,
            "network_links": [list(link) for link in self.links],
            "notes": list(self.notes),
            "failures": [f.as_dict() for f in self.failures],
        }


def _required(survive: FailureKind, kind: FailureKind) -> bool:
    return _ORDER.index(kind) >= _ORDER.index(survive)


def simulate(
    config: StackConfig,
    *,
    stack: str = "",
    links: Iterable[tuple[str, str]] | None = None,
    strict_dns: bool = False,
) -> SimulationReport:
    """Fail every vendor, region and zone of ``config`` in turn; see the module docstring.

    Args:
        config: a validated stack configuration.
        stack: the stack's name, for the report.
        links: site-to-site links to judge connectivity by; ``None``: the links HybridVpc plans.
        strict_dns: count a failure of the DNS provider's vendor as losing DNS.
    """
    network = plan_hybrid_vpc(config.hybrid_vpc_args(), connectivity_path="network")
    link_list = (
        [(link.a.site, link.b.site) for link in network.connectivity.links] if links is None else list(links)
    )
    graph = SiteGraph({s.name: s.vendor for s in config.sites}, link_list)
    ranges = estate_ranges(network)
    plans: list[tuple[str, AppPlan]] = [
        (app.name, plan_multi_cloud_app(app.args(), config.sites, ranges)) for app in config.apps
    ]
    # Every domain of the estate, apps or not: a site's zones are its narrowest domain.
    estate_rows = [Placement(s.name, s.vendor, s.region, z, 0) for s in config.sites for z in s.zones]
    outcomes: list[FailureOutcome] = []
    for kind in KINDS:
        domains = list(dict.fromkeys(domain_key(p, kind) for p in estate_rows))
        for domain in domains:
            # A site is lost when every one of its zones is; otherwise it is degraded.
            lost_sites = tuple(
                s.name
                for s in config.sites
                if all(
                    domain_key(Placement(s.name, s.vendor, s.region, z, 0), kind) == domain for z in s.zones
                )
            )
            apps = tuple(_app_outcome(name, plan, kind, domain, strict_dns) for name, plan in plans)
            outcomes.append(
                FailureOutcome(
                    kind=kind,
                    domain=domain,
                    lost_sites=lost_sites,
                    network_connected=len(graph.groups(lost_sites)) <= 1,
                    apps=apps,
                )
            )
    notes = []
    if any(plan.dns is not None for _, plan in plans) and not strict_dns:
        notes.append(
            "DNS providers (Route 53, Cloud DNS) publish a 100% query SLA, so DNS is assumed to outlive "
            "its vendor's compute; use --strict-dns to count it as lost with the vendor (the policy "
            "rule skyweave-redundancy-dns-survives-vendor-loss judges the same way: advisory by "
            "default, --strict-dns is the rule at mandatory)"
        )
    return SimulationReport(stack, tuple(outcomes), tuple(link_list), tuple(notes))


def _app_outcome(name: str, plan: AppPlan, kind: FailureKind, domain: str, strict_dns: bool) -> AppOutcome:
    placements = plan.capacity.placements
    total = sum(p.count for p in placements)
    remaining_by_site: dict[str, int] = {}
    for p in placements:
        kept = 0 if domain_key(p, kind) == domain else p.count
        remaining_by_site[p.site] = remaining_by_site.get(p.site, 0) + kept
    remaining = sum(remaining_by_site.values())
    healthy = tuple(site for site, count in remaining_by_site.items() if count > 0)
    dns_record = plan.dns.record_name if plan.dns is not None else None
    provider_failed = False
    if plan.dns_site is not None:
        dns_row = Placement(plan.dns_site.name, plan.dns_site.vendor, plan.dns_site.region, "", 0)
        provider_failed = kind is FailureKind.VENDOR and domain_key(dns_row, kind) == domain
    dns_ok = dns_record is None or (bool(healthy) and not (strict_dns and provider_failed))
    survived = remaining >= plan.capacity.min_healthy and dns_ok
    return AppOutcome(
        app=name,
        remaining=remaining,
        total=total,
        min_healthy=plan.capacity.min_healthy,
        required=_required(plan.capacity.survive, kind),
        healthy_targets=healthy,
        dns_record=dns_record,
        dns_provider_failed=provider_failed,
        survived=survived,
    )


def render_json(report: SimulationReport) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=False)


def render_text(report: SimulationReport) -> str:
    header = ("failure", "app", "left/need", "dns targets", "network", "result")
    rows: list[Sequence[str]] = []
    for failure in report.failures:
        network = failure.as_dict()["network"]
        label = f"{failure.kind.value} {failure.domain}"
        if not failure.apps:
            rows.append((label, "-", "-", "-", network, "no apps"))
        for app in failure.apps:
            if app.survived:
                result = "survived" + (" (required)" if app.required else "")
            else:
                result = "NOT SURVIVED (required)" if app.required else "not survived (not required)"
            targets = ", ".join(app.healthy_targets) or "none"
            if app.dns_record is None:
                targets = f"(no dns) {targets}"
            elif app.dns_provider_failed:
                targets += " [dns vendor down]"
            rows.append((label, app.app, f"{app.remaining}/{app.min_healthy}", targets, network, result))
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"skyweave simulate: stack {report.stack}", ""]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    lines.append("")
    for note in report.notes:
        lines.append(f"note: {note}")
    failed = [
        f"{a.app} under {f.kind.value} {f.domain} ({a.remaining}/{a.min_healthy})"
        for f in report.failures
        for a in f.failed_required
    ]
    failed += [
        f"the network under {f.kind.value} {f.domain} (partitioned)"
        for f in report.failures
        if f.required and not f.network_connected
    ]
    if failed:
        lines.append(f"NOT SURVIVED: {len(failed)} required failure(s): " + "; ".join(failed))
    else:
        lines.append("every required failure is survived")
    return "\n".join(lines) + "\n"


def run(project: Project, stack: str, fmt: str, *, strict_dns: bool = False) -> int:
    """The CLI command: print the report; 0 when every required failure is survived, else 4."""
    stack_file = project.read_stack(stack)
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix) :]: v for k, v in stack_file.values.items() if k.startswith(prefix)}
    config = parse_stack_config(raw, source=stack_file.label)
    report = simulate(config, stack=stack, strict_dns=strict_dns)
    print(render_json(report) if fmt == "json" else render_text(report), end="" if fmt != "json" else "\n")
    return EXIT_OK if report.survived else EXIT_NOT_SURVIVED
