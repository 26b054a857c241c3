"""Google Cloud shapes for a service: instance template + regional MIG + network load balancer,
and Cloud DNS weighted routing with health checks.

Per site (see :func:`create_app_site`):

* firewall rules on the site's network, by target tag: the service port from anywhere (the
  passthrough load balancer keeps the client's address, and Google's health checkers probe from
  35.191.0.0/16 and 130.211.0.0/22, inside that), admin ports only from the estate's ranges;
* an instance template: no public IP, Shielded VM (secure boot, vTPM, integrity monitoring),
  OS Login on and project-wide SSH keys blocked (GCP's metadata hardening);
* a regional health check (HTTP on the service port; with TLS, HTTPS on ``https_port``, since the
  service port then only redirects and a check needs a 200), a regional managed instance group
  spread EVENly over the site's zones with the planned size and auto-healing on that check;
* a regional external passthrough network load balancer: a static address, a backend service
  with the health check, and a forwarding rule for the service port.

Cloud DNS (see :func:`create_dns`): one record set with a weighted round-robin routing policy
whose targets are the sites' IPs, health-checked by a global health check probing from three
regions. Cloud DNS can only health-check IP targets ("externalEndpoints: the Internet IP addresses
to be health checked", Cloud DNS API ``RRSetRoutingPolicyHealthCheckTargets``), so a site reached
by a hostname (an AWS ALB) is given fixed addresses by its driver (``AppTerms.fixed_addresses``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi

from ...core.naming import child_name
from ..base import SiteContext, SiteNetwork
from ..sdk import lazy_sdk
from ..workloads import (
    AppEndpoint,
    AppSiteSpec,
    AppTerms,
    DnsRouting,
    DnsSpec,
    DnsTerms,
    EndpointKind,
    TlsTermination,
    dns_probe,
)

if TYPE_CHECKING:
    import pulumi_gcp as gcp
else:
    gcp = lazy_sdk("pulumi_gcp")

__all__ = ["APP_TERMS", "DNS_TERMS", "cloud_dns_problems", "create_app_site", "create_dns"]

#: Health checks with source regions run at least 30 s apart and name exactly three regions
#: (pulumi-gcp ``compute.HealthCheck.source_regions``; Cloud DNS "health checks for external
#: endpoints").
CLOUD_DNS_MIN_INTERVAL = 30
CLOUD_DNS_SOURCE_REGIONS = 3
#: Where Cloud DNS health checks probe from when ``dns.source_regions`` is omitted: three
#: regions on three continents, so one region's trouble cannot mark every target down.
DEFAULT_SOURCE_REGIONS = ("us-east4", "europe-west1", "asia-southeast1")
#: The passthrough network load balancer cannot terminate TLS: the instances do, on https_port.
APP_TERMS = AppTerms(image="image self link or family", size="machine type", tls=TlsTermination.INSTANCES)
DNS_TERMS = DnsTerms(
    product="Cloud DNS",
    zone="a Cloud DNS managed zone name",
    failover="not built (weighted routing only)",
    intervals=f"{CLOUD_DNS_MIN_INTERVAL} or more",
    probe_regions=f"exactly {CLOUD_DNS_SOURCE_REGIONS} regions; omitted: {', '.join(DEFAULT_SOURCE_REGIONS)}",
    address_targets_only=True,
    name_servers="the managed zone's name servers",
)


def create_app_site(ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
    site = ctx.site
    project = getattr(site, "project", None)
    network_id = network.network_id
    assert network_id is not None
    tag = ctx.name("vm")
    labels = dict(ctx.tags)
    # The passthrough load balancer cannot terminate TLS: with tls the instances serve https_port.
    # plain_http: closed leaves the service port closed to the public.
    service_ports = [
        *([str(spec.port)] if spec.public_http else []),
        *([str(spec.https_port)] if spec.tls else []),
    ]
    service_fw = gcp.compute.Firewall(
        ctx.name("fw-service"),
        project=project,
        network=network_id,
        direction="INGRESS",
        allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=service_ports)],
        source_ranges=["0.0.0.0/0"],
        target_tags=[tag],
        description=f"{ctx.component}: service port {spec.port} from anywhere (load balancer passthrough)",
        opts=ctx.opts(),
    )
    resources: dict[str, pulumi.Resource] = {"firewall_service": service_fw}
    v4_estate = [c for c in spec.estate_cidrs if ":" not in c]
    if spec.admin_ports:
        resources["firewall_admin"] = gcp.compute.Firewall(
            ctx.name("fw-admin"),
            project=project,
            network=network_id,
            direction="INGRESS",
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=[str(p) for p in spec.admin_ports])],
            source_ranges=v4_estate,
            target_tags=[tag],
            description=f"{ctx.component}: admin ports from the estate only",
            opts=ctx.opts(),
        )
    template = gcp.compute.InstanceTemplate(
        ctx.name("template"),
        project=project,
        region=site.region,
        machine_type=spec.size,
        disks=[gcp.compute.InstanceTemplateDiskArgs(source_image=spec.image, boot=True, auto_delete=True)],
        network_interfaces=[
            gcp.compute.InstanceTemplateNetworkInterfaceArgs(subnetwork=network.subnet_ids["main"])
        ],
        tags=[tag],
        labels=labels,
        metadata={
            "enable-oslogin": "TRUE",
            "block-project-ssh-keys": "TRUE",
            **({"user-data": spec.user_data} if spec.user_data else {}),
        },
        shielded_instance_config=gcp.compute.InstanceTemplateShieldedInstanceConfigArgs(
            enable_secure_boot=True, enable_vtpm=True, enable_integrity_monitoring=True
        ),
        opts=ctx.opts(),
    )
    health = spec.health
    check = gcp.compute.RegionHealthCheck(
        ctx.name("hc"),
        project=project,
        region=site.region,
        check_interval_sec=health.interval_seconds,
        timeout_sec=health.timeout_seconds,
        healthy_threshold=health.healthy_threshold,
        unhealthy_threshold=health.unhealthy_threshold,
        # An HTTP(S) check needs a 200: with TLS the instances only redirect the service port, so
        # autohealing probes the HTTPS port they terminate TLS on.
        http_health_check=None
        if spec.tls
        else gcp.compute.RegionHealthCheckHttpHealthCheckArgs(port=health.port, request_path=health.path),
        https_health_check=gcp.compute.RegionHealthCheckHttpsHealthCheckArgs(
            port=spec.https_port, request_path=health.path
        )
        if spec.tls
        else None,
        opts=ctx.opts(),
    )
    zones = list(site.zones)
    mig = gcp.compute.RegionInstanceGroupManager(
        ctx.name("mig"),
        project=project,
        region=site.region,
        base_instance_name=tag,
        versions=[
            gcp.compute.RegionInstanceGroupManagerVersionArgs(
                name="primary", instance_template=template.self_link
            )
        ],
        target_size=spec.total,
        distribution_policy_zones=zones,
        distribution_policy_target_shape="EVEN",
        named_ports=[gcp.compute.RegionInstanceGroupManagerNamedPortArgs(name="service", port=spec.port)],
        auto_healing_policies=gcp.compute.RegionInstanceGroupManagerAutoHealingPoliciesArgs(
            health_check=check.id, initial_delay_sec=300
        ),
        update_policy=gcp.compute.RegionInstanceGroupManagerUpdatePolicyArgs(
            type="PROACTIVE",
            minimal_action="REPLACE",
            # A regional group surges by at least one instance per zone; never drop below plan.
            max_surge_fixed=len(zones),
            max_unavailable_fixed=0,
        ),
        opts=ctx.opts(),
    )
    address = gcp.compute.Address(
        ctx.name("ip"),
        project=project,
        region=site.region,
        address_type="EXTERNAL",
        network_tier="PREMIUM",
        labels=labels,
        opts=ctx.opts(),
    )
    backend = gcp.compute.RegionBackendService(
        ctx.name("backend"),
        project=project,
        region=site.region,
        load_balancing_scheme="EXTERNAL",
        protocol="TCP",
        health_checks=check.id,
        backends=[
            gcp.compute.RegionBackendServiceBackendArgs(group=mig.instance_group, balancing_mode="CONNECTION")
        ],
        opts=ctx.opts(),
    )
    rule = gcp.compute.ForwardingRule(
        ctx.name("fr"),
        project=project,
        region=site.region,
        load_balancing_scheme="EXTERNAL",
        ip_protocol="TCP",
        ports=service_ports,
        ip_address=address.address,
        backend_service=backend.id,
        labels=labels,
        opts=ctx.opts(),
    )
    resources.update(
        {
            "instance_template": template,
            "health_check": check,
            "group": mig,
            "address": address,
            "backend_service": backend,
            "forwarding_rule": rule,
        }
    )
    return AppEndpoint(
        site=site.name,
        vendor="gcp",
        kind=EndpointKind.IP,
        address=address.address,
        weight=spec.total,
        resources=resources,
        health_protocol="HTTPS" if spec.tls else "HTTP",
        health_port=spec.https_port if spec.tls else None,
    )


def name_servers(ctx: SiteContext, dns: DnsSpec) -> pulumi.Output[list[str]]:
    """The managed zone's name servers (its delegation), for the registrar."""
    zone = gcp.dns.get_managed_zone_output(
        name=dns.zone,
        project=getattr(ctx.site, "project", None),
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider),
    )
    servers: pulumi.Output[list[str]] = zone.name_servers
    return servers


def cloud_dns_problems(dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
    problems = []
    hostnames = sorted(site for site, kind in endpoints.items() if kind is EndpointKind.HOSTNAME)
    if hostnames:
        problems.append(
            f"Cloud DNS health-checks IP targets only, and site(s) {', '.join(hostnames)} are reached by "
            "a vendor-managed hostname whose vendor gives no fixed addresses; use another DNS vendor"
        )
    if dns.routing is not DnsRouting.WEIGHTED:
        problems.append("skyweave builds Cloud DNS weighted routing only; use routing: weighted")
    if dns.health.interval_seconds < CLOUD_DNS_MIN_INTERVAL:
        problems.append(
            f"Cloud DNS health checks run at least {CLOUD_DNS_MIN_INTERVAL} s apart; "
            f"dns.check_interval_seconds is {dns.health.interval_seconds}"
        )
    if dns.source_regions and len(dns.source_regions) != CLOUD_DNS_SOURCE_REGIONS:
        problems.append(
            f"Cloud DNS health checks probe from exactly {CLOUD_DNS_SOURCE_REGIONS} regions; "
            f"dns.source_regions has {len(dns.source_regions)}"
        )
    return problems


def create_dns(ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]) -> dict[str, pulumi.Resource]:
    project = getattr(ctx.site, "project", None)
    # One check for every target: HTTPS on https_port where the sites only redirect HTTP.
    protocol, port = dns_probe(dns, endpoints)
    https = protocol == "HTTPS"
    check = gcp.compute.HealthCheck(
        child_name(ctx.component, "dns-check"),
        project=project,
        check_interval_sec=dns.health.interval_seconds,
        timeout_sec=dns.health.timeout_seconds,
        healthy_threshold=dns.health.healthy_threshold,
        unhealthy_threshold=dns.health.unhealthy_threshold,
        source_regions=list(dns.source_regions or DEFAULT_SOURCE_REGIONS),
        http_health_check=None
        if https
        else gcp.compute.HealthCheckHttpHealthCheckArgs(port=port, request_path=dns.health.path),
        https_health_check=gcp.compute.HealthCheckHttpsHealthCheckArgs(
            port=port, request_path=dns.health.path
        )
        if https
        else None,
        opts=ctx.opts(),
    )
    record = gcp.dns.RecordSet(
        child_name(ctx.component, "dns-record"),
        project=project,
        managed_zone=dns.zone,
        name=f"{dns.record_name}.",
        type="A",
        ttl=dns.ttl_seconds,
        routing_policy=gcp.dns.RecordSetRoutingPolicyArgs(
            health_check=check.id,
            wrrs=[
                gcp.dns.RecordSetRoutingPolicyWrrArgs(
                    weight=float(dns.weight(endpoint)),
                    rrdatas=endpoint.all_addresses(),
                    health_checked_targets=gcp.dns.RecordSetRoutingPolicyWrrHealthCheckedTargetsArgs(
                        external_endpoints=endpoint.all_addresses()
                    ),
                )
                for endpoint in endpoints
            ],
        ),
        opts=ctx.opts(),
    )
    return {"check": check, "record": record}
