"""What a vSphere site's VMs are cloned from and into: the vCenter inventory, looked up by name.

vSphere's objects the stack file names (datacenter, clusters, datastore, distributed switch,
template) already exist; skyweave reads their managed-object ids with the provider's data
sources, through the site's provider, and clones VMs with them. Every clone shares one body
(:func:`clone_vm`), so the appliance pair and the app VMs carry the same handling of the
provider's known behaviour:

* **Perpetual diffs** (pulumi/pulumi-vsphere#472, vmware/terraform-provider-vsphere#1902): after
  a VM is created, every preview shows ``ept_rvi_mode`` and ``hv_mode`` changed — the provider
  writes defaults vCenter reads back as unset — and, since 2024, ``sync_time_with_host``; an
  ``up`` then powers the VM off to "change" them. They are ``ignore_changes`` (the provider's own
  tracker's workaround), and ``skyweave preview --diff`` shows them as ignored.
* **Cloud-init through guestinfo**: the VMs boot a cloud image whose cloud-init reads the VMware
  datasource (``guestinfo.userdata`` / ``guestinfo.metadata``, base64), so user data and a static
  network configuration reach the guest without a customization spec.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi

from ..base import SiteContext
from ..sdk import lazy_sdk
from .site import VsphereSiteArgs

if TYPE_CHECKING:
    import pulumi_vsphere as vsphere
else:
    vsphere = lazy_sdk("pulumi_vsphere")

__all__ = ["CLUSTER_KEY", "PERPETUAL_DIFFS", "Inventory", "clone_vm", "guest_metadata"]

#: The guestinfo key naming the compute cluster a VM was cloned into (the policy reader's zone).
CLUSTER_KEY = "guestinfo.skyweave.cluster"
#: The guestinfo key naming a hosted site's host (``aws:us-east-1``): it fails with that region.
HOSTED_KEY = "guestinfo.skyweave.hosted-on"

#: The VM inputs the provider reports changed on every preview after create (see the module doc).
PERPETUAL_DIFFS = ("ept_rvi_mode", "hv_mode", "sync_time_with_host")


class Inventory:
    """The site's vCenter objects by name, each looked up once per component through its provider."""

    def __init__(self, ctx: SiteContext) -> None:
        site = ctx.site
        assert isinstance(site, VsphereSiteArgs)
        self.site = site
        self._opts = pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider)
        self.datacenter_id: pulumi.Output[str] = vsphere.get_datacenter_output(
            name=site.datacenter, opts=self._opts
        ).id
        self._clusters: dict[str, Any] = {}
        self._templates: dict[str, Any] = {}
        self._datastore: Any = None

    def cluster(self, name: str) -> Any:
        """The compute cluster ``name`` (its ``id``, its root ``resource_pool_id``)."""
        if name not in self._clusters:
            self._clusters[name] = vsphere.get_compute_cluster_output(
                name=name, datacenter_id=self.datacenter_id, opts=self._opts
            )
        return self._clusters[name]

    def datastore_id(self) -> pulumi.Output[str]:
        if self._datastore is None:
            self._datastore = vsphere.get_datastore_output(
                name=self.site.datastore, datacenter_id=self.datacenter_id, opts=self._opts
            )
        found: pulumi.Output[str] = self._datastore.id
        return found

    def template(self, name: str) -> Any:
        """The template ``name``: its id (what a clone names) and the hardware a clone keeps."""
        if name not in self._templates:
            self._templates[name] = vsphere.get_virtual_machine_output(
                name=name, datacenter_id=self.datacenter_id, opts=self._opts
            )
        return self._templates[name]

    def switch_id(self) -> pulumi.Output[str]:
        found: pulumi.Output[str] = vsphere.get_distributed_virtual_switch_output(
            name=self.site.distributed_switch, datacenter_id=self.datacenter_id, opts=self._opts
        ).id
        return found


def _field(item: Any, name: str, default: object) -> Any:
    """A field of a data source's nested result (a typed result, or a plain mapping offline)."""
    if isinstance(item, Mapping) and name in item:
        return item[name]
    return getattr(item, name, default)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def guest_metadata(hostname: str, address: str | None = None, gateway: str | None = None) -> str:
    """cloud-init's VMware-datasource metadata: the host name and, for a static address, a
    netplan v2 configuration of the VM's one interface (matched by driver, named ``uplink0``)."""
    meta: dict[str, Any] = {"local-hostname": hostname, "instance-id": hostname}
    if address is not None:
        ethernet: dict[str, Any] = {
            "match": {"name": "e*"},
            "set-name": "uplink0",
            "addresses": [address],
        }
        if gateway is not None:
            ethernet["routes"] = [{"to": "default", "via": gateway}]
        meta["network"] = {"version": 2, "ethernets": {"uplink0": ethernet}}
    return json.dumps(meta, sort_keys=True)


def clone_vm(
    ctx: SiteContext,
    inventory: Inventory,
    name: str,
    *,
    cluster: str,
    template: str,
    network_id: pulumi.Input[str],
    cpus: int,
    memory_mb: int,
    metadata: pulumi.Input[str],
    user_data: pulumi.Input[str] | None,
    annotation: pulumi.Input[str],
    guestinfo: Mapping[str, pulumi.Input[str]] | None = None,
    secret_user_data: bool = False,
    depends_on: Sequence[pulumi.Resource] = (),
    ignore: Sequence[str] = (),
) -> vsphere.VirtualMachine:
    """One VM cloned from ``template`` into ``cluster``'s root resource pool, on ``network_id``.

    The clone keeps the template's guest OS, SCSI controller, firmware, first disk and adapter
    type (the provider requires a clone to match them). Cloning is a vCenter operation: a site
    whose ``vcenter`` is an ESXi host fails here (docs/vsphere.md).
    """
    source = inventory.template(template)
    extra: dict[str, pulumi.Input[str]] = {
        "guestinfo.metadata": pulumi.Output.from_input(metadata).apply(_b64),
        "guestinfo.metadata.encoding": "base64",
        CLUSTER_KEY: cluster,
        **({HOSTED_KEY: inventory.site.hosted_on} if inventory.site.hosted_on else {}),
        **(guestinfo or {}),
    }
    if user_data is not None:
        extra["guestinfo.userdata"] = pulumi.Output.from_input(user_data).apply(_b64)
        extra["guestinfo.userdata.encoding"] = "base64"
    disk = source.disks.apply(lambda disks: disks[0] if disks else {})
    vm: vsphere.VirtualMachine = vsphere.VirtualMachine(
        name,
        name=name,
        resource_pool_id=inventory.cluster(cluster).resource_pool_id,
        datastore_id=inventory.datastore_id(),
        num_cpus=cpus,
        memory=memory_mb,
        guest_id=source.guest_id,
        scsi_type=source.scsi_type,
        firmware=source.firmware,
        annotation=annotation,
        network_interfaces=[
            vsphere.VirtualMachineNetworkInterfaceArgs(
                network_id=network_id,
                adapter_type=source.network_interface_types.apply(lambda t: t[0] if t else "vmxnet3"),
            )
        ],
        disks=[
            vsphere.VirtualMachineDiskArgs(
                label="disk0",
                size=disk.apply(lambda d: int(_field(d, "size", 0))),
                thin_provisioned=disk.apply(lambda d: bool(_field(d, "thin_provisioned", True))),
            )
        ],
        clone=vsphere.VirtualMachineCloneArgs(template_uuid=source.id),
        extra_config=extra,
        opts=ctx.opts(
            depends_on=list(depends_on),
            ignore_changes=[*PERPETUAL_DIFFS, *ignore],
            additional_secret_outputs=["extra_config"] if secret_user_data else None,
        ),
    )
    return vm
