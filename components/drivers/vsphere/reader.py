"""The vSphere policy reader: what the pack reads from pulumi-vsphere resources (every ``vsphere:``
token the pack judges is written here, once).

A VM of a hosted site (VMware Cloud on AWS …) carries its host's region
(``guestinfo.skyweave.hosted-on``), so the redundancy rules fail it with that vendor and region.
Compute is a VM cloned into a compute cluster: its zone is that cluster (the site's zone), which
skyweave writes on the VM as ``guestinfo.skyweave.cluster`` since its resource pool id names no
cluster a plan can read. A VM carrying ``guestinfo.skyweave.role: vpn-appliance`` is the site's
VPN appliance, not compute that serves; its openings (``guestinfo.skyweave.ingress``: IKE on UDP
500 and 4500, ESP, from each peer address) are what the edge must let through, read as ingress.
Its tunnels live in its secret user data: the pack counts a link's tunnels from the far end (an
AWS connection, a GCP HA VPN tunnel, an Azure connection), as for a device the operator
configures. Networks are distributed port groups. DRS anti-affinity rules keep VMs of one cluster
on separate hosts: ``skyweave-redundancy-host-spread`` reports an app's VMs sharing a cluster
without one. Imports no provider SDK.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from ...policy.model import UNSPECIFIED, Ingress
from ...policy.reading import Estate, Reader
from ...policy.values import Finding, Resource, UnknownValue, cant_check, get, items

__all__ = ["VsphereReader"]

VM = "vsphere:index/virtualMachine:VirtualMachine"
PORT_GROUP = "vsphere:index/distributedPortGroup:DistributedPortGroup"
ANTI_AFFINITY = "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule"
CLUSTER_KEY = "guestinfo.skyweave.cluster"
ROLE_KEY = "guestinfo.skyweave.role"
INGRESS_KEY = "guestinfo.skyweave.ingress"
HOSTED_KEY = "guestinfo.skyweave.hosted-on"
FRONT_DOOR_KEY = "guestinfo.skyweave.front-door"
HOST_SPREAD = "redundancy-host-spread"


def _extra(res: Resource, key: str) -> Any:
    config = get(res.props, "extraConfig")
    return config.get(key) if isinstance(config, Mapping) else None


class VsphereReader(Reader):
    vendor = "vsphere"
    display_name = "VMware vSphere"
    packages = frozenset({"vsphere"})
    compute = {VM: "VM"}
    networks = frozenset({PORT_GROUP})
    ingress_types = frozenset({VM})
    # The appliance's far ends count its tunnels (see the module doc).
    device_links = True
    topics = {HOST_SPREAD: frozenset({VM, ANTI_AFFINITY})}
    also_reads = frozenset({ANTI_AFFINITY})

    # -- compute -----------------------------------------------------------------------------

    def capacity(self, estate: Estate, res: Resource) -> tuple[str, int, list[str]]:
        cluster = _extra(res, CLUSTER_KEY)
        return "VM", 1, [str(cluster) if cluster else UNSPECIFIED]

    def hosts(self, res: Resource) -> tuple[str, ...]:
        """A hosted site's VMs (``hosted_on``) carry their host's vendor and region."""
        hosted = _extra(res, HOSTED_KEY)
        return (str(hosted).replace(":", "/", 1),) if hosted else ()

    def front_doors(self, estate: Estate) -> Iterator[tuple[str, Resource]]:
        """An app VM sits behind its site's ``ingress_ip`` (the operator's load balancer), which
        skyweave writes on it as ``guestinfo.skyweave.front-door``: the DNS records name that."""
        for vm in estate.index.of_type(VM):
            door = _extra(vm, FRONT_DOOR_KEY)
            if isinstance(door, str) and door:
                yield door, vm

    def not_compute(self, estate: Estate) -> Mapping[str, str | None]:
        found: dict[str, str | None] = {}
        for vm in estate.index.of_type(VM):
            try:
                if _extra(vm, ROLE_KEY) == "vpn-appliance":
                    found[vm.urn] = None
            except UnknownValue as exc:
                found[vm.urn] = f"{vm.name}.{exc}"
        return found

    # -- the appliance's openings ------------------------------------------------------------

    def ingress(self, res: Resource) -> Iterator[Ingress]:
        """Each opening the appliance asks of the edge, by source (ESP has no ports to judge)."""
        text = _extra(res, INGRESS_KEY)
        if not isinstance(text, str):
            return
        for i, rule in enumerate(json.loads(text)):
            port = rule.get("port")
            if port is not None:
                yield Ingress(f"{INGRESS_KEY}[{i}]", str(rule.get("source")), ((int(port), int(port)),))

    # -- an app's VMs on separate hosts ------------------------------------------------------

    def check_stack(self, topic: str, estate: Estate, cfg: Mapping[str, Any]) -> Iterator[Finding]:
        if topic != HOST_SPREAD:
            return
        spread: set[str] = set()
        for rule in estate.index.of_type(ANTI_AFFINITY):
            try:
                if get(rule.props, "enabled") is False:
                    continue
                members = rule.property_dependencies.get("virtualMachineIds", ())
                if len(items(rule.props, "virtualMachineIds")) >= 2:
                    spread.update(members)
            except UnknownValue as exc:
                yield cant_check(rule, exc)
        groups: dict[tuple[str, str], list[Resource]] = defaultdict(list)
        appliances = self.not_compute(estate)
        for vm in estate.index.of_type(VM):
            owner = estate.owner(vm)
            if owner is None or vm.urn in appliances:
                continue
            try:
                cluster = _extra(vm, CLUSTER_KEY)
            except UnknownValue as exc:
                yield cant_check(vm, exc)
                continue
            groups[(owner, str(cluster or UNSPECIFIED))].append(vm)
        for (owner, cluster), vms in sorted(groups.items()):
            loose = sorted(vm.name for vm in vms if vm.urn not in spread)
            if len(vms) >= 2 and loose:
                yield Finding(
                    f"{len(vms)} VMs of {owner} share compute cluster {cluster!r} and "
                    f"{', '.join(loose)} are in no DRS anti-affinity rule: DRS may place them on one "
                    "host, which then takes them down together",
                    vms[0].urn,
                )
