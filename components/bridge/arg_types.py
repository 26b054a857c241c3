"""The components' arguments as TypedDicts, for the Pulumi package schema. GENERATED: do not edit.

Rendered from the pydantic models by ``python -m skyweave.bridge.codegen``;
``tests/test_provider.py`` fails when this file differs from the rendering.
"""

# ruff: noqa: E501 (each description is one docstring line, as the schema analyser reads it)

from enum import StrEnum
from typing import NotRequired, TypedDict

import pulumi

__all__ = [
    "AppDns",
    "BareMetalPoolInputs",
    "Bootstrap",
    "BucketCopy",
    "ByonServer",
    "Connectivity",
    "CopyFill",
    "DatabaseMember",
    "DnsProvider",
    "DnsRouting",
    "FailureKind",
    "FleetCluster",
    "FleetRanges",
    "FleetWorkload",
    "Ipam",
    "KubernetesFleetInputs",
    "MemberRole",
    "MultiCloudAppInputs",
    "MultiCloudBucketInputs",
    "MultiCloudDatabaseInputs",
    "NatStrategy",
    "Network",
    "PlainHttp",
    "PoolSource",
    "PortGroup",
    "Rpo",
    "Site",
    "Topology",
    "TunnelBlockScope",
    "VpnAppliance",
    "VsphereAppliance",
]


class CopyFill(StrEnum):
    """Who fills a copy."""

    TRANSFER = "transfer"
    """The copy vendor's transfer service, from the primary, every ``copy_interval_seconds``."""
    APPLICATION = "application"
    """The application (or an operator's sync job) writes it; skyweave copies nothing into it."""


class DnsRouting(StrEnum):
    """How DNS spreads clients over the sites."""

    WEIGHTED = "weighted"
    """Every healthy site answers, in proportion to its planned capacity (the default)."""
    FAILOVER = "failover"
    """The first site answers while healthy, the second only when it is not (exactly two sites)."""


class FailureKind(StrEnum):
    """A kind of failure a service may be required to survive, from the widest to the narrowest."""

    VENDOR = "vendor"
    SITE = "site"
    REGION = "region"
    ZONE = "zone"


class MemberRole(StrEnum):
    """What a member runs.

    ``postgres``: PostgreSQL under Patroni (holds the data; may lead). ``etcd``: an etcd member
    (a vote in the consensus). ``witness``: an etcd member placed only to break ties — a small VM
    or an on-prem host on a vendor that holds no data; it counts in the quorum exactly like
    ``etcd`` and differs only in what the component will size for it.
    """

    POSTGRES = "postgres"
    ETCD = "etcd"
    WITNESS = "witness"


class NatStrategy(StrEnum):
    """How private subnets reach the internet (IPv4)."""

    NONE = "none"
    """No NAT gateway: private subnets reach only the estate (cheapest; the default)."""
    SINGLE = "single"
    """One NAT gateway in the first zone: cheap, but that zone is a single point of egress."""
    ONE_PER_ZONE = "one_per_zone"
    """A NAT gateway per zone: losing a zone keeps the others' egress."""


class PlainHttp(StrEnum):
    """What the service port does for the public when the app serves HTTPS (``tls_certificates``)."""

    REDIRECT = "redirect"
    """It only redirects to ``https://…:https_port`` (the default)."""
    CLOSED = "closed"
    """It is not served to the public at all: only ``https_port`` is open (the service port stays
    the backend port behind a load balancer that terminates TLS)."""


class Rpo(StrEnum):
    """How much committed data a failover may lose."""

    ZERO = "zero"
    ASYNC = "async"


class Topology(StrEnum):
    """How :class:`~skyweave.HybridVpc` joins its sites."""

    NONE = "none"
    """No links: every site stands alone."""
    FULL_MESH = "full-mesh"
    """Every pair of sites is joined (pairs listed in ``exclude`` are left out)."""
    HUB_SPOKE = "hub-spoke"
    """Every other site is joined to every hub; hubs are joined to each other."""
    EXPLICIT = "explicit"
    """Exactly the pairs in ``links``."""


class TunnelBlockScope(StrEnum):
    """Which links' tunnel blocks must differ (``network.tunnel_block_scope``)."""

    ESTATE = "estate"
    """Every link of the estate has its own /27 (at most ~2,041 links with inside addresses)."""
    SITE = "site"
    """A link's /27 differs from those of the links sharing one of its two sites; links with no
    site in common may reuse a block (at most ~2,041 links with inside addresses per site)."""


class VpnAppliance(TypedDict):
    """The instances of an OpenStack site's VPN appliance pair (``vpn: appliance``)."""

    image: str
    """Glance image name of a Debian 12 (bookworm) cloud image with cloud-init; the instances install strongSwan, FRR and keepalived from its packages at first boot. Required."""
    flavor: str
    """Nova flavor name of the instances, e.g. m1.small. Required."""
    key_pair: NotRequired[str]
    """Nova key pair to inject. Omitted: none."""


class PortGroup(TypedDict):
    """One distributed port group: a VLAN on the site's distributed switch, one IPAM subnet."""

    name: str
    """The port group's key in the site (its subnet's key; `main` is where apps and the VPN appliance pair sit). Required."""
    vlan_id: int
    """The 802.1Q VLAN id the port group tags. Required."""
    slot: NotRequired[int]
    """The subnet's slot in the site's block (its index among blocks of ipam.subnet_prefix): fixed per port group so adding one never renumbers another. Default 0."""


class VsphereAppliance(TypedDict):
    """The site's VPN appliance pair: two VMs cloned from a template on the ``main`` port group."""

    template: NotRequired[str]
    """Name of the VM template to clone (a Debian 12 cloud image with cloud-init's VMware datasource); cloning needs vCenter. Required."""
    public_ips: list[str]
    """The two public IPv4 addresses your edge forwards (1:1 NAT) to the appliances: their IKE identities, what peers connect to. Required."""
    hosts: NotRequired[list[int]]
    """Host numbers of the two appliances in the main port group's subnet. Default [4, 5]."""
    next_hop_host: int
    """Host number, in the main port group's subnet, of the address keepalived keeps on a live appliance: your router's static routes to the other sites point to it. Required."""
    cpus: NotRequired[int]
    """vCPUs of each appliance. Default 2."""
    memory_mb: NotRequired[int]
    """Memory (MiB) of each appliance. Default 2048."""


class Site(TypedDict):
    """A site of the estate; `vendor` selects which of the other fields apply."""

    name: str
    """Unique name of the site, used in every child resource name: lowercase letters, digits and '-', starting with a letter, at most 24 characters. Renaming a site replaces its resources."""
    vendor: str
    """One of: aws, azure, gcp, onprem, openstack, vsphere. Required."""
    region: str
    """The vendor's region (AWS/GCP region name; for OpenStack the Keystone region; for on-prem a free-form location name)."""
    zones: NotRequired[list[str]]
    """Failure zones to spread over. Omitted: the vendor driver's default (two zones where the vendor has zones)."""
    tags: NotRequired[dict[str, str]]
    """Labels applied to every resource of the site, after the estate-wide tags. Keys and values use the strictest vendor's rule (GCP labels): lowercase, digits, '_' and '-'."""
    asn: NotRequired[int]
    """The site's private BGP ASN (64512–65534 or 4200000000–4294967294), unique in the estate. Omitted: derived from the site name; `skyweave ipam lock` records it."""
    cidr: NotRequired[str]
    """[aws, azure, gcp, openstack, vsphere] The site's IPv4 block, pinned. Omitted: IPAM places it first-fit in the supernet; run `skyweave ipam lock` to record it so no later edit can renumber it."""
    ipv6: NotRequired[bool]
    """[aws, azure, gcp, openstack, vsphere] Dual-stack: give the network and every subnet an IPv6 range too (vendor-assigned on AWS and GCP, planned from ipam.ipv6_supernet on OpenStack)."""
    ipv6_cidr: NotRequired[str]
    """[aws, azure, gcp, openstack, vsphere] The site's IPv6 block, pinned, for vendors where skyweave plans IPv6 (OpenStack). Omitted: IPAM places it; `skyweave ipam lock` records it."""
    profile: NotRequired[str]
    """[aws] AWS shared-config profile. Omitted: the environment's default."""
    assume_role_arn: NotRequired[str]
    """[aws] Role the provider assumes for this site (cross-account estates). Omitted: none."""
    allowed_account_ids: NotRequired[list[str]]
    """[aws] Accounts this site may deploy into; a safety net against the wrong credentials. Omitted: any."""
    nat: NotRequired[NatStrategy]
    """[aws] Egress for private subnets: none (default), single, or one_per_zone."""
    skip_region_check: NotRequired[bool]
    """[aws] Accept a region the installed pulumi-aws does not list yet (new regions). [azure] Accept a region missing from skyweave's table of Azure regions with availability zones. [gcp] Accept a region (and zones) missing from skyweave's table of GCP regions."""
    subscription_id: NotRequired[str]
    """[azure] The Azure subscription id (required: there is no sensible default)."""
    tenant_id: NotRequired[str]
    """[azure] The Microsoft Entra tenant. Omitted: the environment's."""
    nat_gateway: NotRequired[bool]
    """[azure] A NAT gateway for the main subnet's egress (zonal: in the site's first zone). Default false: instances reach only the estate."""
    vpn_gateway_sku: NotRequired[str]
    """[azure] SKU of the site's VPN gateway: a zone-redundant AZ SKU, VpnGw1AZ (default) to VpnGw5AZ."""
    admin_username: NotRequired[str]
    """[azure] Linux admin user of the site's scale sets. Default skyweave."""
    admin_ssh_public_key: NotRequired[str]
    """[azure] SSH public key of that user (password login stays off). Required for a MultiCloudApp on the site."""
    encryption_at_host: NotRequired[bool]
    """[azure] Encrypt the scale sets' temp disks and disk caches at the host too (managed disks are always encrypted at rest). Needs the subscription's EncryptionAtHost feature registered. Default true."""
    storage_redundancy: NotRequired[str]
    """[azure] Replication of Blob storage accounts on the site: ZRS (three zones, default) or GZRS (three zones plus the paired region)."""
    project: NotRequired[str]
    """[gcp] The GCP project id (required: there is no sensible default)."""
    cidrs: NotRequired[list[str]]
    """[onprem] Ranges the site already routes (required: at least one). No cloud block may overlap them."""
    vpn_peer_ip: NotRequired[str]
    """[onprem] Public IPv4 address of the site's VPN device. Omitted: the site cannot be joined by site-to-site VPN."""
    vpn_secondary_peer_ip: NotRequired[str]
    """[onprem] Public IPv4 address of a second VPN device, for device redundancy: every cloud link then gets tunnels to both devices. Requires vpn_peer_ip."""
    bgp: NotRequired[bool]
    """[onprem] The VPN devices speak BGP. Required for links to GCP (HA VPN routes only with BGP); AWS links use BGP instead of static routes when set."""
    auth_url: NotRequired[str]
    """[openstack] Keystone endpoint, e.g. https://keystone.example.net:5000/v3. Omitted: from the clouds.yaml entry named by `cloud`, or OS_AUTH_URL."""
    cloud: NotRequired[str]
    """[openstack] Entry in clouds.yaml to authenticate with. Omitted: OS_CLOUD / OS_* variables."""
    external_network: NotRequired[str]
    """[openstack] Name of the operator's external network the router uses for egress and floating IPs. Default: public (DevStack's and many distributions' name)."""
    dns_nameservers: NotRequired[list[str]]
    """[openstack] DNS servers handed out by DHCP. Omitted: the cloud's default."""
    vpn: NotRequired[str]
    """[openstack] The site's VPN end: vpnaas (Neutron VPNaaS: policy-based, static routes, one active tunnel per link) or appliance (an HA pair of router instances skyweave builds, route-based with BGP: redundant links, and the only way to reach GCP HA VPN). Default vpnaas."""
    vpn_appliance: NotRequired[VpnAppliance]
    """[openstack] The appliance instances' image and flavor. Required with vpn: appliance."""
    vcenter: NotRequired[str]
    """[vsphere] Host name or address of the vCenter Server (not an ESXi host: cloning needs vCenter). Required."""
    datacenter: NotRequired[str]
    """[vsphere] The vSphere datacenter the site is, by name. Required."""
    distributed_switch: NotRequired[str]
    """[vsphere] Name of the existing distributed switch the port groups are created on. Required."""
    datastore: NotRequired[str]
    """[vsphere] Name of the datastore (shared by the clusters) the VMs' disks go on. Required."""
    port_groups: NotRequired[list[PortGroup]]
    """[vsphere] The site's networks: distributed port groups with their VLAN ids and subnet slots; one must be named `main`. Required."""
    allow_unverified_ssl: NotRequired[bool]
    """[vsphere] Accept vCenter's certificate unverified (a lab's self-signed one). Default false."""
    appliance_pair: NotRequired[VsphereAppliance]
    """[vsphere] The VPN appliance pair (template, public and private addresses, next hop). Omitted: the site cannot be joined by VPN."""
    hosted_on: NotRequired[str]
    """[vsphere] The other vendor's region the vSphere estate runs in, as vendor:region, for a hosted one: VMware Cloud on AWS (aws:us-east-1), Azure VMware Solution (azure:westeurope), Google Cloud VMware Engine (gcp:europe-west1). The site then fails with that vendor and region in simulate, the availability model and the pack. Omitted: your own datacenter."""
    ingress_ip: NotRequired[str]
    """[vsphere] Public IPv4 address of the load balancer you run in front of the main port group (vSphere has none of its own). Required for a MultiCloudApp on the site."""


class Ipam(TypedDict):
    """How the estate's addresses are planned."""

    supernet: NotRequired[str]
    """The private IPv4 range every cloud site's block comes from. Default 10.0.0.0/8."""
    site_prefix: NotRequired[int]
    """Prefix length of an unpinned site's block. Default 16 (65,536 addresses)."""
    subnet_prefix: NotRequired[int]
    """Prefix length of each subnet. Default 20: in a /16 that leaves a slot for 2 tiers × 8 zones on AWS."""
    reserved: NotRequired[list[str]]
    """Ranges never to allocate (e.g. a partner's network, a future site). Default none."""
    ipv6_supernet: NotRequired[str]
    """IPv6 range (e.g. a ULA /48) for sites whose vendor does not assign IPv6 (OpenStack). Required only when such a site sets ipv6: true."""
    require_pins: NotRequired[bool]
    """Refuse any cloud site without a pinned `cidr`. Recommended for production: an unpinned block can move when an earlier unpinned site changes."""


class Connectivity(TypedDict):
    """How the sites of a HybridVpc are joined (see docs/connectivity.md)."""

    topology: NotRequired[Topology]
    """full-mesh (every pair), hub-spoke (every site to every hub), explicit (exactly `links`) or none. Default full-mesh."""
    hubs: NotRequired[list[str]]
    """hub-spoke only: the hub sites (two on different vendors survive one)."""
    links: NotRequired[list[list[str]]]
    """explicit only: the pairs of sites to join, e.g. [[aws-use1, gcp-euw1]]."""
    exclude: NotRequired[list[list[str]]]
    """Pairs the topology leaves out, e.g. a GCP and an OpenStack site (HA VPN needs BGP, VPNaaS has none). Default none."""
    tunnel_blocks: NotRequired[dict[str, str]]
    """Pinned /27 of tunnel inside addresses per link id (`site-a/site-b`, sorted). Written by `skyweave ipam lock`; omitted links get a block derived from their id."""
    tunnel_block_scope: NotRequired[TunnelBlockScope]
    """Which links' tunnel blocks must differ: estate (every link its own /27, at most ~2,041 links with inside addresses) or site (only links sharing a site, as AWS, GCP and devices require; ~2,041 such links per site). Default estate."""
    quotas: NotRequired[dict[str, dict[str, int]]]
    """Quotas your accounts have in place of a vendor's documented default, per site and limit, e.g. {aws-use1: {vpn_connections_per_gateway: 20}} once AWS has raised it. Only adjustable limits (docs/limits.md lists every limit the plan is checked against). Default none."""


class DnsProvider(TypedDict):
    """One more DNS provider serving the app's name: the same records and health checks."""

    vendor: str
    """Whose DNS also serves the record (aws: Route 53; azure: Traffic Manager; gcp: Cloud DNS)."""
    zone: str
    """The same zone at that provider, in its terms (aws: a Route 53 hosted zone id (Z…); azure: the Azure DNS zone holding the record, as <resource group>/<zone>; gcp: a Cloud DNS managed zone name)."""
    site: NotRequired[str]
    """The site whose provider (account/project) manages that zone. Omitted: the first of the app's sites with that vendor, else the estate's first."""


class AppDns(TypedDict):
    """Health-checked DNS in front of every site of the app."""

    vendor: str
    """Whose DNS serves the record (aws: Route 53; azure: Traffic Manager; gcp: Cloud DNS)."""
    zone: str
    """The zone holding the record, in the DNS vendor's terms (aws: a Route 53 hosted zone id (Z…); azure: the Azure DNS zone holding the record, as <resource group>/<zone>; gcp: a Cloud DNS managed zone name)."""
    record_name: str
    """The fully qualified name clients use, e.g. shop.example.com (no trailing dot)."""
    site: NotRequired[str]
    """The site whose provider (account/project) manages the zone. Omitted: the first of the app's sites with the DNS vendor, else the estate's first."""
    routing: NotRequired[DnsRouting]
    """weighted (default): every healthy site answers in proportion to its capacity; failover: the first site, the next only when the first is unhealthy (aws: exactly two sites, a primary and a secondary; azure: priority in site order, two or more sites; gcp: not built (weighted routing only))."""
    ttl_seconds: NotRequired[int]
    """TTL of the records. Default 60 s (part of failover time)."""
    check_interval_seconds: NotRequired[int]
    """Seconds between DNS health checks. Default 30 (aws: 10 or 30; azure: 10 or 30; gcp: 30 or more)."""
    failure_threshold: NotRequired[int]
    """Failed checks before a site leaves DNS. Default 3."""
    source_regions: NotRequired[list[str]]
    """Where the DNS health checks probe from, for a DNS vendor that lets you choose (gcp: exactly 3 regions; omitted: us-east4, europe-west1, asia-southeast1); leave it out for the others."""
    also_served_by: NotRequired[list[DnsProvider]]
    """More DNS providers serving the same zone (multi-provider authoritative DNS): each gets identical records and health checks, and the app's nameServers output lists every provider's name servers for the registrar, so the name outlives one DNS vendor. Default none."""


class BucketCopy(TypedDict):
    """One copy of a :class:`MultiCloudBucket`: its site and who fills it."""

    site: str
    """The site holding the copy (not the primary's). Required."""
    filled_by: NotRequired[CopyFill]
    """transfer: the copy vendor's transfer service refreshes it from the primary every copy_interval_seconds (gcp: Storage Transfer Service, from aws); application: the application (or an operator's sync job) writes it. Omitted: transfer where the site's vendor can copy from the primary's, else application."""
    storage_policy: NotRequired[str]
    """The copy's storage policy, where its vendor has them (openstack: a Swift storage policy, the operator's name for a replicated or erasure-coded policy). Omitted: the store's default."""


class DatabaseMember(TypedDict):
    """One member of the cluster."""

    site: str
    """The estate's site it runs on."""
    zone: NotRequired[str]
    """One of the site's zones. Default: its first."""
    role: NotRequired[MemberRole]
    """postgres (PostgreSQL under Patroni: holds the data, may lead), etcd (a vote in the consensus) or witness (an etcd vote on a small VM, sized by witness_sizes). Default postgres."""
    sync: NotRequired[bool]
    """postgres members only: may it be a synchronous standby (false is Patroni's nosync tag, for a member behind a slow link). Default true."""


class FleetCluster(TypedDict):
    """One cluster of a :class:`KubernetesFleet`: its site and what its nodes are."""

    site: str
    """The site the cluster runs on (one cluster per site). Required."""
    node_size: str
    """Every node's size (aws: an EC2 instance type; azure: an Azure VM size; gcp: a Compute Engine machine type; openstack: a Nova flavor name). Required."""
    kubernetes_version: NotRequired[str]
    """The Kubernetes version (EKS, GKE, AKS: major.minor such as 1.31; Magnum: a full release such as v1.28.9, its kube_tag). Omitted: the vendor's default."""
    image: NotRequired[str]
    """The node image, where the vendor needs one (openstack: a Glance image Magnum's Kubernetes driver boots (e.g. Fedora CoreOS)); refused elsewhere."""
    pod_cidr: NotRequired[str]
    """The cluster's pod range, pinned (vendors whose pods take the site's own addresses have none). Omitted: planned from ranges.supernet; pin it once planned."""
    service_cidr: NotRequired[str]
    """The cluster's Service range, pinned. Omitted: planned from ranges.supernet."""


class FleetRanges(TypedDict):
    """Where the clusters' pod and service ranges come from."""

    supernet: NotRequired[str]
    """The private range every unpinned pod and service range comes from, apart from the sites' supernet. Default 172.16.0.0/12."""
    pod_prefix: NotRequired[int]
    """An unpinned pod range's size. Default 16."""
    service_prefix: NotRequired[int]
    """An unpinned service range's size. Default 20."""


class FleetWorkload(TypedDict):
    """One service on every cluster of the fleet, behind the same health-checked DNS a MultiCloudApp uses: a Deployment, a PodDisruptionBudget and a Service of type LoadBalancer."""

    name: str
    """The Deployment's, budget's and Service's name on every cluster (lowercase letters, digits and '-', a letter first, at most 40). Required."""
    image: str
    """The container image, e.g. nginx:1.27. Required."""
    min_replicas: int
    """Pods the service must still have after losing the fleet's `survive` domain. Required."""
    port: NotRequired[int]
    """The port the container serves. Default 8080."""
    service_port: NotRequired[int]
    """The load balancer's port (and DNS's probe). Default 80."""
    cpu: NotRequired[str]
    """Each pod's CPU request. Default 250m."""
    memory: NotRequired[str]
    """Each pod's memory request. Default 256Mi."""
    health_check_path: NotRequired[str]
    """HTTP path answering 2xx when a pod can serve: its readiness probe and DNS's health check. Default /healthz."""
    namespace: NotRequired[str]
    """The namespace the objects go in (an existing one). Default default."""
    dns: NotRequired[AppDns]
    """Health-checked DNS in front of every cluster's load balancer, as a MultiCloudApp's dns block. Omitted: no DNS records."""


class ByonServer(TypedDict):
    """One server you already run, reached over SSH."""

    name: str
    """Host name in the inventory. Required."""
    address: str
    """IP address (inside the site's `cidrs`) or DNS name SSH connects to. Required."""
    room: NotRequired[str]
    """Room (one of the site's `zones`). Omitted: the site has one room."""
    rack: NotRequired[str]
    """Rack: the narrowest failure domain. Omitted: the room is."""
    ssh_port: NotRequired[int]
    """SSH port. Default 22."""


class PoolSource(TypedDict):
    """Where a pool's servers come from; `kind` selects which of the other fields apply."""

    kind: str
    """One of: aws_metal, byon, ironic. Required."""
    site: str
    """Name of the site (under `sites`) the servers are in. Required."""
    instance_type: NotRequired[str]
    """[aws_metal] A bare-metal instance type, e.g. m5.metal or c7i.metal-24xl."""
    image: NotRequired[str]
    """[aws_metal] AMI id to boot. Required. [ironic] Glance image name to deploy. Required."""
    zones: NotRequired[list[str]]
    """[aws_metal, ironic] Availability zones to spread over. Omitted: all the site's zones."""
    key_name: NotRequired[str]
    """[aws_metal] EC2 key pair name. Omitted: none."""
    security_group_ids: NotRequired[list[str]]
    """[aws_metal] Security groups of the servers. Omitted: the VPC's default group."""
    root_volume_gb: NotRequired[int]
    """[aws_metal] Root EBS volume size (GiB); the volume is encrypted either way. Omitted: the AMI's."""
    allow_unlisted_type: NotRequired[bool]
    """[aws_metal] Accept a `<family>.metal[-<n>xl]` type the installed pulumi-aws does not list yet."""
    ssh_user: NotRequired[str]
    """[byon] SSH user on every server (a Unix user name). Required."""
    ssh_private_key_config: NotRequired[str]
    """[byon] Stack config key (namespace:key, outside `skyweave:`) holding the SSH private key; it must be a secret (`pulumi config set --secret`). Required."""
    servers: NotRequired[list[ByonServer]]
    """[byon] The servers (at least one), each with name and address."""
    flavor: NotRequired[str]
    """[ironic] Name of an existing bare-metal flavor. Omitted: the pool creates one that requests `resource_class` (needs admin rights on the cloud)."""
    resource_class: NotRequired[str]
    """[ironic] Ironic resource class of the nodes (e.g. baremetal-gold); the created flavor requests resources:CUSTOM_<CLASS>=1 and zero VCPU/MEMORY_MB/DISK_GB. Required when `flavor` is omitted; not allowed with it."""
    flavor_vcpus: NotRequired[int]
    """[ironic] vCPUs shown on a created flavor (informational; Nova schedules by resource class). Default 1."""
    flavor_ram_mb: NotRequired[int]
    """[ironic] RAM (MiB) shown on a created flavor (informational). Default 1024."""
    flavor_disk_gb: NotRequired[int]
    """[ironic] Root partition size (GiB) of a created flavor, used for partition images. Default 100."""
    key_pair: NotRequired[str]
    """[ironic] Nova key pair to inject. Omitted: none."""
    server_group_policy: NotRequired[str]
    """[ironic] Policy of the pool's server group on this site: soft-anti-affinity (default; spread when the scheduler can), anti-affinity (only for a single node: Nova compares nova-compute services, and one serves many Ironic nodes) or none (no group; the zones still spread the nodes)."""


class Bootstrap(TypedDict):
    """What runs on every node of a pool once it exists."""

    script: NotRequired[str]
    """Shell script run once per node (as root by cloud-init; as the SSH user on servers you bring, so use sudo there). Omitted: nothing runs and nothing is copied."""
    files: NotRequired[dict[str, str]]
    """Files written before the script runs: absolute path on the node → content. Omitted: none."""


class Network(TypedDict):
    """Arguments of HybridVpc: the sites, how they are addressed and joined."""

    sites: list[Site]
    """The sites the network spans (at least one, unique names)."""
    ipam: NotRequired[Ipam]
    """Address planning. Default: IpamArgs()."""
    tags: NotRequired[dict[str, str]]
    """Tags/labels on every resource, before each site's own tags. Default none."""
    connectivity: NotRequired[Connectivity]
    """How sites are joined (VPN, peering). Default: full mesh."""


class MultiCloudAppInputs(TypedDict):
    """Arguments of MultiCloudApp, and the network it runs on."""

    sites: list[str]
    """Names of the estate's sites to run on (at least one, each once)."""
    images: dict[str, str]
    """Boot image per vendor (aws: AMI id (one region's: AWS sites in several regions need an entry per region or site) or resolve:ssm:<parameter>, which each region resolves to its own AMI; azure: publisher:offer:sku:version or an image id; gcp: image self link or family; openstack: Glance image id; vsphere: VM template name (cloud-init with the VMware datasource; cloning needs vCenter)), per region or per site name; a site's own entry wins, then its region's. Required for every site."""
    sizes: dict[str, str]
    """Instance size per vendor, region or site name (aws: instance type; azure: VM size; gcp: machine type; openstack: flavor name; vsphere: VM shape `<vCPUs>cpu-<MiB>mb`, e.g. 2cpu-4096mb); a site's own entry wins, then its region's. Required for every site."""
    port: NotRequired[int]
    """The service port. Default 80."""
    health_check_path: NotRequired[str]
    """HTTP path answering 2xx/3xx. Default /healthz."""
    health_check_interval_seconds: NotRequired[int]
    """Load balancer health-check interval. Default 10 s."""
    health_check_timeout_seconds: NotRequired[int]
    """Seconds before a check fails. Default 5 (must be < interval)."""
    healthy_threshold: NotRequired[int]
    """Successes to be healthy. Default 2."""
    unhealthy_threshold: NotRequired[int]
    """Failures to be taken out. Default 3."""
    min_healthy: int
    """Instances the service needs after the failure it must survive."""
    survive: NotRequired[FailureKind]
    """The failure to survive with min_healthy left: zone, region, site or vendor. Default vendor."""
    admin_ports: NotRequired[list[int]]
    """Ports open only to the estate's ranges (never the world). Default [22]."""
    user_data: NotRequired[str]
    """Boot script (cloud-init). Default none."""
    availability: NotRequired[dict[str, float]]
    """Availability per site name, overriding the vendor's published SLA; required for vendors that publish none (OpenStack, VMware vSphere). Default: the published figures."""
    availability_beta: NotRequired[float]
    """Share of a site's unavailability common to its whole vendor (beta factor). Default 0.1; 0 treats sites as independent."""
    vendor_common_cause: NotRequired[dict[str, float]]
    """Per vendor, the probability that all of its sites are down at once, overriding the beta-factor estimate (e.g. from your own incident history). Default: estimated."""
    dns: NotRequired[AppDns]
    """Health-checked DNS. Omitted: no DNS records."""
    tls_certificates: NotRequired[dict[str, str]]
    """Serve HTTPS: the certificate per vendor, region or site name (a site's own entry wins, then its region's) for load balancers that terminate TLS (aws: ACM certificate ARN; openstack: Barbican container ref), whose service port then only redirects to https_port; load balancers that pass https_port through leave TLS to the instances (azure, gcp, vsphere). Default: plain HTTP on the service port."""
    https_port: NotRequired[int]
    """The HTTPS port with tls_certificates. Default 443."""
    plain_http: NotRequired[PlainHttp]
    """With tls_certificates, what the service port does for the public: redirect (default: it only redirects to https_port) or closed (only https_port is open; the service port stays the backend port behind load balancers that terminate TLS). Every vendor serves the same contract, and every health check probes a port that answers 200."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource of the app. Default none."""
    network: Network
    """The network the component runs on, as HybridVpc takes it; the component builds it as its own child named '<name>-net'."""


class MultiCloudBucketInputs(TypedDict):
    """Arguments of MultiCloudBucket, and the sites its buckets are on."""

    primary: NotRequired[str]
    """The site of the bucket the application writes (the copies' source); its vendor offers object storage (aws: S3 bucket; azure: Blob container; gcp: GCS bucket; openstack: Swift container). Required."""
    copies: NotRequired[list[BucketCopy]]
    """The copies, each on another site, at least one on another vendor than the primary's (a bucket on one vendor does not survive that vendor); at most one filled by transfer. Required."""
    kms_key_id: NotRequired[str]
    """The primary's customer-managed encryption key, where its vendor takes one (aws: a KMS key id, ARN or alias (SSE-KMS; omitted: SSE-S3, AES-256)). Omitted: the vendor's own encryption."""
    copy_interval_seconds: NotRequired[int]
    """How often a transfer-filled copy is refreshed from the primary (the copy's recovery point), at least as long as its transfer service allows (gcp: 3600 s). Default 3600 (hourly)."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource. Default none."""
    s3_site: NotRequired[str]
    """Deprecated: write `primary: <site>` (an AWS site)."""
    gcs_site: NotRequired[str]
    """Deprecated: write a copy `{site: <site>, filled_by: transfer}` (a GCP site, filled from S3 by Storage Transfer)."""
    swift_site: NotRequired[str]
    """Deprecated: write a copy `{site: <site>, filled_by: application}` (an OpenStack site)."""
    blob_site: NotRequired[str]
    """Deprecated: write a copy `{site: <site>, filled_by: application}` (an Azure site)."""
    swift_storage_policy: NotRequired[str]
    """Deprecated: write the Swift copy's `storage_policy`."""
    sites: list[Site]
    """The estate's sites; the arguments name some of them."""


class MultiCloudDatabaseInputs(TypedDict):
    """Arguments of MultiCloudDatabase, and the network its members run on."""

    members: list[DatabaseMember]
    """The members: PostgreSQL on sites of at least two vendors, an odd number of etcd and witness members over at least three, so losing any one vendor, region or zone keeps a majority (refused with the arithmetic otherwise)."""
    rpo: NotRequired[Rpo]
    """zero: synchronous replication to a standby on another vendor (a commit waits for it: one round trip between vendors per commit); async: a failover may lose up to maximum_lag_on_failover bytes plus the last ttl seconds. Default zero."""
    images: dict[str, str]
    """Boot image per vendor (aws: AMI id (the site's region's); azure: publisher:offer:sku:version or an image resource id; gcp: image self link or family), per region or per site name (a Debian 12 image: its packages postgresql, patroni and etcd-server are what the members run). Required for every member's site."""
    sizes: dict[str, str]
    """Size of the postgres and etcd members' VMs per vendor, region or site name (aws: EC2 instance type; azure: VM size; gcp: machine type)."""
    witness_sizes: NotRequired[dict[str, str]]
    """Size of witness members' VMs per vendor, region or site. Default: sizes."""
    disk_gb: NotRequired[int]
    """Boot disk of a postgres member (its data). Default 100."""
    etcd_disk_gb: NotRequired[int]
    """Boot disk of an etcd or witness member. Default 20."""
    clients: NotRequired[list[str]]
    """Address ranges the application connects from (PostgreSQL's port only, and pg_hba's only other entries). Default none."""
    ttl: NotRequired[int]
    """Patroni's leader lock lifetime, s (minimum 20). Default 30."""
    loop_wait: NotRequired[int]
    """Patroni's HA loop sleep, s (minimum 1). Default 10."""
    retry_timeout: NotRequired[int]
    """Patroni's DCS and PostgreSQL retry time, s. Default 10."""
    maximum_lag_on_failover: NotRequired[int]
    """Bytes a standby may lag and still be promoted (rpo: async). Default 1 MiB."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource of the database. Default none."""
    network: Network
    """The network the component runs on, as HybridVpc takes it; the component builds it as its own child named '<name>-net'."""


class KubernetesFleetInputs(TypedDict):
    """Arguments of KubernetesFleet, and the network its clusters run on."""

    clusters: list[FleetCluster]
    """One cluster per site, on vendors with managed Kubernetes. Required."""
    min_nodes: int
    """Nodes the fleet must still have after losing the `survive` domain. Required."""
    survive: NotRequired[FailureKind]
    """The failure the fleet survives with min_nodes left: zone (default), site, region or vendor."""
    ranges: NotRequired[FleetRanges]
    """Pod and service ranges."""
    availability: NotRequired[dict[str, float]]
    """Per site, the cluster's availability where its vendor publishes no SLA (Magnum), e.g. {os-dc1: 0.999}; overrides a published one."""
    tags: NotRequired[dict[str, str]]
    """Tags on every resource. Default none."""
    workload: NotRequired[FleetWorkload]
    """One service on every cluster, its pods sized to survive `survive`, behind health-checked DNS. Default none."""
    network: Network
    """The network the component runs on, as HybridVpc takes it; the component builds it as its own child named '<name>-net'."""


class BareMetalPoolInputs(TypedDict):
    """Arguments of BareMetalPool, the network its servers are on, and SSH keys for servers you bring."""

    count: int
    """Number of servers in the pool. Required."""
    sources: list[PoolSource]
    """Where servers come from (at least one; one per site), each with `kind` aws_metal, byon or ironic and `site`."""
    role: NotRequired[str]
    """Role of every node (an Ansible group, and SKYWEAVE_ROLE for the bootstrap). Default: worker."""
    min_healthy: NotRequired[int]
    """Nodes that must survive losing any one `survive` domain; the plan is refused otherwise. Default 0: not checked."""
    survive: NotRequired[FailureKind]
    """The failure `min_healthy` must survive: zone (default; a rack for servers you bring), region, site or vendor."""
    bootstrap: NotRequired[Bootstrap]
    """Script and files run on every node (cloud-init or SSH). Default: none."""
    tags: NotRequired[dict[str, str]]
    """Tags/labels on every cloud resource of the pool, before each site's own. Default none (in a stack: the estate's `skyweave:tags`)."""
    network: Network
    """The network the component runs on, as HybridVpc takes it; the component builds it as its own child named '<name>-net'."""
    ssh_keys: NotRequired[dict[str, pulumi.Input[str]]]
    """SSH private keys by the sources' ssh_private_key_config key (pass them as secrets). Required for every 'byon' source: a provider cannot read the calling program's config."""
