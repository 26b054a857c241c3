"""Azure shapes for a service: a zone-spread VM scale set behind a Standard load balancer, and
Azure Traffic Manager in front of every site.

Per site (see :func:`create_app_site`), in the site network's resource group:

* a network security group on the instances' NICs: the service port from the internet (the
  Standard load balancer keeps the client's address; its health probes come from 168.63.129.16,
  which Azure's default ``AllowAzureLoadBalancerInBound`` rule admits), the service and admin
  ports from the estate's ranges only; nothing else inbound (Azure's default rules deny it);
* a Standard, zone-redundant public address and a Standard load balancer: a frontend on that
  address, a backend pool, a health probe and a TCP rule for the service port (outbound SNAT off:
  egress is the site's NAT gateway, ``nat_gateway: true``). With TLS the load balancer (layer 4)
  also forwards ``https_port`` to the instances, which terminate TLS and redirect the service port;
  the NSG opens ``https_port`` too, and the probe is HTTPS on ``https_port`` (an Http/Https probe
  needs a 200, and the service port then only redirects);
* a Uniform VM scale set over the site's zones with best-effort zone balance (``zoneBalance``
  false: Azure still spreads instances evenly, as the capacity plan does, but a scale-out during a
  zone's outage goes on in the other zones instead of failing — strict balance would refuse it;
  PSRule Azure.VMSS.ZoneBalance, Azure Proactive Resiliency Library), its size pinned to the plan, automatic
  repairs on the load balancer's probe, rolling upgrades that surge rather than drop below plan;
  Trusted Launch (secure boot, vTPM), encryption at host, Premium SSD OS disks (what the
  single-instance SLA needs), SSH keys only.

SLA for Virtual Machines: 99.99% for two or more instances across two or more zones
(https://www.microsoft.com/licensing/docs/view/Service-Level-Agreements-SLA-for-Online-Services).

Traffic Manager (see :func:`create_dns`): one profile (weighted, or priority for failover)
whose external endpoints are the sites' addresses, health-checked by Traffic Manager's probes
(every 10 or 30 s, 0-9 tolerated failures: https://learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring),
and a CNAME in an Azure DNS zone sending the record name to the profile. Traffic Manager's SLA is
99.99% (https://azure.microsoft.com/support/legal/sla/traffic-manager/).
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi

from ...core.errors import did_you_mean
from ...core.naming import child_name
from ..base import SiteContext, SiteNetwork
from ..sdk import lazy_sdk, sdk_enum_values
from ..workloads import (
    AppEndpoint,
    AppSiteSpec,
    AppTerms,
    AppValue,
    AppValueKind,
    DnsRouting,
    DnsSpec,
    DnsTerms,
    EndpointKind,
    TlsTermination,
    dns_probe,
)
from .site import AzureSiteArgs

if TYPE_CHECKING:
    import pulumi_azure_native as azure
else:
    azure = lazy_sdk("pulumi_azure_native")

__all__ = [
    "APP_TERMS",
    "DNS_TERMS",
    "TRAFFIC_MANAGER_INTERVALS",
    "app_value_problems",
    "create_app_site",
    "create_dns",
    "image_reference",
    "traffic_manager_problems",
]

#: Traffic Manager probes every 30 s (normal) or 10 s (fast), tolerates 0-9 failures, and waits
#: 5-10 s for an answer (5-9 s at the 10 s interval); weights are 1-1000.
TRAFFIC_MANAGER_INTERVALS = (10, 30)
#: The Standard load balancer works at layer 4 (it cannot terminate TLS): with TLS it forwards
#: ``https_port`` to the instances, which terminate TLS and redirect the service port themselves.
APP_TERMS = AppTerms(
    image="publisher:offer:sku:version or an image id", size="VM size", tls=TlsTermination.INSTANCES
)
DNS_TERMS = DnsTerms(
    product="Traffic Manager",
    zone="the Azure DNS zone holding the record, as <resource group>/<zone>",
    failover="priority in site order, two or more sites",
    intervals="10 or 30",
    answers="an alias (CNAME) to a Traffic Manager profile",
    max_weight=1000,
    name_servers="the Azure DNS zone's name servers",
)
TRAFFIC_MANAGER_MAX_TOLERATED = 9
TRAFFIC_MANAGER_MIN_TIMEOUT = 5
_URN = re.compile(r"^(?P<publisher>[^:\s]+):(?P<offer>[^:\s]+):(?P<sku>[^:\s]+):(?P<version>[^:\s]+)$")


_IMAGE_FORMS = (
    "neither publisher:offer:sku:version (e.g. Canonical:ubuntu-24_04-lts:server:latest) nor an image "
    "resource id (/subscriptions/…)"
)


def image_reference(image: str) -> Any:
    """``publisher:offer:sku:version`` (a Marketplace URN) or an image's resource id."""
    if image.startswith("/subscriptions/"):
        return azure.compute.ImageReferenceArgs(id=image)
    match = _URN.match(image)
    if match is None:  # refused while planning (app_value_problems); kept for direct callers
        raise ValueError(f"Azure image {image!r} is {_IMAGE_FORMS}")
    return azure.compute.ImageReferenceArgs(**match.groupdict())


def app_value_problems(value: AppValue) -> list[str]:
    """An image is a Marketplace URN or an image resource id; a size is spelt as the installed
    pulumi-azure-native's ``VirtualMachineSizeTypes`` spells sizes.

    Why not only that enum's values: the SDK marks it deprecated (frozen in 2023, so newer sizes
    such as Standard_D2s_v5 are missing; the sizes a region offers come from its API), so a size
    it lists is accepted, and another one must at least be written the way its sizes are
    (``Standard_…``/``Basic_…``, case as listed).
    """
    text = value.value
    if value.kind is AppValueKind.IMAGE:
        if text.startswith("/subscriptions/") or _URN.match(text):
            return []
        return [f"not an Azure image: {_IMAGE_FORMS}"]
    if value.kind is AppValueKind.SIZE:
        sizes = sdk_enum_values("pulumi_azure_native", "compute._enums", "VirtualMachineSizeTypes")
        prefixes = sorted({size.split("_", 1)[0] + "_" for size in sizes})
        spelt = {size.lower(): size for size in sizes}
        if text in sizes or (any(text.startswith(p) for p in prefixes) and text.lower() not in spelt):
            return []
        hint = (
            f"; did you mean {spelt[text.lower()]!r}?" if text.lower() in spelt else did_you_mean(text, sizes)
        )
        return [
            f"not an Azure VM size: sizes are {' or '.join(f'{p}…' for p in prefixes)}, spelt as "
            f"pulumi-azure-native lists them (e.g. Standard_D2s_v5){hint}"
        ]
    return []


def _families(cidrs: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    v4 = [c for c in cidrs if ipaddress.ip_network(c).version == 4]
    v6 = [c for c in cidrs if ipaddress.ip_network(c).version == 6]
    return [(tag, members) for tag, members in (("v4", v4), ("v6", v6)) if members]


def _inbound_tcp(name: str, priority: int, description: str, **ports_and_sources: Any) -> Any:
    """One inbound TCP allow rule to any address of the site (the fields every rule shares)."""
    return azure.network.SecurityRuleArgs(
        name=name,
        priority=priority,
        direction="Inbound",
        access="Allow",
        protocol="Tcp",
        source_port_range="*",
        destination_address_prefix="*",
        description=description,
        **ports_and_sources,
    )


def _nsg_rules(spec: AppSiteSpec) -> list[Any]:
    """Inbound rules: the service port (and, with TLS, ``https_port``) from the internet, the same
    and admin ports from the estate.

    An NSG rule holds one address family, so each estate rule comes once per family. The HTTPS
    rules are new rules after the existing ones (priorities 130+), so a site that turns TLS on
    keeps its rules as they were.
    """
    rules = []
    if spec.public_http:  # plain_http: closed keeps the service port from the internet
        rules.append(
            _inbound_tcp(
                "service-internet",
                100,
                f"service port {spec.port} from the internet (through the load balancer)",
                source_address_prefix="Internet",
                destination_port_range=str(spec.port),
            )
        )
    if spec.tls:
        rules.append(
            _inbound_tcp(
                "https-internet",
                130,
                f"HTTPS port {spec.https_port} from the internet (through the load balancer)",
                source_address_prefix="Internet",
                destination_port_range=str(spec.https_port),
            )
        )
    for offset, (family, cidrs) in enumerate(_families(spec.estate_cidrs)):
        rules.append(
            _inbound_tcp(
                f"service-estate-{family}",
                110 + offset,
                "service port from the estate",
                source_address_prefixes=cidrs,
                destination_port_range=str(spec.port),
            )
        )
        if spec.tls:
            rules.append(
                _inbound_tcp(
                    f"https-estate-{family}",
                    140 + offset,
                    "HTTPS port from the estate",
                    source_address_prefixes=cidrs,
                    destination_port_range=str(spec.https_port),
                )
            )
        if spec.admin_ports:
            rules.append(
                _inbound_tcp(
                    f"admin-estate-{family}",
                    120 + offset,
                    "admin ports from the estate only",
                    source_address_prefixes=cidrs,
                    destination_port_ranges=[str(p) for p in spec.admin_ports],
                )
            )
    return rules


def create_app_site(ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
    site = ctx.site
    assert isinstance(site, AzureSiteArgs)
    key = site.admin_ssh_public_key
    if key is None:  # the plan refuses this first (app_site_problems)
        raise ValueError(f"site {site.name!r} has no admin_ssh_public_key")
    subscription, admin, encrypt_at_host = site.subscription_id, site.admin_username, site.encryption_at_host
    rg = network.resources["resource_group"]
    rg_name: pulumi.Output[str] = rg.name  # type: ignore[attr-defined]
    location = site.region
    tags = dict(ctx.tags)
    nsg = azure.network.NetworkSecurityGroup(
        ctx.name("nsg"),
        resource_group_name=rg_name,
        location=location,
        security_rules=_nsg_rules(spec),
        tags=tags,
        opts=ctx.opts(),
    )
    address = azure.network.PublicIPAddress(
        ctx.name("ip"),
        resource_group_name=rg_name,
        location=location,
        sku=azure.network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
        public_ip_allocation_method="Static",
        public_ip_address_version="IPv4",
        zones=["1", "2", "3"],
        tags=tags,
        opts=ctx.opts(),
    )
    lb_name = ctx.name("lb")
    lb_id = pulumi.Output.concat(
        "/subscriptions/",
        subscription,
        "/resourceGroups/",
        rg_name,
        "/providers/Microsoft.Network/loadBalancers/",
        lb_name,
    )
    frontend_id = pulumi.Output.concat(lb_id, "/frontendIPConfigurations/public")
    pool_id = pulumi.Output.concat(lb_id, "/backendAddressPools/instances")
    probe_id = pulumi.Output.concat(lb_id, "/probes/health")
    health = spec.health
    lb = azure.network.LoadBalancer(
        lb_name,
        load_balancer_name=lb_name,
        resource_group_name=rg_name,
        location=location,
        sku=azure.network.LoadBalancerSkuArgs(name="Standard", tier="Regional"),
        frontend_ip_configurations=[
            azure.network.FrontendIPConfigurationArgs(
                name="public", public_ip_address=azure.network.PublicIPAddressArgs(id=address.id)
            )
        ],
        backend_address_pools=[azure.network.BackendAddressPoolArgs(name="instances")],
        probes=[
            # An Http/Https probe needs a 200 from the instance: with TLS the service port only
            # redirects, so the probe asks the HTTPS port (the VMSS's automatic repairs read it).
            azure.network.ProbeArgs(
                name="health",
                protocol="Https" if spec.tls else "Http",
                port=spec.https_port if spec.tls else health.port,
                request_path=health.path,
                interval_in_seconds=health.interval_seconds,
                probe_threshold=health.unhealthy_threshold,
            )
        ],
        load_balancing_rules=[
            azure.network.LoadBalancingRuleArgs(
                name=name,
                protocol="Tcp",
                frontend_port=port,
                backend_port=port,
                frontend_ip_configuration=azure.network.SubResourceArgs(id=frontend_id),
                backend_address_pool=azure.network.SubResourceArgs(id=pool_id),
                probe=azure.network.SubResourceArgs(id=probe_id),
                disable_outbound_snat=True,
                enable_tcp_reset=True,
                idle_timeout_in_minutes=4,
            )
            for name, port in (
                *((("service", spec.port),) if spec.public_http else ()),
                *((("https", spec.https_port),) if spec.tls else ()),
            )
        ],
        tags=tags,
        opts=ctx.opts(),
    )
    zones = [zone for zone, count in spec.zone_counts.items() if count > 0] or list(site.zones)
    custom_data = base64.b64encode(spec.user_data.encode()).decode() if spec.user_data else None
    vmss = azure.compute.VirtualMachineScaleSet(
        ctx.name("vmss"),
        resource_group_name=rg_name,
        location=location,
        sku=azure.compute.SkuArgs(name=spec.size, tier="Standard", capacity=spec.total),
        zones=zones,
        # Best effort, not strict: strict balance fails a scale-out while a zone is down, which
        # is when the other zones need the instances (module docstring).
        zone_balance=False,
        platform_fault_domain_count=1,
        orchestration_mode="Uniform",
        overprovision=False,
        single_placement_group=False,
        upgrade_policy=azure.compute.UpgradePolicyArgs(
            mode="Rolling",
            rolling_upgrade_policy=azure.compute.RollingUpgradePolicyArgs(
                max_batch_instance_percent=20,
                max_unhealthy_instance_percent=20,
                max_unhealthy_upgraded_instance_percent=20,
                pause_time_between_batches="PT0S",
                # New instances first: the group never drops below the planned size.
                max_surge=True,
            ),
        ),
        automatic_repairs_policy=azure.compute.AutomaticRepairsPolicyArgs(
            enabled=True, grace_period="PT10M", repair_action="Replace"
        ),
        virtual_machine_profile=azure.compute.VirtualMachineScaleSetVMProfileArgs(
            os_profile=azure.compute.VirtualMachineScaleSetOSProfileArgs(
                computer_name_prefix=ctx.name("vm")[:50],
                admin_username=admin,
                custom_data=custom_data,
                linux_configuration=azure.compute.LinuxConfigurationArgs(
                    disable_password_authentication=True,
                    ssh=azure.compute.SshConfigurationArgs(
                        public_keys=[
                            azure.compute.SshPublicKeyArgs(
                                path=f"/home/{admin}/.ssh/authorized_keys", key_data=key
                            )
                        ]
                    ),
                ),
            ),
            storage_profile=azure.compute.VirtualMachineScaleSetStorageProfileArgs(
                image_reference=image_reference(spec.image),
                os_disk=azure.compute.VirtualMachineScaleSetOSDiskArgs(
                    create_option="FromImage",
                    caching="ReadWrite",
                    managed_disk=azure.compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                        storage_account_type="Premium_LRS"
                    ),
                ),
            ),
            security_profile=azure.compute.SecurityProfileArgs(
                encryption_at_host=encrypt_at_host,
                security_type="TrustedLaunch",
                uefi_settings=azure.compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True),
            ),
            network_profile=azure.compute.VirtualMachineScaleSetNetworkProfileArgs(
                health_probe=azure.compute.ApiEntityReferenceArgs(id=probe_id),
                network_interface_configurations=[
                    azure.compute.VirtualMachineScaleSetNetworkConfigurationArgs(
                        name="nic",
                        primary=True,
                        network_security_group=azure.compute.SubResourceArgs(id=nsg.id),
                        ip_configurations=[
                            azure.compute.VirtualMachineScaleSetIPConfigurationArgs(
                                name="ipconfig",
                                primary=True,
                                subnet=azure.compute.ApiEntityReferenceArgs(id=network.subnet_ids["main"]),
                                load_balancer_backend_address_pools=[
                                    azure.compute.SubResourceArgs(id=pool_id)
                                ],
                            )
                        ],
                    )
                ],
            ),
        ),
        tags=tags,
        # The probe and the pool it names must exist before a rolling scale set refers to them.
        opts=ctx.opts(depends_on=[lb]),
    )
    return AppEndpoint(
        site=site.name,
        vendor="azure",
        kind=EndpointKind.IP,
        address=address.ip_address,
        weight=spec.total,
        resources={
            "security_group": nsg,
            "address": address,
            "load_balancer": lb,
            "group": vmss,
        },
        health_protocol="HTTPS" if spec.tls else "HTTP",
        health_port=spec.https_port if spec.tls else None,
    )


# --- Traffic Manager ---------------------------------------------------------------------------


def _zone(dns: DnsSpec) -> tuple[str, str] | None:
    """``<resource group>/<zone>`` → (resource group, zone), or ``None`` when malformed."""
    group, sep, zone = dns.zone.partition("/")
    if not sep or not re.fullmatch(r"[-\w.()]{1,90}", group) or not re.fullmatch(r"[a-z0-9.-]+", zone):
        return None
    return group, zone


def traffic_manager_problems(dns: DnsSpec, endpoints: Mapping[str, EndpointKind]) -> list[str]:
    problems = []
    zone = _zone(dns)
    if zone is None:
        problems.append(
            f"dns.zone for Traffic Manager is the Azure DNS zone holding the record as "
            f"<resource group>/<zone>, e.g. dns-rg/example.com; got {dns.zone!r}"
        )
    elif not dns.record_name.endswith("." + zone[1]):
        problems.append(
            f"dns.record_name {dns.record_name!r} must be a name inside the zone {zone[1]!r} (not its "
            "apex: Traffic Manager is reached through a CNAME)"
        )
    interval = dns.health.interval_seconds
    if interval not in TRAFFIC_MANAGER_INTERVALS:
        problems.append(
            f"Traffic Manager probes every 10 or 30 seconds; dns.check_interval_seconds is {interval}"
        )
    if not 1 <= dns.health.unhealthy_threshold <= TRAFFIC_MANAGER_MAX_TOLERATED + 1:
        problems.append(
            "Traffic Manager tolerates 0 to 9 failed probes (dns.failure_threshold 1 to 10); "
            f"dns.failure_threshold is {dns.health.unhealthy_threshold}"
        )
    timeout = dns.health.timeout_seconds
    longest = 10 if interval == 30 else 9
    if not TRAFFIC_MANAGER_MIN_TIMEOUT <= timeout <= longest:
        problems.append(
            f"Traffic Manager probes time out after {TRAFFIC_MANAGER_MIN_TIMEOUT} to {longest} s at a "
            f"{interval} s interval; the health check's timeout is {timeout} s "
            "(health_check_timeout_seconds)"
        )
    if dns.routing is DnsRouting.FAILOVER and len(endpoints) < 2:
        problems.append("failover (Traffic Manager priority routing) needs at least 2 sites")
    if dns.source_regions:
        problems.append(
            "dns.source_regions applies to Cloud DNS only; Traffic Manager probes from its own locations"
        )
    return problems


def name_servers(ctx: SiteContext, dns: DnsSpec) -> pulumi.Output[list[str]]:
    """The Azure DNS zone's name servers, for the registrar."""
    zone = _zone(dns)
    assert zone is not None  # traffic_manager_problems refused it first
    found = azure.dns.get_zone_output(
        resource_group_name=zone[0],
        zone_name=zone[1],
        opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider),
    )
    servers: pulumi.Output[list[str]] = found.name_servers
    return servers


def traffic_manager_name(record_name: str) -> str:
    """The profile's name in trafficmanager.net (global): the record's name, dots as dashes."""
    return record_name.replace(".", "-")[:63].strip("-")


def create_dns(ctx: SiteContext, dns: DnsSpec, endpoints: list[AppEndpoint]) -> dict[str, pulumi.Resource]:
    zone = _zone(dns)
    assert zone is not None  # traffic_manager_problems refused it first
    group, zone_name = zone
    relative = traffic_manager_name(dns.record_name)
    weighted = dns.routing is DnsRouting.WEIGHTED
    health = dns.health
    protocol, port = dns_probe(dns, endpoints)
    profile = azure.trafficmanager.Profile(
        child_name(ctx.component, "dns-tm"),
        resource_group_name=group,
        location="global",
        profile_status="Enabled",
        traffic_routing_method="Weighted" if weighted else "Priority",
        dns_config=azure.trafficmanager.DnsConfigArgs(relative_name=relative, ttl=dns.ttl_seconds),
        monitor_config=azure.trafficmanager.MonitorConfigArgs(
            protocol=protocol,
            port=port,
            path=health.path,
            interval_in_seconds=health.interval_seconds,
            timeout_in_seconds=health.timeout_seconds,
            tolerated_number_of_failures=health.unhealthy_threshold - 1,
            expected_status_code_ranges=[
                azure.trafficmanager.MonitorConfigExpectedStatusCodeRangesItemArgs(min=200, max=399)
            ],
        ),
        traffic_view_enrollment_status="Disabled",
        tags=dict(ctx.tags),
        opts=ctx.opts(),
    )
    resources: dict[str, pulumi.Resource] = {"profile": profile}
    for index, endpoint in enumerate(endpoints):
        # Weights are 1-1000: the plan scales capacity into that range (DnsTerms.max_weight).
        weight = max(1, dns.weight(endpoint))
        resources[f"endpoint:{endpoint.site}"] = azure.trafficmanager.Endpoint(
            child_name(ctx.component, "dns-endpoint", endpoint.site),
            resource_group_name=group,
            profile_name=profile.name,
            endpoint_type="ExternalEndpoints",
            type="Microsoft.Network/trafficManagerProfiles/externalEndpoints",
            target=endpoint.address,
            endpoint_status="Enabled",
            weight=weight if weighted else None,
            priority=None if weighted else index + 1,
            opts=ctx.opts(),
        )
    resources["record"] = azure.dns.RecordSet(
        child_name(ctx.component, "dns-record"),
        resource_group_name=group,
        zone_name=zone_name,
        relative_record_set_name=dns.record_name[: -len(zone_name) - 1],
        record_type="CNAME",
        ttl=dns.ttl_seconds,
        cname_record=azure.dns.CnameRecordArgs(cname=f"{relative}.trafficmanager.net"),
        opts=ctx.opts(),
    )
    return resources
