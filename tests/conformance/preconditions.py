"""The provider-side preconditions skyweave relies on, as data: what must exist before what.

``pulumi up`` creates resources in parallel, constrained only by the dependency graph (explicit
``depends_on`` and the outputs one resource feeds into another). Cloud APIs have preconditions
the graph does not know about: Neutron refuses a VPN site connection whose subnet has no router
port yet, GCP refuses a second peering operation on a network while one is running, and so on.
Each row of :data:`PRECONDITIONS` names one such rule, where it comes from, and how to find, in
a recorded estate, the resources it relates; the conformance test asserts the recorded graph
orders every pair (transitively). A row whose prerequisite does not exist at all fails too: the
precondition could never be met.

``find`` returns, for one dependent resource, groups of candidate prerequisites: at least one
resource of every group must come first (a group of one: that resource). A ``serial`` row
relates resources of one type pairwise: each pair must be ordered one way or the other.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from conformance_harness import Estate
from skyweave.engine.offline import Registration

__all__ = ["PRECONDITIONS", "Precondition", "Violation", "violations"]

Groups = list[tuple[str, list[str]]]
"""(what is needed, candidate URNs — one of them must come first; empty: nothing meets it)."""


@dataclass(frozen=True)
class Precondition:
    key: str
    dependent: tuple[str, ...]
    rule: str
    source: str
    find: Callable[[Estate, Registration], Groups] | None = None
    serial_key: Callable[[Estate, Registration], set[str]] | None = None


@dataclass(frozen=True)
class Violation:
    key: str
    dependent: str
    needs: str
    candidates: tuple[str, ...]

    def __str__(self) -> str:
        if not self.candidates:
            return f"[{self.key}] {self.dependent}: needs {self.needs}, and nothing in the estate provides it"
        return (
            f"[{self.key}] {self.dependent}: needs {self.needs} first, but is not ordered after "
            f"{' or '.join(self.candidates)}"
        )


def _of(estate: Estate, type_: str, **inputs: Any) -> list[Registration]:
    return [
        r for r in estate.of_type(type_) if all(estate.inputs(r.urn).get(k) == v for k, v in inputs.items())
    ]


# --- OpenStack --------------------------------------------------------------------------------------


def _site_connection(estate: Estate, conn: Registration) -> Groups:
    inputs = estate.inputs(conn.urn)
    service = estate.resolve(inputs.get("vpnserviceId"))
    group = estate.resolve(inputs.get("localEpGroupId"))
    if service is None or group is None:
        return [("its VPN service and local endpoint group", [])]
    router = estate.inputs(service.urn).get("routerId")
    out: Groups = []
    for subnet in estate.inputs(group.urn).get("endpoints", []):
        ports = _of(
            estate, "openstack:networking/routerInterface:RouterInterface", routerId=router, subnetId=subnet
        )
        name = getattr(estate.resolve(subnet), "name", subnet)
        out.append(
            (f"a router interface joining subnet {name} to the VPN service's router", [p.urn for p in ports])
        )
    return out


def _floating_ip(estate: Estate, fip: Registration) -> Groups:
    port = estate.inputs(fip.urn).get("portId")
    if not isinstance(port, str):
        return []  # not associated with a port: no router needed
    owners = [
        r
        for r in estate.of_type("openstack:loadbalancer/loadBalancer:LoadBalancer")
        if estate.state[r.urn].get("vipPortId") == port
    ]
    out: Groups = []
    for lb in owners:
        subnet = estate.inputs(lb.urn).get("vipSubnetId")
        ports = [
            p
            for p in _of(estate, "openstack:networking/routerInterface:RouterInterface", subnetId=subnet)
            if (router := estate.resolve(estate.inputs(p.urn).get("routerId"))) is not None
            and estate.inputs(router.urn).get("externalNetworkId")
        ]
        out.append(
            (
                f"a router interface with an external gateway on the VIP subnet of {lb.name}",
                [p.urn for p in ports],
            )
        )
    return out


def _nova_instance(estate: Estate, server: Registration) -> Groups:
    out: Groups = []
    for net in estate.inputs(server.urn).get("networks", []):
        network = net.get("uuid") if isinstance(net, dict) else None
        if not isinstance(network, str):
            continue
        subnets = _of(estate, "openstack:networking/subnet:Subnet", networkId=network)
        name = getattr(estate.resolve(network), "name", network)
        out.append((f"a subnet on network {name}", [s.urn for s in subnets]))
    return out


# --- AWS ------------------------------------------------------------------------------------------------


def _attached_vgw(estate: Estate, reg: Registration) -> Groups:
    """The VPN gateway attached to a VPC: a gateway created with ``vpcId`` (the provider attaches
    it and waits on create) or an attachment resource."""
    gateway_id = estate.inputs(reg.urn).get("vpnGatewayId")
    gateway = estate.resolve(gateway_id)
    attached = [] if gateway is None or not estate.inputs(gateway.urn).get("vpcId") else [gateway.urn]
    attached += [
        a.urn
        for a in _of(estate, "aws:ec2/vpnGatewayAttachment:VpnGatewayAttachment", vpnGatewayId=gateway_id)
    ]
    return [("its virtual private gateway attached to a VPC", attached)]


def _vpc_of_subnets(estate: Estate, subnet_ids: list[Any]) -> set[str]:
    out = set()
    for subnet_id in subnet_ids:
        subnet = estate.resolve(subnet_id)
        if subnet is not None:
            out.add(estate.inputs(subnet.urn).get("vpcId"))
    return out


def _igw_for(estate: Estate, vpcs: set[str], what: str) -> Groups:
    return [
        (
            f"the internet gateway attached to VPC {getattr(estate.resolve(vpc), 'name', vpc)} ({what})",
            [g.urn for g in _of(estate, "aws:ec2/internetGateway:InternetGateway", vpcId=vpc)],
        )
        for vpc in sorted(vpcs)
    ]


def _public_nat(estate: Estate, nat: Registration) -> Groups:
    inputs = estate.inputs(nat.urn)
    if inputs.get("connectivityType") == "private":
        return []
    return _igw_for(estate, _vpc_of_subnets(estate, [inputs.get("subnetId")]), "public NAT gateway")


def _public_lb(estate: Estate, lb: Registration) -> Groups:
    inputs = estate.inputs(lb.urn)
    if inputs.get("internal") is True:
        return []
    return _igw_for(
        estate, _vpc_of_subnets(estate, list(inputs.get("subnets", []))), "internet-facing load balancer"
    )


def _alb_target(estate: Estate, attachment: Registration) -> Groups:
    """An ALB registered in a target group of type ``alb`` needs its listener on the group's port.
    ARNs are outputs (unknown in a preview): the resources are read from property dependencies."""

    def fed(reg: Registration, prop: str, type_: str) -> list[Registration]:
        urns = estate.recorded[reg.urn].property_deps.get(prop, [])
        return [estate.by_urn[u] for u in urns if estate.by_urn[u].type == type_]

    groups = fed(attachment, "targetGroupArn", "aws:lb/targetGroup:TargetGroup")
    if not groups or estate.inputs(groups[0].urn).get("targetType") != "alb":
        return []
    albs = {r.urn for r in fed(attachment, "targetId", "aws:lb/loadBalancer:LoadBalancer")}
    port = estate.inputs(groups[0].urn).get("port")
    listeners = [
        r.urn
        for r in estate.of_type("aws:lb/listener:Listener")
        if estate.inputs(r.urn).get("port") == port
        and {lb.urn for lb in fed(r, "loadBalancerArn", "aws:lb/loadBalancer:LoadBalancer")} & albs
    ]
    return [(f"the ALB's listener on port {port}", listeners)]


# --- GCP ------------------------------------------------------------------------------------------------


def _peering_networks(estate: Estate, peering: Registration) -> set[str]:
    inputs = estate.inputs(peering.urn)
    return {str(inputs.get("network")), str(inputs.get("peerNetwork"))}


def _router_peer(estate: Estate, peer: Registration) -> Groups:
    """The interface is named by an output of the interface resource (its ``name``, unknown in a
    preview), so the feeding resource is read from the wire's property dependencies."""
    fed_by = estate.recorded[peer.urn].property_deps.get("interface", [])
    interfaces = [u for u in fed_by if estate.by_urn[u].type == "gcp:compute/routerInterface:RouterInterface"]
    return [("the Cloud Router interface it names", interfaces)]


def _transfer_sink(estate: Estate, job: Registration) -> Groups:
    sink = estate.inputs(job.urn).get("transferSpec", {}).get("gcsDataSink", {}).get("bucketName")
    grants = [g.urn for g in _of(estate, "gcp:storage/bucketIAMMember:BucketIAMMember", bucket=sink)]
    if not grants:
        return [(f"the transfer agent's roles on sink bucket {sink}", [])]
    return [
        (f"the transfer agent's grant {estate.by_urn[g].name} on sink bucket {sink}", [g]) for g in grants
    ]


def _transfer_source(estate: Estate, job: Registration) -> Groups:
    role_arn = estate.inputs(job.urn).get("transferSpec", {}).get("awsS3DataSource", {}).get("roleArn")
    out: Groups = []
    for role in estate.of_type("aws:iam/role:Role"):
        if estate.state[role.urn].get("arn") == role_arn:
            policies = [
                p.urn for p in _of(estate, "aws:iam/rolePolicy:RolePolicy", role=estate.ids[role.urn])
            ]
            out.append((f"the S3 read policy on role {role.name}", policies))
    return out


# --- servers you bring (pulumi-command) --------------------------------------------------------------------


def _host(estate: Estate, reg: Registration) -> Any:
    connection = estate.inputs(reg.urn).get("connection") or {}
    return connection.get("host")


def _copy_target_dir(estate: Estate, copy: Registration) -> Groups:
    """The directory a copy writes into must be one the SSH user made (a staging command on the
    same host whose output is that directory) — SFTP writes with the connection user's rights."""
    path = estate.inputs(copy.urn).get("remotePath")
    if not isinstance(path, str):
        return [("a directory the SSH user owns", [])]
    parent = posixpath.dirname(path)
    stages = [
        c.urn
        for c in estate.of_type("command:remote:Command")
        if _host(estate, c) == _host(estate, copy)
        and str(estate.state[c.urn].get("stdout", "")).strip() == parent
    ]
    return [(f"a staging directory {parent} created by the SSH user on {_host(estate, copy)}", stages)]


def _bootstrap(estate: Estate, command: Registration) -> Groups:
    create = str(estate.inputs(command.urn).get("create", ""))
    copies = [
        c
        for c in estate.of_type("command:remote:CopyToRemote")
        if _host(estate, c) == _host(estate, command)
        and str(estate.inputs(c.urn).get("remotePath")) in create
    ]
    return [(f"copy {c.name}", [c.urn]) for c in copies]


def _is_bootstrap(estate: Estate, command: Registration) -> bool:
    return bool(estate.of_type("command:remote:CopyToRemote")) and any(
        str(estate.inputs(c.urn).get("remotePath")) in str(estate.inputs(command.urn).get("create", ""))
        for c in estate.of_type("command:remote:CopyToRemote")
    )


# --- Azure -------------------------------------------------------------------------------------------------


def _gateway_subnet(estate: Estate, gateway: Registration) -> Groups:
    out: Groups = []
    for config in estate.inputs(gateway.urn).get("ipConfigurations", []):
        subnet = estate.resolve((config.get("subnet") or {}).get("id"))
        named = subnet is not None and estate.inputs(subnet.urn).get("subnetName") == "GatewaySubnet"
        out.append(
            (
                f"the subnet named GatewaySubnet of ip configuration {config.get('name')}",
                [subnet.urn] if named and subnet else [],
            )
        )
    return out


def _subnet_vnet(estate: Estate, subnet: Registration) -> set[str]:
    inputs = estate.inputs(subnet.urn)
    return {f"{inputs.get('resourceGroupName')}/{inputs.get('virtualNetworkName')}"}


def _peering_vnets(estate: Estate, peering: Registration) -> set[str]:
    inputs = estate.inputs(peering.urn)
    remote = estate.resolve((inputs.get("remoteVirtualNetwork") or {}).get("id"))
    names = {str(inputs.get("virtualNetworkName"))}
    if remote is not None:
        names.add(str(estate.state[remote.urn].get("name")))
    return names


def _scale_set_probe(estate: Estate, vmss: Registration) -> Groups:
    profile = estate.inputs(vmss.urn).get("virtualMachineProfile", {})
    probe = str((profile.get("networkProfile", {}).get("healthProbe") or {}).get("id", ""))
    if (
        estate.inputs(vmss.urn).get("upgradePolicy", {}).get("mode") != "Rolling"
        or "/loadBalancers/" not in probe
    ):
        return []
    lb_name = probe.split("/loadBalancers/", 1)[1].split("/", 1)[0]
    lbs = [lb.urn for lb in _of(estate, "azure-native:network:LoadBalancer", loadBalancerName=lb_name)]
    return [(f"load balancer {lb_name}, whose probe the rolling upgrades watch", lbs)]


PRECONDITIONS: tuple[Precondition, ...] = (
    Precondition(
        key="vpnaas-connection-needs-router-port",
        dependent=("openstack:vpnaas/siteConnection:SiteConnection",),
        rule="Neutron VPNaaS refuses a site connection whose local endpoint-group subnets have no port "
        "on the VPN service's router (SubnetIsNotConnectedToRouter).",
        source="openstack/neutron-vpnaas neutron_vpnaas/db/vpn/vpn_validator.py: "
        "VpnReferenceValidator.validate_ipsec_site_connection -> _check_local_subnets_on_router "
        "(https://opendev.org/openstack/neutron-vpnaas/src/branch/master/neutron_vpnaas/db/vpn/vpn_validator.py)",
        find=_site_connection,
    ),
    Precondition(
        key="floating-ip-needs-router-port",
        dependent=("openstack:networking/floatingIp:FloatingIp",),
        rule="Neutron associates a floating IP with a port only if the port's subnet has an interface on a "
        "router whose gateway is the floating IP's external network (ExternalGatewayForFloatingIPNotFound).",
        source="openstack/neutron neutron/db/l3_db.py: L3_NAT_dbonly_mixin._get_router_for_floatingip "
        "(https://opendev.org/openstack/neutron/src/branch/master/neutron/db/l3_db.py); message in "
        "neutron_lib/exceptions/l3.py",
        find=_floating_ip,
    ),
    Precondition(
        key="nova-server-needs-subnet",
        dependent=("openstack:compute/instance:Instance",),
        rule="Nova refuses to boot a server on a network without a subnet (NetworkRequiresSubnet, HTTP 400).",
        source="openstack/nova nova/network/neutron.py: API.validate_networks raises "
        "exception.NetworkRequiresSubnet (nova/exception.py) "
        "(https://opendev.org/openstack/nova/src/branch/master/nova/network/neutron.py)",
        find=_nova_instance,
    ),
    Precondition(
        key="gcp-peerings-on-a-network-are-serial",
        dependent=("gcp:compute/networkPeering:NetworkPeering",),
        rule="GCP runs one peering operation per network at a time; a concurrent one fails with 'There is "
        "a peering operation in progress on the local or peer network'. The provider's lock is per "
        "provider process, and Pulumi runs one process per provider configuration.",
        source="terraform-google-modules/terraform-google-network modules/network-peering/README.md "
        '("It is not currently possible to create more than one peering connection for a VPC Network at '
        'the same time") and main.tf (the reverse peering depends_on the first) '
        "(https://github.com/terraform-google-modules/terraform-google-network/tree/master/modules/network-peering)",
        serial_key=_peering_networks,
    ),
    Precondition(
        key="gcp-bgp-peer-needs-router-interface",
        dependent=("gcp:compute/routerPeer:RouterPeer",),
        rule="A Cloud Router BGP peer names an existing interface of its router.",
        source='pulumi-gcp compute.RouterPeer `interface` ("Name of the interface the BGP peer is '
        'associated with"); Cloud Router API routers.patch bgpPeers[].interfaceName '
        "(https://cloud.google.com/compute/docs/reference/rest/v1/routers)",
        find=_router_peer,
    ),
    Precondition(
        key="aws-vpn-connection-needs-attached-vgw",
        dependent=("aws:ec2/vpnConnection:VpnConnection",),
        rule="A Site-to-Site VPN connection on a virtual private gateway carries traffic only once the "
        "gateway is attached to the VPC; the documented order is gateway, attachment, then connection.",
        source="AWS Site-to-Site VPN User Guide, 'Create a Site-to-Site VPN connection' "
        "(https://docs.aws.amazon.com/vpn/latest/s2svpn/SetUpVPNConnections.html); pulumi-aws "
        "ec2.VpnGatewayAttachment docs: VpnGateway with `vpc_id` attaches the gateway it creates",
        find=_attached_vgw,
    ),
    Precondition(
        key="aws-route-propagation-needs-attached-vgw",
        dependent=("aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation",),
        rule="EnableVgwRoutePropagation needs the gateway attached to the route table's VPC.",
        source='EC2 API EnableVgwRoutePropagation, GatewayId ("The virtual private gateway must be attached '
        'to the same VPC that the routing tables are associated with") '
        "(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableVgwRoutePropagation.html); "
        "CloudFormation AWS::EC2::VPNGatewayRoutePropagation",
        find=_attached_vgw,
    ),
    Precondition(
        key="aws-public-nat-needs-igw",
        dependent=("aws:ec2/natGateway:NatGateway",),
        rule="A public NAT gateway needs an internet gateway attached to its VPC.",
        source="CloudFormation DependsOn, 'When a DependsOn attribute is required' (resources with a public "
        "IP in a VPC depend on the VPC-gateway attachment) "
        "(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html)",
        find=_public_nat,
    ),
    Precondition(
        key="aws-internet-facing-lb-needs-igw",
        dependent=("aws:lb/loadBalancer:LoadBalancer",),
        rule="CreateLoadBalancer for an internet-facing ALB/NLB fails with 'InvalidSubnet: VPC ... has no "
        "internet gateway' until the VPC's internet gateway is attached.",
        source="CloudFormation DependsOn, 'When a DependsOn attribute is required' (Elastic Load Balancing "
        "load balancers) "
        "(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html); "
        "hashicorp/terraform-provider-aws PR #3494 and #4587 (InvalidSubnet without depends_on the IGW)",
        find=_public_lb,
    ),
    Precondition(
        key="aws-alb-target-needs-listener",
        dependent=("aws:lb/targetGroupAttachment:TargetGroupAttachment",),
        rule="An Application Load Balancer is registered as a Network Load Balancer's target (a target group "
        "of type alb) only once it has a listener on the target group's port.",
        source="Elastic Load Balancing, 'Use an Application Load Balancer as a target of a Network Load "
        "Balancer' — prerequisites "
        "(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/application-load-balancer-target.html)",
        find=_alb_target,
    ),
    Precondition(
        key="transfer-job-needs-sink-grants",
        dependent=("gcp:storage/transferJob:TransferJob",),
        rule="A Storage Transfer job writes to its sink bucket as the project's transfer agent, which needs "
        "its roles on that bucket before the job runs (the job starts on creation: its start date is past).",
        source="Storage Transfer Service docs, 'Configure access to a sink: Cloud Storage' — Required "
        "permissions (https://cloud.google.com/storage-transfer/docs/sink-cloud-storage)",
        find=_transfer_sink,
    ),
    Precondition(
        key="transfer-job-needs-source-policy",
        dependent=("gcp:storage/transferJob:TransferJob",),
        rule="The federated role the job assumes must already grant s3:ListBucket and s3:GetObject on the "
        "source bucket; a role without its policy fails the first run.",
        source="Storage Transfer Service docs, 'Configure access to a source: Amazon S3' — Required "
        "permissions (https://cloud.google.com/storage-transfer/docs/source-amazon-s3)",
        find=_transfer_source,
    ),
    Precondition(
        key="ssh-copy-needs-a-writable-directory",
        dependent=("command:remote:CopyToRemote",),
        rule="CopyToRemote writes over SFTP with the connection user's rights (no sudo); the directory it "
        "writes into must be one that user owns, made before the copy.",
        source="pulumi/pulumi-command provider/pkg/provider/remote/copyController.go (sftp.NewClient on the "
        "connection; Create/Mkdir as that user) "
        "(https://github.com/pulumi/pulumi-command/blob/master/provider/pkg/provider/remote/copyController.go)",
        find=_copy_target_dir,
    ),
    Precondition(
        key="ssh-bootstrap-needs-its-files",
        dependent=("command:remote:Command",),
        rule="The bootstrap command reads the files and script the copies put on the same host.",
        source="skyweave's own contract (docs/bare-metal.md): files are staged, then installed and run",
        find=lambda estate, reg: _bootstrap(estate, reg) if _is_bootstrap(estate, reg) else [],
    ),
    Precondition(
        key="azure-vpn-gateway-needs-gateway-subnet",
        dependent=("azure-native:network:VirtualNetworkGateway",),
        rule="A VPN gateway's ip configurations sit in the VNet's subnet named exactly GatewaySubnet, "
        "which must exist first.",
        source="Azure VPN Gateway docs, 'About VPN Gateway configuration settings' - Gateway subnet "
        "(https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub)",
        find=_gateway_subnet,
    ),
    Precondition(
        key="azure-subnets-of-a-vnet-are-serial",
        dependent=("azure-native:network:Subnet",),
        rule="Azure updates one subnet of a VNet at a time; a concurrent change fails with "
        "AnotherOperationInProgress (the VNet is the unit of update).",
        source="hashicorp/terraform-provider-azurerm internal/services/network/subnet_resource.go (creates "
        "and deletes a subnet under locks.ByName on its virtual network's name) "
        "(https://github.com/hashicorp/terraform-provider-azurerm/blob/main/internal/services/network/subnet_resource.go)",
        serial_key=_subnet_vnet,
    ),
    Precondition(
        key="azure-peerings-of-a-vnet-are-serial",
        dependent=("azure-native:network:VirtualNetworkPeering",),
        rule="A VNet's peerings change one at a time (the peering is a child of the VNet); each site's "
        "provider is a separate process, so the two directions and a VNet's links must be chained.",
        source="hashicorp/terraform-provider-azurerm "
        "internal/services/network/virtual_network_peering_resource.go "
        "(locks.ByName on the virtual network name around create and delete) "
        "(https://github.com/hashicorp/terraform-provider-azurerm/blob/main/internal/services/network/virtual_network_peering_resource.go)",
        serial_key=_peering_vnets,
    ),
    Precondition(
        key="azure-rolling-scale-set-needs-lb-probe",
        dependent=("azure-native:compute:VirtualMachineScaleSet",),
        rule="A scale set with rolling upgrades names a load balancer health probe (networkProfile."
        "healthProbe) that must exist, with a rule using it, when the scale set is created.",
        source="Azure docs, 'Configure rolling upgrades on Virtual Machine Scale Sets' (a rolling upgrade "
        "policy requires a health probe or the Application Health extension) "
        "(https://learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-configure-rolling-upgrades)",
        find=_scale_set_probe,
    ),
)


def violations(estate: Estate, rows: tuple[Precondition, ...] = PRECONDITIONS) -> Iterator[Violation]:
    """Every precondition of ``rows`` the estate's recorded graph does not guarantee."""
    for row in rows:
        dependents = estate.of_type(*row.dependent)
        if row.serial_key is not None:
            keys = {d.urn: row.serial_key(estate, d) for d in dependents}
            for i, a in enumerate(dependents):
                for b in dependents[i + 1 :]:
                    shared = keys[a.urn] & keys[b.urn]
                    if shared and not (estate.ordered(a.urn, b.urn) or estate.ordered(b.urn, a.urn)):
                        yield Violation(
                            row.key, a.urn, f"to be ordered with {b.name} (same network)", (b.urn,)
                        )
            continue
        assert row.find is not None
        for dependent in dependents:
            for needs, candidates in row.find(estate, dependent):
                if not any(estate.ordered(c, dependent.urn) for c in candidates):
                    yield Violation(row.key, dependent.urn, needs, tuple(candidates))
