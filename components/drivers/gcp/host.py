"""GCP shape of a single server (a database member): one ingress firewall per rule (a rule's
sources differ per port) targeting the VM's network tag, and a Compute Engine instance at its
fixed internal address whose boot persistent disk is sized, encrypted at rest (Google encrypts
every persistent disk by default) and kept when the VM goes (``auto_delete`` false), with
deletion protection, Shielded VM and OS Login, protected in Pulumi.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from ..hosts import HostHandle, HostSpec, HostTerms
from ..sdk import lazy_sdk
from ..site import SiteContext, SiteNetwork

if TYPE_CHECKING:
    import pulumi_gcp as gcp
else:
    gcp = lazy_sdk("pulumi_gcp")

__all__ = ["HOST_TERMS", "RESERVED_TAIL", "create_host"]

HOST_TERMS = HostTerms(
    image="image self link or family",
    size="machine type",
    encryption="persistent disk encryption at rest (Google-managed keys, always on)",
)
#: GCP keeps the second-to-last and the last address of every subnet ("Reserved IP addresses in
#: IPv4 subnets", VPC documentation).
RESERVED_TAIL = 2


def create_host(ctx: SiteContext, network: SiteNetwork, spec: HostSpec) -> HostHandle:
    project = getattr(ctx.site, "project", None)
    assert network.network_id is not None
    tag = ctx.name("vm", spec.key)
    labels = {**ctx.tags, **spec.tags}
    resources: dict[str, pulumi.Resource] = {}
    for rule in spec.ingress:
        resources[f"firewall:{rule.port}"] = gcp.compute.Firewall(
            ctx.name("fw", spec.key, str(rule.port)),
            project=project,
            network=network.network_id,
            direction="INGRESS",
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=[str(rule.port)])],
            source_ranges=list(rule.sources),
            target_tags=[tag],
            description=f"{ctx.component} {spec.key}: {rule.description}",
            opts=ctx.opts(),
        )
    resources["instance"] = instance = gcp.compute.Instance(
        tag,
        project=project,
        zone=spec.zone,
        machine_type=spec.size,
        boot_disk=gcp.compute.InstanceBootDiskArgs(
            auto_delete=False,
            initialize_params=gcp.compute.InstanceBootDiskInitializeParamsArgs(
                image=spec.image, size=spec.disk_gb, type="pd-ssd", labels=labels
            ),
        ),
        network_interfaces=[
            gcp.compute.InstanceNetworkInterfaceArgs(
                subnetwork=network.subnet_ids[spec.subnet], network_ip=spec.address
            )
        ],
        metadata={"enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE", "user-data": spec.user_data},
        shielded_instance_config=gcp.compute.InstanceShieldedInstanceConfigArgs(
            enable_secure_boot=True, enable_vtpm=True, enable_integrity_monitoring=True
        ),
        deletion_protection=True,
        tags=[tag],
        labels=labels,
        opts=ctx.opts(protect=True, depends_on=[network.resources[f"subnet:{spec.subnet}"]]),
    )
    address: pulumi.Output[str] = instance.network_interfaces.apply(lambda nics: str(nics[0].network_ip))
    return HostHandle(spec.key, address, resources)
