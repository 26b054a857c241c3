"""The units of an estate: which Pulumi stacks ``skyweave:deployment: units`` deploys it as.

Why these units (issue 31, measured on prod's preview: every resource's dependencies and property
dependencies): splitting by site alone is cyclic. An appliance site's VPN instances carry every
link's configuration in their user data (site → link) while each link needs the site's public
addresses (link → site); the apps' DNS records and health checks read every site's addresses
(one DNS site → all the app's sites); a database member's VM reads the cluster's passwords,
CA and certificates, which no site owns. So the estate is cut into layers whose dependencies all
point one way:

* ``<stack>.secrets`` — what components generate without a site (the databases' passwords, CA
  and member certificates; only when the estate has a database);
* ``<stack>.<site>`` — a site's network and compute: the network's part on it and every
  component's (app instances and load balancers, buckets, bare-metal nodes, database members,
  Kubernetes clusters); needs ``secrets`` where it hosts a database member;
* ``<stack>.link.<a>.<b>`` — what joins two sites (``a``, ``b`` in the link's own order, as its
  ``VpnLink`` is named): gateways' connections, tunnels, pre-shared keys; needs both sites, and
  a peering the last earlier peering on either site (GCP runs one peering operation per network
  at a time, so the program chains them);
* ``<stack>.edge.<site>`` — an appliance site's VPN instances (``VpnEndpoint.APPLIANCE``), built
  after every link of the site because their configuration holds all of them; needs the site,
  its links and the far ends' sites (whose gateway addresses the configuration names);
* ``<stack>.global`` — what reads several sites: each app's DNS (records and health checks on
  every DNS provider), each KubernetesFleet workload's DNS, each bucket's copies filled by a
  transfer service; needs those sites.

``tests/test_units_deps.py`` checks this against the resources' real dependencies (prod, dev and
an estate with appliance sites). Pure: reads the estate's plan, registers nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..core.errors import PlanningError
from ..drivers.scope import UnitScope
from ..network.links.builder import unit_problem
from ..planning.units import Unit, UnitGraph, UnitKind, unit_name_problems
from ..planning.vpn import LinkPlan, Routing, VpnEndpoint
from ..storage.multi_cloud_bucket import CopyFill
from .plan import EstatePlan

__all__ = [
    "RESERVED_SITE_NAMES",
    "edge_unit",
    "find_unit",
    "global_unit",
    "link_unit",
    "plan_units",
    "secrets_unit",
    "site_unit",
    "unit_scope",
]

#: Site names a site unit cannot take: the estate-wide units are named so.
RESERVED_SITE_NAMES = frozenset({"secrets", "global"})


def site_unit(stack: str, site: str) -> str:
    return f"{stack}.{site}"


def link_unit(stack: str, a: str, b: str) -> str:
    return f"{stack}.link.{a}.{b}"


def edge_unit(stack: str, site: str) -> str:
    return f"{stack}.edge.{site}"


def secrets_unit(stack: str) -> str:
    return f"{stack}.secrets"


def global_unit(stack: str) -> str:
    return f"{stack}.global"


def appliance_sites(links: Iterable[LinkPlan]) -> list[str]:
    """Sites whose VPN end is an appliance pair: its instances carry every link of the site."""
    found: dict[str, None] = {}
    for link in links:
        for end in (link.a, link.b):
            if end.endpoint is VpnEndpoint.APPLIANCE:
                found.setdefault(end.site)
    return list(found)


def find_unit(plan: EstatePlan, stack: str) -> tuple[str, Unit] | None:
    """The estate and unit a Pulumi stack named ``stack`` is (``prod.aws-use1`` → ``prod``, its
    ``aws-use1`` unit), or ``None`` when it is no unit of ``plan``. A units estate's own name holds
    no ``.`` (:func:`plan_units` refuses one), so the estate is what comes before the first."""
    estate, dot, _ = stack.partition(".")
    if not dot:
        return None
    try:
        graph = plan_units(plan, estate)
    except PlanningError:
        return None
    return (estate, graph[stack]) if stack in graph else None


def plan_units(plan: EstatePlan, stack: str) -> UnitGraph:
    """The units ``plan`` is deployed as under the estate stack ``stack`` (module docstring).

    Raises :class:`PlanningError` (paths relative to the ``skyweave:`` namespace) when a unit
    cannot be named — the stack's name or a site's makes a name that is not a Pulumi stack name
    and a Kubernetes object name, or a site takes a name an estate-wide unit has — with every
    problem found; :class:`~skyweave.planning.units.UnitCycleError` never happens for a plan
    (the layers point one way) but :meth:`UnitGraph.of` checks it all the same.
    """
    sites = plan.network.args.sites
    links = plan.network.connectivity.links
    units: list[Unit] = []
    # Where a name comes from, to blame the key a user can change.
    blame: dict[str, tuple[str, str]] = {}

    members: dict[str, list[str]] = {}
    for name, database in plan.databases.items():
        for site in database.sites:
            members.setdefault(site.name, []).append(name)
    if plan.databases:
        units.append(
            Unit(
                secrets_unit(stack),
                UnitKind.SECRETS,
                holds=tuple(f"database {name}: passwords, CA, certificates" for name in plan.databases),
            )
        )
        blame[secrets_unit(stack)] = ("deployment", "units")

    on_site: dict[str, list[str]] = {site.name: ["network"] for site in sites}
    for name, app in plan.apps.items():
        for site in app.sites:
            on_site[site.name].append(f"app {name}")
    for name, bucket in plan.buckets.items():
        for site in bucket.sites:
            on_site[site.name].append(f"bucket {name}")
    for name, pool in plan.pools.items():
        for source in pool.args.sources:
            on_site[source.site].append(f"pool {name}")
    for name, database in plan.databases.items():
        for site in database.sites:
            on_site[site.name].append(f"database {name}")
    for name, fleet in plan.fleets.items():
        for site in fleet.sites:
            on_site[site.name].append(f"kubernetes {name}")
    for i, site in enumerate(sites):
        prerequisites = (secrets_unit(stack),) if site.name in members else ()
        unit = Unit(site_unit(stack, site.name), UnitKind.SITE, tuple(on_site[site.name]), prerequisites)
        units.append(unit)
        blame[unit.name] = (f"sites[{i}].name", site.name)

    by_site: dict[str, list[LinkPlan]] = {}
    # A vendor may run one peering operation per network at a time (GCP): each peering waits for
    # the last one made on either network, in the links' order (network/links/peering.py), so
    # its unit needs that link's unit too.
    last_peering: dict[str, str] = {}
    for link in links:
        a, b = link.a.site, link.b.site
        by_site.setdefault(a, []).append(link)
        by_site.setdefault(b, []).append(link)
        after: tuple[str, ...] = ()
        if link.routing is Routing.PEERING:
            after = tuple(dict.fromkeys(last_peering[s] for s in (a, b) if s in last_peering))
            last_peering[a] = last_peering[b] = link_unit(stack, a, b)
        unit = Unit(
            link_unit(stack, a, b),
            UnitKind.LINK,
            (f"link {a}/{b} ({link.shape})",),
            (site_unit(stack, a), site_unit(stack, b), *after),
        )
        units.append(unit)
        blame[unit.name] = ("deployment", "units")

    for site_name in appliance_sites(links):
        site_links = by_site[site_name]
        far = {end.site for link in site_links for end in (link.a, link.b) if end.site != site_name}
        unit = Unit(
            edge_unit(stack, site_name),
            UnitKind.EDGE,
            (f"appliances {site_name}",),
            (
                site_unit(stack, site_name),
                *(link_unit(stack, link.a.site, link.b.site) for link in site_links),
                *(site_unit(stack, s) for s in sorted(far)),
            ),
        )
        units.append(unit)
        blame[unit.name] = ("deployment", "units")

    global_holds: list[str] = []
    global_needs: dict[str, None] = {}
    for name, app in plan.apps.items():
        if app.dns is None:
            continue
        global_holds.append(f"dns {name}")
        global_needs.update((site_unit(stack, s.name), None) for s in app.sites)
    for name, fleet in plan.fleets.items():
        if fleet.workload is None or not fleet.workload.dns_providers:
            continue
        global_holds.append(f"dns {name}/{fleet.workload.args.name}")
        global_needs.update((site_unit(stack, s.name), None) for s in fleet.sites)
    for name, bucket in plan.buckets.items():
        transfer = [copy.site.name for copy in bucket.copies if copy.filled_by is CopyFill.TRANSFER]
        if not transfer:
            continue
        global_holds.append(f"bucket {name}: copies filled by transfer")
        global_needs.update((site_unit(stack, s), None) for s in (bucket.primary.name, *transfer))
    if global_holds:
        units.append(Unit(global_unit(stack), UnitKind.GLOBAL, tuple(global_holds), tuple(global_needs)))
        blame[global_unit(stack)] = ("deployment", "units")

    _check_names(stack, units, blame, [site.name for site in sites])
    return UnitGraph.of(stack, units)


def _check_names(stack: str, units: list[Unit], blame: dict[str, tuple[str, str]], sites: list[str]) -> None:
    """Every unit's name a Pulumi stack name and a Kubernetes object name, no site named as an
    estate-wide unit: every problem at once, each at the key to change."""
    errors: list[PlanningError] = []
    stack_problems = unit_name_problems(f"{stack}.x")
    if "." in stack:
        stack_problems.append(
            "a units estate's stack name holds no '.' (its units are '<stack>.<unit>', so "
            f"'{stack}' could be a unit of '{stack.partition('.')[0]}')"
        )
    if stack_problems:
        errors.append(
            PlanningError(
                f"the stack {stack!r} cannot be deployed as units: its units are named "
                f"'{stack}.<unit>', and {'; '.join(stack_problems)}; rename the stack "
                "(pulumi stack rename) or keep skyweave:deployment: single",
                path="deployment",
                value="units",
            )
        )
    for i, site in enumerate(sites):
        if site in RESERVED_SITE_NAMES:
            errors.append(
                PlanningError(
                    f"under skyweave:deployment: units a site may not be named {site!r}: the unit "
                    f"'{stack}.{site}' is the estate's {site} unit; rename the site (names not "
                    f"allowed: {', '.join(sorted(RESERVED_SITE_NAMES))})",
                    path=f"sites[{i}].name",
                    value=site,
                )
            )
    if not stack_problems:
        for unit in units:
            problems = unit_name_problems(unit.name)
            if problems:
                path, value = blame[unit.name]
                errors.append(
                    PlanningError(
                        f"unit {unit.name!r} ({unit.kind}) cannot be deployed: {'; '.join(problems)}; "
                        "shorten the stack's or the sites' names",
                        path=path,
                        value=value,
                    )
                )
    error = PlanningError.together(errors)
    if error is not None:
        raise error


def unit_scope(plan: EstatePlan, estate: str, unit: Unit, *, organization: str | None = None) -> UnitScope:
    """What the program of ``unit`` (of the estate stack ``estate``) builds.

    Raises :class:`PlanningError` (at ``deployment``) naming everything of the estate a unit's
    program cannot build yet, all at once: never a partial build that looks whole.
    """
    view = _view(plan, estate)
    if view.missing:
        raise PlanningError(
            f"the stack {unit.name!r} is the {unit.kind} unit of the estate {estate!r}, and a "
            f"unit's program does not build these yet: {'; '.join(view.missing)} (it builds every "
            "component, and links whose ends' kinds declare their site's part: docs/units.md); "
            "deploy the estate as one stack (deployment: single) until it does",
            path="deployment",
            value="units",
        )
    return UnitScope(
        estate=estate,
        unit=unit.name,
        sites=view.sites.get(unit.name, frozenset()),
        links=view.links.get(unit.name, frozenset()),
        site_units=view.site_units,
        link_units=view.link_units,
        builds_global=unit.name == global_unit(estate),
        reads=view.global_reads if unit.name == global_unit(estate) else frozenset(),
        secrets_unit=secrets_unit(estate),
        builds_secrets=unit.name == secrets_unit(estate),
        organization=organization,
    )


@dataclass(frozen=True)
class _View:
    """What every unit's scope reads of the estate, worked out once per plan and estate: what a
    unit's program cannot build yet, each unit's own sites and links, each site's unit."""

    missing: list[str]
    sites: dict[str, frozenset[str]]
    links: dict[str, frozenset[tuple[str, str]]]
    site_units: dict[str, str]
    link_units: dict[tuple[str, str], str]
    #: the sites the global unit builds on without building their part (DNS zones, transfers)
    global_reads: frozenset[str]


#: (id of the plan, estate) → (the plan, kept alive so its id stays its own; its view)
_VIEWS: dict[tuple[int, str], tuple[EstatePlan, _View]] = {}


def _view(plan: EstatePlan, estate: str) -> _View:
    """The estate's :class:`_View` (one per plan: a unit's program asks once; ``skyweave preview
    --all`` works it out before the units' processes fork, so each of 20,000 units does not go
    through 10,000 sites and 20,000 links again)."""
    key = (id(plan), estate)
    cached = _VIEWS.get(key)
    if cached is not None and cached[0] is plan:
        return cached[1]
    missing: list[str] = []
    shapes: dict[str, list[str]] = {}
    why: dict[str, str] = {}
    for link in plan.network.connectivity.links:
        problem = unit_problem(link)
        if problem is not None:
            shapes.setdefault(str(link.shape), []).append(f"{link.a.site}/{link.b.site}")
            why.setdefault(str(link.shape), problem)
    missing += [f"links of shape {shape} ({', '.join(ids)}): {why[shape]}" for shape, ids in shapes.items()]
    # the global unit builds on each DNS provider's zone site, and a transfer on its bucket's
    # primary and copy sites (the primary's reader role, the copy vendor's job): nothing else
    reads_sites = [p.site.name for a in plan.apps.values() for p in a.dns_providers]
    reads_sites += [p.site.name for f in plan.fleets.values() if f.workload for p in f.workload.dns_providers]
    for bucket in plan.buckets.values():
        transfer = [c.site.name for c in bucket.copies if c.filled_by is CopyFill.TRANSFER]
        reads_sites += [bucket.primary.name, *transfer] if transfer else []
    sites = plan.network.args.sites
    links = plan.network.connectivity.links
    view = _View(
        missing=missing,
        sites={site_unit(estate, s.name): frozenset({s.name}) for s in sites},
        links={link_unit(estate, ln.a.site, ln.b.site): frozenset({(ln.a.site, ln.b.site)}) for ln in links},
        site_units={s.name: site_unit(estate, s.name) for s in sites},
        link_units={(ln.a.site, ln.b.site): link_unit(estate, ln.a.site, ln.b.site) for ln in links},
        global_reads=frozenset(reads_sites),
    )
    _VIEWS.clear()  # one estate at a time: a program plans one
    _VIEWS[key] = (plan, view)
    return view
