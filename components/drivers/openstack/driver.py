"""OpenStack private clouds: a Neutron network, subnet(s) and a router to the external network.

A Neutron network spans the cloud's availability zones, so like GCP a site has one ``main``
subnet; the router gives it SNAT egress through the operator's external (provider) network,
found by name at deploy time. IPv6 uses a block planned from ``ipam.ipv6_supernet`` (OpenStack
has no provider-assigned IPv6), announced with SLAAC.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pulumi
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from ...core.sites import CloudSiteArgs, SiteArgs
from ...core.validation import FieldValueError
from ...planning.ipam import SitePlan, SubnetSlot
from ...planning.placement import Domain
from ...planning.vpn import CipherSet, VpnEndpoint
from ..bare_metal import BareMetalNode, BareMetalRequest, BareMetalSourceArgs, SourceIssue, zone_issues
from ..base import Capability, CloudDriver, SiteContext, SiteNetwork, regional_subnets
from ..clusters import ModuleClusters
from ..sdk import lazy_sdk
from ..vpn import UserDataLimit
from ..workloads import (
    AppEndpoint,
    AppSiteSpec,
    AppTerms,
    AppValue,
    BucketHandle,
    BucketSpec,
    BucketTerms,
    EndpointKind,
)
from . import app as openstack_app
from . import appliance as openstack_appliance
from . import cluster as openstack_cluster
from . import preview
from . import storage as openstack_storage

if TYPE_CHECKING:
    import pulumi_openstack as openstack
else:
    openstack = lazy_sdk("pulumi_openstack")

__all__ = [
    "IronicSourceArgs",
    "OpenStackDriver",
    "OpenStackSiteArgs",
    "VpnApplianceArgs",
    "resource_class_spec",
]

_ZONE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$"


class VpnApplianceArgs(BaseModel):
    """The instances of an OpenStack site's VPN appliance pair (``vpn: appliance``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    image: str = Field(
        min_length=1,
        description="Glance image name of a Debian 12 (bookworm) cloud image with cloud-init; the "
        "instances install strongSwan, FRR and keepalived from its packages at first boot. Required.",
    )
    flavor: str = Field(
        min_length=1, description="Nova flavor name of the instances, e.g. m1.small. Required."
    )
    key_pair: str | None = Field(default=None, description="Nova key pair to inject. Omitted: none.")


class OpenStackSiteArgs(CloudSiteArgs):
    """An OpenStack cloud region. Credentials come from clouds.yaml or OS_* variables."""

    VENDOR = "openstack"

    vendor: Literal["openstack"] = "openstack"
    auth_url: AnyHttpUrl | None = Field(
        default=None,
        description="Keystone endpoint, e.g. https://keystone.example.net:5000/v3. Omitted: from "
        "the clouds.yaml entry named by `cloud`, or OS_AUTH_URL.",
    )
    cloud: str | None = Field(
        default=None,
        description="Entry in clouds.yaml to authenticate with. Omitted: OS_CLOUD / OS_* variables.",
    )
    external_network: str = Field(
        default="public",
        min_length=1,
        description="Name of the operator's external network the router uses for egress and "
        "floating IPs. Default: public (DevStack's and many distributions' name).",
    )
    dns_nameservers: tuple[ipaddress.IPv4Address, ...] = Field(
        default=(), description="DNS servers handed out by DHCP. Omitted: the cloud's default."
    )
    vpn: Literal["vpnaas", "appliance"] = Field(
        default="vpnaas",
        description="The site's VPN end: vpnaas (Neutron VPNaaS: policy-based, static routes, one "
        "active tunnel per link) or appliance (an HA pair of router instances skyweave builds, "
        "route-based with BGP: redundant links, and the only way to reach GCP HA VPN). Default vpnaas.",
    )
    vpn_appliance: VpnApplianceArgs | None = Field(
        default=None, description="The appliance instances' image and flavor. Required with vpn: appliance."
    )

    @field_validator("zones")
    @classmethod
    def _zone_names(cls, zones: tuple[str, ...]) -> tuple[str, ...]:
        for zone in zones:
            if not re.match(_ZONE_NAME, zone):
                raise ValueError(
                    f"zone {zone!r} is not a valid availability-zone name "
                    "(letters, digits, '_', '.', ':', '-'; at most 63 characters)"
                )
        return zones

    @model_validator(mode="after")
    def _appliance_settings(self) -> OpenStackSiteArgs:
        if self.vpn == "appliance" and self.vpn_appliance is None:
            raise FieldValueError(
                "vpn_appliance",
                "vpn: appliance needs the instances' image and flavor, e.g. "
                "{image: debian-12, flavor: m1.small}",
                None,
            )
        if self.vpn != "appliance" and self.vpn_appliance is not None:
            raise FieldValueError("vpn_appliance", "only applies with vpn: appliance; set vpn or remove it")
        return self

    def default_zones(self) -> tuple[str, ...]:
        return ("nova",)


def resource_class_spec(resource_class: str) -> str:
    """The flavor extra spec naming an Ironic resource class, as Nova's placement service reads it.

    Ironic's rule: upper-case, punctuation to ``_``, prefix ``CUSTOM_``
    (https://docs.openstack.org/ironic/latest/install/configure-nova-flavors.html).

    >>> resource_class_spec("baremetal-gold")
    'resources:CUSTOM_BAREMETAL_GOLD'
    """
    name = re.sub(r"[^A-Z0-9]", "_", resource_class.upper())
    return f"resources:{name if name.startswith('CUSTOM_') else 'CUSTOM_' + name}"


class IronicSourceArgs(BareMetalSourceArgs):
    """Whole machines from an OpenStack cloud's Ironic, booted through Nova on a bare-metal flavor."""

    VENDOR = "openstack"

    kind: Literal["ironic"] = "ironic"
    image: str = Field(min_length=1, description="Glance image name to deploy. Required.")
    flavor: str | None = Field(
        default=None,
        min_length=1,
        description="Name of an existing bare-metal flavor. Omitted: the pool creates one that "
        "requests `resource_class` (needs admin rights on the cloud).",
    )
    resource_class: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.-]{1,200}$",
        description="Ironic resource class of the nodes (e.g. baremetal-gold); the created flavor "
        "requests resources:CUSTOM_<CLASS>=1 and zero VCPU/MEMORY_MB/DISK_GB. Required when "
        "`flavor` is omitted; not allowed with it.",
    )
    flavor_vcpus: int = Field(
        default=1,
        ge=1,
        description="vCPUs shown on a created flavor "
        "(informational; Nova schedules by resource class). Default 1.",
    )
    flavor_ram_mb: int = Field(
        default=1024, ge=1, description="RAM (MiB) shown on a created flavor (informational). Default 1024."
    )
    flavor_disk_gb: int = Field(
        default=100,
        ge=1,
        description="Root partition size (GiB) of a created flavor, used for partition images. Default 100.",
    )
    zones: tuple[str, ...] = Field(
        default=(), description="Availability zones to spread over. Omitted: all the site's zones."
    )
    key_pair: str | None = Field(default=None, description="Nova key pair to inject. Omitted: none.")
    server_group_policy: Literal["soft-anti-affinity", "anti-affinity", "none"] = Field(
        default="soft-anti-affinity",
        description="Policy of the pool's server group on this site: soft-anti-affinity (default; "
        "spread when the scheduler can), anti-affinity (only for a single node: Nova compares "
        "nova-compute services, and one serves many Ironic nodes) or none (no group; the zones "
        "still spread the nodes).",
    )

    @model_validator(mode="after")
    def _one_flavor(self) -> IronicSourceArgs:
        if self.flavor is None and self.resource_class is None:
            raise FieldValueError(
                "resource_class",
                "give `resource_class` (the pool creates a bare-metal flavor for it) or `flavor` "
                "(an existing bare-metal flavor's name)",
                None,
            )
        if self.flavor is not None and self.resource_class is not None:
            raise FieldValueError(
                "resource_class",
                f"an existing flavor ({self.flavor!r}) already names its resource class; remove "
                "`resource_class` or `flavor`",
            )
        return self

    def check(self, site: SiteArgs) -> list[SourceIssue]:
        return zone_issues(self.zones, site)

    def check_placed(self, count: int) -> list[SourceIssue]:
        """Refuse hard anti-affinity over several Ironic nodes.

        Nova's ServerGroupAntiAffinityFilter compares the candidate's nova-compute *service* host
        with the group's hosts (nova/scheduler/filters/affinity_filter.py). Ironic nodes are
        served by a few nova-compute services, each managing many nodes, so the second node of a
        hard anti-affinity group usually finds no host (NoValidHost). skyweave cannot know a
        cloud's node-to-service mapping, so it allows the hard policy for one node only.
        """
        if self.server_group_policy != "anti-affinity" or count <= 1:
            return []
        return [
            SourceIssue(
                "server_group_policy",
                f"hard anti-affinity over {count} nodes: Nova compares nova-compute services, and "
                "one service usually serves many Ironic nodes, so the second node would find no "
                "valid host; use soft-anti-affinity (the default) or none (the zones still spread "
                "the nodes)",
                self.server_group_policy,
            )
        ]


class OpenStackDriver(ModuleClusters, CloudDriver):
    vendor = "openstack"
    cluster_module = openstack_cluster
    preview_answers = preview
    display_name = "OpenStack"
    site_model = OpenStackSiteArgs
    example = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "cloud": "dc1"}
    capabilities = frozenset({Capability.IPV6, Capability.STATIC_VPN})
    # Neutron VPNaaS: policy-based IPsec on the router's public address, static routes only.
    # https://docs.openstack.org/neutron/latest/admin/vpnaas-scenario.html
    vpn_endpoint = VpnEndpoint.POLICY
    vpn_product = "Neutron VPNaaS"
    # No SLA is published: the operator states the figure (apps' `availability` overrides).
    # No VPN limits are published either (``vpn_limits`` stays empty): Neutron's quotas are each
    # cloud's own (``openstack quota show``), and the appliance pair's one bound, Nova's user-data
    # size, is checked where the pair is rendered (network/appliance.py).

    bare_metal_sources = (IronicSourceArgs,)

    # --- the site's VPN end: VPNaaS, or the appliance pair (docs/connectivity.md) -------------

    def site_vpn_endpoint(self, site: SiteArgs) -> VpnEndpoint:
        return VpnEndpoint.APPLIANCE if _appliance(site) else VpnEndpoint.POLICY

    def site_vpn_product(self, site: SiteArgs) -> str:
        return "a skyweave VPN appliance pair" if _appliance(site) else self.vpn_product

    def site_capabilities(self, site: SiteArgs) -> frozenset[Capability]:
        """The appliance pair routes with BGP (FRR); VPNaaS only statically."""
        return self.capabilities | ({Capability.BGP_VPN} if _appliance(site) else set())

    def vpn_appliances(
        self, ctx: SiteContext, network: SiteNetwork, transit_cidrs: Sequence[str]
    ) -> openstack_appliance.AppliancePair:
        return openstack_appliance.vpn_appliances(ctx, network, transit_cidrs)

    @staticmethod
    def appliance_parts() -> Mapping[str, Sequence[str]]:
        return openstack_appliance.PARTS

    @staticmethod
    def appliance_remote(
        site: SiteArgs, network: SiteNetwork, parts: Any
    ) -> openstack_appliance.AppliancePair:
        return openstack_appliance.remote(site, parts)

    @staticmethod
    def appliance_records_links() -> bool:
        return False  # security-group rules and router routes: each link's unit registers its own

    @staticmethod
    def appliance_user_data_limit() -> UserDataLimit:
        # Nova: user data "must be base64 encoded and is restricted to 65535 bytes".
        return UserDataLimit(
            65535, "Nova", "https://docs.openstack.org/nova/latest/user/metadata.html#user-data"
        )

    @staticmethod
    def appliance_public_ip(pair: openstack_appliance.AppliancePair, index: int) -> pulumi.Output[str]:
        return pair.public_ip(index)

    @staticmethod
    def appliance_private_ip(pair: openstack_appliance.AppliancePair, index: int) -> pulumi.Output[str]:
        return pair.private_ip(index)

    @staticmethod
    def appliance_next_hop(pair: openstack_appliance.AppliancePair) -> pulumi.Output[str]:
        return pair.next_hop()

    def allow_appliance_peers(
        self,
        ctx: SiteContext,
        pair: openstack_appliance.AppliancePair,
        key: str,
        addresses: Sequence[pulumi.Input[str]],
    ) -> None:
        openstack_appliance.allow_peers(ctx, pair, key, addresses)

    def appliance_routes(
        self,
        ctx: SiteContext,
        pair: openstack_appliance.AppliancePair,
        network: SiteNetwork,
        key: str,
        cidrs: Sequence[str],
    ) -> None:
        openstack_appliance.routes(ctx, pair, network, key, cidrs)

    def appliance_instances(
        self,
        ctx: SiteContext,
        pair: openstack_appliance.AppliancePair,
        user_data: Sequence[pulumi.Output[str]],
    ) -> list[openstack.compute.Instance]:
        return openstack_appliance.instances(ctx, pair, user_data)

    def subnet_slots(self, site: SiteArgs, subnet_prefixlen: int) -> tuple[SubnetSlot, ...]:
        return regional_subnets(subnet_prefixlen)

    def bare_metal_domains(self, site: SiteArgs, source: BareMetalSourceArgs) -> tuple[Domain, ...]:
        assert isinstance(source, IronicSourceArgs)
        zones = source.zones or site.zones
        return tuple(Domain(source.site, site.name, self.vendor, site.region, z) for z in zones)

    def create_bare_metal(self, ctx: SiteContext, request: BareMetalRequest) -> list[BareMetalNode]:
        """A flavor (unless named), one server group (soft anti-affinity by default, see
        :meth:`IronicSourceArgs.check_placed`), and a Nova server per node in its zone."""
        source = request.source
        network = request.network
        assert isinstance(source, IronicSourceArgs) and network is not None
        flavor_id: pulumi.Input[str] | None = None
        if source.flavor is None:
            assert source.resource_class is not None
            flavor = openstack.compute.Flavor(
                ctx.name("flavor"),
                vcpus=source.flavor_vcpus,
                ram=source.flavor_ram_mb,
                disk=source.flavor_disk_gb,
                extra_specs={
                    resource_class_spec(source.resource_class): "1",
                    # Nova must not also ask placement for virtual resources an Ironic node
                    # does not report, or no node would ever match.
                    "resources:VCPU": "0",
                    "resources:MEMORY_MB": "0",
                    "resources:DISK_GB": "0",
                },
                opts=ctx.opts(),
            )
            flavor_id = flavor.id
        group = (
            None
            if source.server_group_policy == "none"
            else openstack.compute.ServerGroup(
                ctx.name("group"), policies=source.server_group_policy, opts=ctx.opts()
            )
        )
        depends = [r for k, r in network.resources.items() if k.startswith("subnet:")]
        hints = [openstack.compute.InstanceSchedulerHintArgs(group=group.id)] if group else None
        nodes: list[BareMetalNode] = []
        for placed in request.nodes:
            name = request.node_name(placed)
            zone = placed.domain.zone
            server = openstack.compute.Instance(
                ctx.name("server", str(placed.index)),
                name=name,
                flavor_id=flavor_id,
                flavor_name=source.flavor,
                image_name=source.image,
                availability_zone=zone,
                key_pair=source.key_pair,
                config_drive=True,
                networks=[openstack.compute.InstanceNetworkArgs(uuid=network.network_id)],
                scheduler_hints=hints,
                user_data=request.user_data(placed, ctx.site.name),
                metadata={"skyweave-pool": request.pool, "skyweave-role": request.role},
                tags=[f"{k}={v}" for k, v in sorted(ctx.tags.items())],
                opts=ctx.opts(depends_on=depends),
            )
            nodes.append(request.cloud_node(ctx, placed, server, server.access_ip_v4))
        return nodes

    def ipv6_prefixlen(self, site: SiteArgs) -> int | None:
        assert isinstance(site, OpenStackSiteArgs)
        return 56 if site.ipv6 else None

    def create_provider(
        self, site: SiteArgs, name: str, opts: pulumi.ResourceOptions | None = None
    ) -> pulumi.ProviderResource:
        assert isinstance(site, OpenStackSiteArgs)
        provider: pulumi.ProviderResource = openstack.Provider(
            name,
            auth_url=str(site.auth_url) if site.auth_url else None,
            cloud=site.cloud,
            region=site.region,
            opts=opts,
        )
        return provider

    def create_network(self, ctx: SiteContext, plan: SitePlan) -> SiteNetwork:
        site = ctx.site
        assert isinstance(site, OpenStackSiteArgs)
        tags = [f"{k}={v}" for k, v in sorted(ctx.tags.items())]
        network = openstack.networking.Network(
            ctx.name("network"),
            admin_state_up=True,
            availability_zone_hints=list(site.zones),
            tags=tags,
            opts=ctx.opts(),
        )
        external = openstack.networking.get_network_output(
            name=site.external_network,
            external=True,
            opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider),
        )
        router = openstack.networking.Router(
            ctx.name("router"),
            admin_state_up=True,
            external_network_id=external.id,
            tags=tags,
            opts=ctx.opts(),
        )
        subnet_ids: dict[str, pulumi.Output[str]] = {}
        resources: dict[str, pulumi.Resource] = {"network": network, "router": router}
        for key, cidr in plan.subnets.items():
            subnet = openstack.networking.Subnet(
                ctx.name("subnet", key),
                network_id=network.id,
                cidr=str(cidr),
                ip_version=4,
                dns_nameservers=[str(d) for d in site.dns_nameservers] or None,
                tags=tags,
                opts=ctx.opts(),
            )
            # Kept for later layers: Neutron refuses what needs the subnet routed (a VPNaaS site
            # connection, a floating IP on a port in it) until this port exists.
            resources[f"router-if:{key}"] = openstack.networking.RouterInterface(
                ctx.name("router-if", key), router_id=router.id, subnet_id=subnet.id, opts=ctx.opts()
            )
            subnet_ids[key] = subnet.id
            resources[f"subnet:{key}"] = subnet
            v6 = plan.ipv6_subnets.get(key)
            if v6 is not None:
                subnet6 = openstack.networking.Subnet(
                    ctx.name("subnet6", key),
                    network_id=network.id,
                    cidr=str(v6),
                    ip_version=6,
                    ipv6_address_mode="slaac",
                    ipv6_ra_mode="slaac",
                    tags=tags,
                    opts=ctx.opts(),
                )
                resources[f"router-if6:{key}"] = openstack.networking.RouterInterface(
                    ctx.name("router-if6", key), router_id=router.id, subnet_id=subnet6.id, opts=ctx.opts()
                )
                resources[f"subnet6:{key}"] = subnet6
        return SiteNetwork.from_plan(self.vendor, plan, network.id, subnet_ids, resources)

    # --- connectivity (docs/connectivity.md) -------------------------------------------------

    def vpn_service(self, ctx: SiteContext, network: SiteNetwork, ciphers: CipherSet) -> VpnaasEndpoint:
        """The site's Neutron VPNaaS service on its router, with an explicit IKE/IPsec policy.

        Neutron's defaults (IKEv1, AES-128, SHA-1, PFS group 5) are refused by AWS and GCP, so the
        policies spell out the estate's one cipher set. One service per site, shared by its links.
        """
        lifetime1 = openstack.vpnaas.IkePolicyLifetimeArgs(units="seconds", value=ciphers.phase1_lifetime)
        lifetime2 = openstack.vpnaas.IpSecPolicyLifetimeArgs(units="seconds", value=ciphers.phase2_lifetime)
        ike = openstack.vpnaas.IkePolicy(
            ctx.name("ike-policy"),
            ike_version=f"v{ciphers.ike_version}",
            encryption_algorithm=_OS_ENCRYPTION[ciphers.encryption],
            auth_algorithm=ciphers.integrity,
            pfs=f"group{ciphers.dh_group}",
            phase1_negotiation_mode="main",
            lifetimes=[lifetime1],
            opts=ctx.opts(),
        )
        ipsec = openstack.vpnaas.IpSecPolicy(
            ctx.name("ipsec-policy"),
            encryption_algorithm=_OS_ENCRYPTION[ciphers.encryption],
            auth_algorithm=ciphers.integrity,
            pfs=f"group{ciphers.dh_group}",
            transform_protocol="esp",
            encapsulation_mode="tunnel",
            lifetimes=[lifetime2],
            opts=ctx.opts(),
        )
        router = network.resources["router"]
        service = openstack.vpnaas.Service(
            ctx.name("vpn-service"),
            router_id=router.id,  # type: ignore[attr-defined]
            admin_state_up=True,
            opts=ctx.opts(),
        )
        # neutron-vpnaas refuses a site connection whose local subnets have no port on the
        # service's router (SubnetIsNotConnectedToRouter, vpn_validator.py): the group that names
        # those subnets — and so every connection using it — waits for their router interfaces.
        ports = [network.resources[f"router-if:{key}"] for key in network.subnet_ids]
        local = openstack.vpnaas.EndpointGroup(
            ctx.name("vpn-local"),
            type="subnet",
            endpoints=list(network.subnet_ids.values()),
            opts=ctx.opts(depends_on=ports),
        )
        return VpnaasEndpoint(service=service, ike=ike, ipsec=ipsec, local=local)

    @staticmethod
    def endpoint_address(endpoint: VpnaasEndpoint) -> pulumi.Output[str]:
        """The router's external IPv4 address, where the VPN service answers."""
        address: pulumi.Output[str] = endpoint.service.external_v4_ip
        return address

    def site_connection(
        self,
        ctx: SiteContext,
        key: str,
        endpoint: VpnaasEndpoint,
        peer_group: openstack.vpnaas.EndpointGroup,
        peer_address: pulumi.Input[str],
        psk: pulumi.Output[str],
    ) -> openstack.vpnaas.SiteConnection:
        """One IPsec site connection from this site's VPN service to a peer address."""
        return openstack.vpnaas.SiteConnection(
            ctx.name("vpn-conn", key),
            vpnservice_id=endpoint.service.id,
            ikepolicy_id=endpoint.ike.id,
            ipsecpolicy_id=endpoint.ipsec.id,
            local_ep_group_id=endpoint.local.id,
            peer_ep_group_id=peer_group.id,
            peer_address=peer_address,
            peer_id=peer_address,
            psk=psk,
            initiator="bi-directional",
            admin_state_up=True,
            opts=ctx.opts(additional_secret_outputs=["psk"]),
        )

    def peer_group(self, ctx: SiteContext, key: str, cidrs: Sequence[str]) -> openstack.vpnaas.EndpointGroup:
        """The ranges a peer routes: VPNaaS's static routes for one link."""
        return openstack.vpnaas.EndpointGroup(
            ctx.name("vpn-peer", key), type="cidr", endpoints=list(cidrs), opts=ctx.opts()
        )

    def app_terms(self) -> AppTerms:
        return openstack_app.APP_TERMS

    def app_endpoint_kind(self, site: SiteArgs) -> EndpointKind:
        return EndpointKind.IP  # a floating IP on the Octavia VIP

    def app_site_problems(self, site: SiteArgs) -> list[str]:
        return []

    def app_value_problems(self, value: AppValue) -> list[str]:
        return []  # images and flavors are the cloud's own ids and names

    def create_app_site(self, ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
        return openstack_app.create_app_site(ctx, network, spec)

    def bucket_terms(self) -> BucketTerms:
        return openstack_storage.BUCKET_TERMS

    def create_bucket(self, ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
        return openstack_storage.create_bucket(ctx, spec)


@dataclass(frozen=True)
class VpnaasEndpoint:
    """A site's VPNaaS pieces shared by all its links."""

    service: openstack.vpnaas.Service
    ike: openstack.vpnaas.IkePolicy
    ipsec: openstack.vpnaas.IpSecPolicy
    local: openstack.vpnaas.EndpointGroup


#: Neutral cipher words in Neutron's spelling.
_OS_ENCRYPTION = {"aes256": "aes-256", "aes128": "aes-128"}


def _appliance(site: SiteArgs) -> bool:
    return isinstance(site, OpenStackSiteArgs) and site.vpn == "appliance"
