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

Network links are not planned yet (the VPN planner is separate work): connectivity is reported
as "not modelled" until links are passed in, never assumed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .app_plan import AppPlan, estate_ranges, plan_multi_cloud_app
from .config import NAMESPACE, StackConfig, parse_stack_config
from .hybrid_vpc import plan_hybrid_vpc
from .planning.connectivity import connected_after
from .planning.failure import FailureKind, Placement, domain_key
from .project import Project

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

EXIT_OK = 0
#: Exit code when a required failure is not survived (1-3 are taken by the CLI's own codes).
EXIT_NOT_SURVIVED = 4

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
    network_connected: bool | None
    apps: tuple[AppOutcome, ...]

    @property
    def failed_required(self) -> list[AppOutcome]:
        return [a for a in self.apps if a.required and not a.survived]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "domain": self.domain,
            "lost_sites": list(self.lost_sites),
            "network": "not modelled"
            if self.network_connected is None
            else ("connected" if self.network_connected else "partitioned"),
            "apps": [a.as_dict() for a in self.apps],
        }


@dataclass(frozen=True)
class SimulationReport:
    stack: str
    failures: tuple[FailureOutcome, ...]
    links_modelled: bool
    notes: tuple[str, ...] = field(default=())

    @property
    def survived(self) -> bool:
        return not any(f.failed_required for f in self.failures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "survived": self.survived,
            "network_links": "modelled" if self.links_modelled else "not modelled",
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
        links: site-to-site network links, or ``None`` when they are not modelled.
        strict_dns: count a failure of the DNS provider's vendor as losing DNS.
    """
    link_list = list(links) if links is not None else None
    network = plan_hybrid_vpc(config.hybrid_vpc_args())
    ranges = estate_ranges(network)
    plans: list[tuple[str, AppPlan]] = [
        (app.name, plan_multi_cloud_app(app.args(), config.sites, ranges)) for app in config.apps
    ]
    # Every domain of the estate, apps or not: a site's zones are its narrowest domain.
    estate_rows = [Placement(s.name, s.vendor, s.region, z, 0) for s in config.sites for z in s.zones]
    site_names = [s.name for s in config.sites]
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
                    network_connected=connected_after(site_names, link_list, lost_sites),
                    apps=apps,
                )
            )
    notes = []
    if link_list is None:
        notes.append(
            "network links between sites are not planned yet: connectivity is not modelled "
            "(it is not assumed to hold)"
        )
    if any(plan.dns is not None for _, plan in plans) and not strict_dns:
        notes.append(
            "DNS providers (Route 53, Cloud DNS) publish a 100% query SLA, so DNS is assumed to outlive "
            "its vendor's compute; use --strict-dns to count it as lost with the vendor"
        )
    return SimulationReport(stack, tuple(outcomes), link_list is not None, tuple(notes))


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
    failed = [(f, a) for f in report.failures for a in f.failed_required]
    if failed:
        lines.append(
            f"NOT SURVIVED: {len(failed)} required failure(s): "
            + "; ".join(
                f"{a.app} under {f.kind.value} {f.domain} ({a.remaining}/{a.min_healthy})" for f, a in failed
            )
        )
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
