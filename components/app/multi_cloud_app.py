"""MultiCloudApp: one service on several sites of several vendors, sized to survive a failure.

The user says what to run (an image and an instance size per vendor, a port, a health-check
path), where (site names of the estate), how much capacity it needs (``min_healthy``) and which
failure it must survive (``survive``: zone, region or vendor). The component

1. plans, without Pulumi: the capacity per site and zone (:mod:`skyweave.planning.capacity`),
   the composite availability (:mod:`skyweave.planning.availability`), the DNS shape and its
   failover time — any problem is an :class:`~skyweave.core.errors.InvalidArgsError` naming the key,
   raised before anything is registered;
2. asks each site's driver (its :class:`~skyweave.drivers.services.AppService`) for its vendor's
   shape through the vendor-neutral :class:`~skyweave.drivers.workloads.AppSiteSpec`; what each
   vendor's sites take and how they serve HTTPS are the service's declared
   :class:`~skyweave.drivers.workloads.AppTerms`;
3. puts the DNS vendor's health-checked DNS (its ``DnsService``) in front of every site.

The policy pack reads the component's ``placements`` / ``minHealthy`` / ``survive`` properties
and re-checks them with :func:`skyweave.planning.failure.worst_loss`, the same function the
planner used — one model of failure, three readers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi

from ..core.errors import ConfigIssue, InvalidArgsError
from ..core.naming import MULTI_CLOUD_APP
from ..core.sites import SiteArgs, resource_tags
from ..drivers.component import Component, network_providers
from ..drivers.registry import get_driver
from ..drivers.scope import UNIT_RESOURCES, current_scope, export_for_units, in_scope, read_from_unit
from ..drivers.services import AppService, DnsService, service
from ..drivers.site import SiteContext
from ..drivers.workloads import AppEndpoint, AppSiteSpec, EndpointKind, TlsTermination
from ..network.hybrid_vpc import HybridVpc
from .plan import NAME_LIMIT, AppPlan, DnsProvider, MultiCloudAppArgs, app_endpoint_kind, plan_multi_cloud_app

__all__ = ["MultiCloudApp", "create_dns", "export_endpoint", "remote_endpoint"]


class MultiCloudApp(
    Component[MultiCloudAppArgs, AppPlan],
    token=MULTI_CLOUD_APP,
    name_limit=NAME_LIMIT,
    why="load balancer names are limited to 32 characters on some vendors",
):
    """One service on several sites, each sized by the capacity plan, behind health-checked DNS.

    Args:
        name: the component's name; every child's name starts with it.
        args: a :class:`MultiCloudAppArgs` (or a mapping validated into one).
        opts: resource options for the component.
        network: the estate's :class:`~skyweave.HybridVpc`; the app runs in its subnets and
            opens admin ports to its ranges only.
        providers: each site's provider. Omitted: the network's (``network.providers``), which is
            what sharing one provider per site needs; pass others only to deploy the app elsewhere.

    Attributes:
        plan: the plan (pure data): capacity, availability, DNS.
        endpoints: per site, what its driver built.
        placements / minHealthy / survive: outputs, the capacity plan the policy pack re-checks.
        addresses: output, per site, the public address of its load balancer.
        availability: output, the composite availability and the single failure that hurts most.
        failover_seconds: output, DNS failover estimate (interval * threshold + TTL), or None.
        name_servers: output, every DNS provider's name servers for the zone (sorted, no final
            dot): the NS set the registrar must list so the name outlives one DNS vendor.
    """

    def __init__(
        self,
        name: str,
        args: MultiCloudAppArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        *,
        network: HybridVpc,
        providers: Mapping[str, pulumi.ProviderResource | None] | None = None,
        plan: AppPlan | None = None,
    ) -> None:
        args = self.prepare(
            name,
            MultiCloudAppArgs,
            args,
            plan,
            lambda a: plan_multi_cloud_app(a, network.plan.args.sites, network.plan.estate_ranges()),
        )
        providers = network_providers(providers, network, (s.name for s in self.plan.sites))
        for provider in self.plan.dns_providers:
            if provider.site.name not in providers and in_scope([provider.site.name]):
                message = f"no provider given for the DNS site {provider.site.name!r}"
                raise InvalidArgsError([ConfigIssue("providers", message, list(providers))])
        planned = self.plan.as_dict()
        props = {k: planned[k] for k in ("placements", "minHealthy", "survive")}
        self.register(name, props, opts, providers)

        self.endpoints: dict[str, AppEndpoint] = {}
        scope = current_scope()
        dns_endpoints: list[AppEndpoint] = []
        for site in self.plan.sites:
            spec = self._site_spec(site, args)
            if scope is not None and not scope.builds_site(site.name):
                # another unit's site (drivers/scope.py); the global unit reads its address
                if scope.builds_global and self.plan.dns_providers:
                    dns_endpoints.append(self._remote_endpoint(site, spec, scope.site_units[site.name]))
                continue
            ctx = self.site_context(site, _tags(name, site, args))
            app = service(get_driver(site.vendor), AppService, needed_for="a MultiCloudApp site")
            endpoint = app.create_app_site(ctx, network.site_networks[site.name], spec)
            self.endpoints[site.name] = endpoint
            dns_endpoints.append(endpoint)
            if self.plan.dns_providers:
                export_endpoint(_endpoint_key(name, site.name), endpoint)
        # The DNS reads every site's address: the global unit's (docs/units.md)
        self.dns_resources: dict[str, pulumi.Resource] = {}
        self.name_servers: pulumi.Output[list[str]] = pulumi.Output.from_input([])
        if scope is None or scope.builds_global:
            self.dns_resources, self.name_servers = create_dns(
                self.plan.dns_providers,
                dns_endpoints,
                lambda site: self.site_context(site, _tags(name, site, args)),
            )
        self.placements = pulumi.Output.from_input(planned["placements"])
        self.min_healthy = pulumi.Output.from_input(planned["minHealthy"])
        self.survive = pulumi.Output.from_input(planned["survive"])
        self.addresses = pulumi.Output.all(
            **{site: endpoint.address for site, endpoint in self.endpoints.items()}
        )
        self.availability = pulumi.Output.from_input(planned["availability"])
        self.failover_seconds = pulumi.Output.from_input(planned["failoverSeconds"])
        self.sizing = pulumi.Output.from_input(planned["sizing"])
        self.register_outputs(
            {
                "placements": self.placements,
                "minHealthy": self.min_healthy,
                "survive": self.survive,
                "addresses": self.addresses,
                "availability": self.availability,
                "failoverSeconds": self.failover_seconds,
                "sizing": self.sizing,
                "dnsName": self.plan.dns.record_name if self.plan.dns else None,
                "dnsVendors": [p.vendor for p in self.plan.dns_providers],
                "nameServers": self.name_servers,
                # In a unit: what it exports of this app's resources (drivers/scope.py).
                **({UNIT_RESOURCES: scope.owned_by(name)} if scope is not None else {}),
            }
        )

    def _site_spec(self, site: SiteArgs, args: MultiCloudAppArgs) -> AppSiteSpec:
        """What the site's driver builds (vendor-neutral, from the plan)."""
        return AppSiteSpec(
            image=self.plan.images[site.name],
            size=self.plan.sizes[site.name],
            port=args.port,
            zone_counts=self.plan.capacity.site_zones(site.name),
            health=self.plan.health,
            estate_cidrs=self.plan.estate_cidrs,
            admin_ports=args.admin_ports,
            user_data=args.user_data,
            tls=self.plan.tls,
            tls_certificate=self.plan.certificates.get(site.name),
            https_port=args.https_port,
            redirect_host=self.plan.dns.record_name if self.plan.dns else None,
            fixed_addresses=self.plan.fixed_addresses,
            plain_http=args.plain_http,
        )

    def _remote_endpoint(self, site: SiteArgs, spec: AppSiteSpec, unit: str) -> AppEndpoint:
        """The site's entry point as the site's unit exported it (:func:`export_endpoint`), for
        DNS in the global unit. What DNS branches on is the plan's: how DNS reaches the site
        (:func:`~skyweave.app.plan.app_endpoint_kind`), its capacity and how its health is probed
        (the drivers' rule: HTTPS on ``https_port`` where the site serves HTTPS — a load balancer
        that terminates TLS has its certificate); tests/test_unit_components.py compares every
        input with the single stack's."""
        kind = app_endpoint_kind(site, self.plan.fixed_addresses)
        terms = service(get_driver(site.vendor), AppService, needed_for="a MultiCloudApp site").app_terms()
        terminates = terms.tls is TlsTermination.LOAD_BALANCER
        https = spec.tls and (spec.tls_certificate is not None or not terminates)
        return remote_endpoint(
            unit,
            _endpoint_key(self._component_name, site.name),
            site=site.name,
            vendor=site.vendor,
            kind=kind,
            weight=spec.total,
            health_protocol="HTTPS" if https else "HTTP",
            health_port=spec.https_port if https else None,
        )


def _endpoint_key(component: str, site: str) -> str:
    return f"{component}.endpoint.{site}"


def export_endpoint(key: str, endpoint: AppEndpoint) -> None:
    """In a site's unit, export what DNS in the global unit reads of the site's entry point
    (:func:`remote_endpoint`): its address, every address, and a hostname's zone."""
    export_for_units(f"{key}.address", endpoint.address)
    export_for_units(f"{key}.addresses", endpoint.all_addresses())
    if endpoint.kind is EndpointKind.HOSTNAME and endpoint.alias_zone_id is not None:
        export_for_units(f"{key}.alias_zone_id", endpoint.alias_zone_id)


def remote_endpoint(
    unit: str,
    key: str,
    *,
    site: str,
    vendor: str,
    kind: EndpointKind,
    weight: int,
    health_protocol: str = "HTTP",
    health_port: int | None = None,
) -> AppEndpoint:
    """A site's entry point exported by its unit (:func:`export_endpoint`) as DNS reads it."""
    return AppEndpoint(
        site=site,
        vendor=vendor,
        kind=kind,
        address=read_from_unit(unit, f"{key}.address"),
        addresses=read_from_unit(unit, f"{key}.addresses"),
        alias_zone_id=read_from_unit(unit, f"{key}.alias_zone_id") if kind is EndpointKind.HOSTNAME else None,
        weight=weight,
        health_protocol=health_protocol,
        health_port=health_port,
    )


def create_dns(
    providers: Sequence[DnsProvider],
    endpoints: list[AppEndpoint],
    context: Callable[[SiteArgs], SiteContext],
) -> tuple[dict[str, pulumi.Resource], pulumi.Output[list[str]]]:
    """Every DNS provider of a service's name in front of ``endpoints`` (its sites' entry points):
    the resources, by key, and every provider's name servers for the registrar's NS set.

    Every provider serves the same records and health checks (multi-provider authoritative DNS);
    the first's resources keep their keys, the others' are prefixed with their vendor. ``context``
    gives the site context a provider's resources are created in (the component's, on the site
    managing the zone). MultiCloudApp and a KubernetesFleet's workload both build their DNS here."""
    resources: dict[str, pulumi.Resource] = {}
    servers: list[pulumi.Output[list[str]]] = []
    for number, provider in enumerate(providers):
        ctx = context(provider.site)
        dns = service(get_driver(provider.vendor), DnsService, needed_for="the app's DNS")
        created = dns.create_dns(ctx, provider.spec, endpoints)
        prefix = f"{provider.vendor}:" if number else ""
        resources.update({prefix + key: res for key, res in created.items()})
        servers.append(dns.dns_name_servers(ctx, provider.spec))
    return resources, pulumi.Output.all(*servers).apply(_name_servers)


def _name_servers(sets: list[list[str]]) -> list[str]:
    """One sorted NS set: every provider's servers, lower case, without the final dot."""
    return sorted({str(server).rstrip(".").lower() for servers in sets for server in servers or ()})


def _tags(name: str, site: SiteArgs, args: MultiCloudAppArgs) -> dict[str, str]:
    return resource_tags(site, site.tags, args.tags, **{"skyweave-app": name})
