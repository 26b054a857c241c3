"""Azure shape of a single server (a database member): a network security group admitting exactly
the spec's rules (and denying the rest of the virtual network, which Azure's default rules would
let in: AllowVnetInBound covers every range the VPN gateway routes), a NIC at its fixed private
address, and a VM whose managed OS disk is sized, encrypted at rest (Azure Storage server-side
encryption, always on; encryption at host where the site asks for it) and detached, not deleted,
when the VM goes; the VM is protected in Pulumi.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import pulumi

from ..hosts import HostHandle, HostSpec, HostTerms
from ..sdk import lazy_sdk
from ..site import SiteContext, SiteNetwork
from .app import image_reference
from .site import AzureSiteArgs

if TYPE_CHECKING:
    import pulumi_azure_native as azure
else:
    azure = lazy_sdk("pulumi_azure_native")

__all__ = ["HOST_TERMS", "RESERVED_TAIL", "create_host"]

HOST_TERMS = HostTerms(
    image="publisher:offer:sku:version or an image resource id",
    size="VM size",
    encryption="managed disk server-side encryption (platform-managed keys, always on; "
    "encryption_at_host where the site sets it)",
)
#: Azure keeps the last address of every subnet ("Are there any restrictions on using IP
#: addresses within these subnets?", Azure Virtual Network FAQ).
RESERVED_TAIL = 1
#: Below it, everything else inbound from the virtual network is refused.
_DENY_PRIORITY = 4000


def create_host(ctx: SiteContext, network: SiteNetwork, spec: HostSpec) -> HostHandle:
    site = ctx.site
    assert isinstance(site, AzureSiteArgs)
    key = site.admin_ssh_public_key
    if key is None:
        raise ValueError(f"site {site.name!r} has no admin_ssh_public_key")
    rg_name: pulumi.Output[str] = network.resources["resource_group"].name  # type: ignore[attr-defined]
    tags = {**ctx.tags, **spec.tags}
    rules: list[Any] = [
        azure.network.SecurityRuleArgs(
            name=f"port-{rule.port}",
            priority=100 + number,
            direction="Inbound",
            access="Allow",
            protocol="Tcp",
            source_port_range="*",
            source_address_prefixes=list(rule.sources),
            destination_address_prefix=spec.address,
            destination_port_range=str(rule.port),
            description=rule.description,
        )
        for number, rule in enumerate(spec.ingress)
    ]
    rules.append(
        azure.network.SecurityRuleArgs(
            name="deny-vnet",
            priority=_DENY_PRIORITY,
            direction="Inbound",
            access="Deny",
            protocol="*",
            source_port_range="*",
            source_address_prefix="VirtualNetwork",
            destination_address_prefix="*",
            destination_port_range="*",
            description="nothing else from the virtual network or the links",
        )
    )
    nsg = azure.network.NetworkSecurityGroup(
        ctx.name("nsg", spec.key),
        resource_group_name=rg_name,
        location=site.region,
        security_rules=rules,
        tags=tags,
        opts=ctx.opts(),
    )
    nic = azure.network.NetworkInterface(
        ctx.name("nic", spec.key),
        resource_group_name=rg_name,
        location=site.region,
        network_security_group=azure.network.NetworkSecurityGroupArgs(id=nsg.id),
        ip_configurations=[
            azure.network.NetworkInterfaceIPConfigurationArgs(
                name="ipconfig",
                primary=True,
                private_ip_allocation_method="Static",
                private_ip_address=spec.address,
                subnet=azure.network.SubnetArgs(id=network.subnet_ids[spec.subnet]),
            )
        ],
        tags=tags,
        opts=ctx.opts(),
    )
    name = ctx.name("vm", spec.key)
    admin = site.admin_username
    vm = azure.compute.VirtualMachine(
        name,
        resource_group_name=rg_name,
        location=site.region,
        zones=[spec.zone],
        hardware_profile=azure.compute.HardwareProfileArgs(vm_size=spec.size),
        os_profile=azure.compute.OSProfileArgs(
            computer_name=name[:64],
            admin_username=admin,
            custom_data=spec.user_data.apply(lambda text: base64.b64encode(text.encode()).decode()),
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
        storage_profile=azure.compute.StorageProfileArgs(
            image_reference=image_reference(spec.image),
            os_disk=azure.compute.OSDiskArgs(
                create_option="FromImage",
                caching="ReadWrite",
                disk_size_gb=spec.disk_gb,
                delete_option="Detach",
                managed_disk=azure.compute.ManagedDiskParametersArgs(storage_account_type="Premium_LRS"),
            ),
        ),
        security_profile=azure.compute.SecurityProfileArgs(
            encryption_at_host=site.encryption_at_host,
            security_type="TrustedLaunch",
            uefi_settings=azure.compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True),
        ),
        network_profile=azure.compute.NetworkProfileArgs(
            network_interfaces=[azure.compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True)]
        ),
        tags=tags,
        opts=ctx.opts(protect=True),
    )
    address: pulumi.Output[str] = nic.ip_configurations.apply(
        lambda configs: str((configs or [])[0].private_ip_address or spec.address)
    )
    return HostHandle(spec.key, address, {"security_group": nsg, "nic": nic, "instance": vm})
