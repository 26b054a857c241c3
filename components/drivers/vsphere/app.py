"""vSphere shapes for a service: VMs cloned per cluster, a DRS anti-affinity rule per cluster.

Per site (see :func:`create_app_site`):

* the planned number of VMs in each compute cluster (the site's zones), cloned from the template
  ``images`` names into the cluster's root resource pool, on the ``main`` port group (addressed
  by the operator's DHCP on that VLAN), named by cluster and a number within it;
* one ``ComputeClusterVmAntiAffinityRule`` per cluster holding two or more of them, **mandatory**:
  DRS refuses to power on a VM that would share a host with another of the rule's, rather than
  merely preferring not to. The choice: the capacity plan counts on losing at most one VM per
  host, so a cluster with fewer hosts than VMs must say so (a VM that will not power on) instead
  of doubling up silently. DRS rules span one cluster only, so spreading over clusters and sites
  (N+1) is skyweave's placement, not DRS's;
* no load balancer: vSphere has none of its own. The site's ``ingress_ip`` (the operator's load
  balancer in front of the port group, which passes HTTPS through to the VMs) is what DNS points
  at and health-checks.

No security groups either (vSphere without NSX has no per-VM firewall): the admin ports are the
operator's edge's to close, and the guest's own firewall's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pulumi

from ...core.errors import ConfigIssue, InvalidArgsError
from ..base import SiteContext, SiteNetwork
from ..sdk import lazy_sdk
from ..workloads import (
    AppEndpoint,
    AppSiteSpec,
    AppTerms,
    AppValue,
    AppValueKind,
    EndpointKind,
    TlsTermination,
)
from .inventory import Inventory, clone_vm, guest_metadata
from .site import MAIN, VsphereSiteArgs

if TYPE_CHECKING:
    import pulumi_vsphere as vsphere
else:
    vsphere = lazy_sdk("pulumi_vsphere")

__all__ = ["APP_TERMS", "app_site_problems", "app_value_problems", "create_app_site", "vm_size"]

APP_TERMS = AppTerms(
    image="VM template name (cloud-init with the VMware datasource; cloning needs vCenter)",
    size="VM shape `<vCPUs>cpu-<MiB>mb`, e.g. 2cpu-4096mb",
    tls=TlsTermination.INSTANCES,
)
_SIZE = re.compile(r"^(\d{1,2})cpu-(\d{3,7})mb$")
#: The guestinfo key marking an app's VMs (the policy reader's role key).
ROLE_KEY = "guestinfo.skyweave.role"


def vm_size(size: str) -> tuple[int, int] | None:
    """(vCPUs, MiB) of a size written ``<vCPUs>cpu-<MiB>mb``, or ``None``.

    >>> vm_size("2cpu-4096mb")
    (2, 4096)
    """
    match = _SIZE.match(size)
    if match is None or int(match.group(1)) < 1 or int(match.group(2)) < 512:
        return None
    return int(match.group(1)), int(match.group(2))


def app_site_problems(site: VsphereSiteArgs) -> list[str]:
    if site.ingress_ip is None:
        return [
            f"site {site.name!r}: vSphere has no load balancer of its own; declare `ingress_ip`, the "
            "public address of the load balancer you run in front of its main port group"
        ]
    return []


def app_value_problems(value: AppValue) -> list[str]:
    """A size is a VM shape; a template is named (its existence is vCenter's to say at clone
    time). Checked while planning, so a wrong shape is a config error before anything registers."""
    if value.kind is AppValueKind.SIZE and vm_size(value.value) is None:
        return [f"not a vSphere VM shape; write {APP_TERMS.size} (at least 1 vCPU and 512 MiB)"]
    if value.kind is AppValueKind.IMAGE and not value.value.strip():
        return [f"not a vSphere template: write a {APP_TERMS.image}"]
    return []


#: The site's front door (``ingress_ip``, the operator's load balancer) on each app VM: what DNS
#: names, and what the policy reader reads as reaching the VMs behind it.
FRONT_DOOR_KEY = "guestinfo.skyweave.front-door"


def service_ports(spec: AppSiteSpec) -> dict[str, str]:
    """The ports the VM must serve, in guestinfo for its cloud-init and the operator's load balancer.

    vSphere has no load balancer or firewall of skyweave's to carry the contract (instances
    terminate TLS on ``https_port``; ``port`` redirects or is closed), so the VM itself is told.
    """
    ports = {"guestinfo.skyweave.port": str(spec.port)}
    if spec.tls:
        ports["guestinfo.skyweave.https_port"] = str(spec.https_port)
        ports["guestinfo.skyweave.plain_http"] = str(spec.plain_http)
    return ports


def create_app_site(ctx: SiteContext, network: SiteNetwork, spec: AppSiteSpec) -> AppEndpoint:
    site = ctx.site
    assert isinstance(site, VsphereSiteArgs) and site.ingress_ip is not None
    shape = vm_size(spec.size)
    if shape is None:
        raise InvalidArgsError(
            [ConfigIssue(f"sizes.{site.name}", f"not a vSphere VM shape; write {APP_TERMS.size}", spec.size)]
        )
    cpus, memory = shape
    inventory = Inventory(ctx)
    port_group = network.resources[f"port-group:{MAIN}"]
    resources: dict[str, pulumi.Resource] = {}
    for cluster, count in spec.zone_counts.items():
        vms = []
        for number in range(1, count + 1):
            name = ctx.name("vm", cluster, str(number))
            vms.append(
                clone_vm(
                    ctx,
                    inventory,
                    name,
                    cluster=cluster,
                    template=spec.image,
                    network_id=network.subnet_ids[MAIN],
                    cpus=cpus,
                    memory_mb=memory,
                    metadata=guest_metadata(name),
                    user_data=spec.user_data,
                    annotation=f"{ctx.component} on {site.name} ({cluster})",
                    guestinfo={ROLE_KEY: "app", FRONT_DOOR_KEY: str(site.ingress_ip), **service_ports(spec)},
                    depends_on=[port_group],
                )
            )
        if len(vms) >= 2:
            resources[f"anti_affinity:{cluster}"] = vsphere.ComputeClusterVmAntiAffinityRule(
                ctx.name("anti-affinity", cluster),
                name=ctx.name("anti-affinity", cluster),
                compute_cluster_id=inventory.cluster(cluster).id,
                virtual_machine_ids=[vm.id for vm in vms],
                mandatory=True,
                opts=ctx.opts(),
            )
    return AppEndpoint(
        site=site.name,
        vendor="vsphere",
        kind=EndpointKind.IP,
        address=pulumi.Output.from_input(str(site.ingress_ip)),
        weight=spec.total,
        resources=resources,
        health_protocol="HTTPS" if spec.tls else "HTTP",
        health_port=spec.https_port if spec.tls else None,
    )
