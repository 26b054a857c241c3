"""The Pulumi twin of main.tf: the same resources, the same names, the same settings.
Accounts and machines are kept well except where their names say otherwise."""

import pulumi
import pulumi_azure_native as azure

KEEP = pulumi.ResourceOptions(protect=True)
NETWORK = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Network"
SUBNET = f"{NETWORK}/virtualNetworks/vnet/subnets/app"
IMAGE = {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"}
SSH_KEY = {"path": "/home/app/.ssh/authorized_keys", "key_data": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB app"}
config = pulumi.Config()

azure.network.NetworkSecurityGroup(
    "nsg_ssh",
    network_security_group_name="ssh",
    resource_group_name="rg",
    security_rules=[
        {
            "name": "ssh",
            "priority": 100,
            "direction": "Inbound",
            "access": "Allow",
            "protocol": "Tcp",
            "source_port_range": "*",
            "destination_port_range": "22",
            "source_address_prefix": "*",
            "destination_address_prefix": "*",
        }
    ],
)
azure.network.SecurityRule(
    "rule_rdp",
    security_rule_name="rdp",
    resource_group_name="rg",
    network_security_group_name="app",
    priority=110,
    direction="Inbound",
    access="Allow",
    protocol="Tcp",
    source_port_range="*",
    destination_port_range="3389",
    source_address_prefix="Internet",
    destination_address_prefix="*",
)


def account(name: str, account_name: str, **settings: object) -> azure.storage.StorageAccount:
    kept = {
        "enable_https_traffic_only": True,
        "minimum_tls_version": "TLS1_2",
        "allow_blob_public_access": False,
    }
    return azure.storage.StorageAccount(
        name,
        account_name=account_name,
        resource_group_name="rg",
        kind="StorageV2",
        sku={"name": "Standard_GRS"},
        **{**kept, **settings},
        opts=KEEP,
    )


account("account_http", "twinhttp", enable_https_traffic_only=False)
account("account_old_tls", "twinoldtls", minimum_tls_version="TLS1_0")
account("account_public", "twinpublic", allow_blob_public_access=True)
kept = account("account_kept", "twinkept")
# Terraform's blob_properties block of the account is a resource of its own in azure-native.
azure.storage.BlobServiceProperties(
    "account_kept_blob_service",
    account_name=kept.name,
    resource_group_name="rg",
    blob_services_name="default",
    is_versioning_enabled=True,
)
azure.storage.BlobContainer(
    "container_public",
    container_name="site",
    account_name=kept.name,
    resource_group_name="rg",
    public_access="Blob",
    opts=KEEP,
)
azure.compute.VirtualMachine(
    "vm_password",
    vm_name="vm",
    resource_group_name="rg",
    hardware_profile={"vm_size": "Standard_D2s_v5"},
    os_profile={
        "computer_name": "vm",
        "admin_username": "app",
        "admin_password": config.require_secret("adminPassword"),
        "linux_configuration": {"disable_password_authentication": False},
    },
    security_profile={"encryption_at_host": True},
    storage_profile={
        "image_reference": IMAGE,
        "os_disk": {"create_option": "FromImage", "caching": "ReadWrite"},
    },
    network_profile={"network_interfaces": [{"id": f"{NETWORK}/networkInterfaces/vm"}]},
)
azure.compute.VirtualMachineScaleSet(
    "scale_set_unencrypted_host",
    vm_scale_set_name="ss",
    resource_group_name="rg",
    sku={"name": "Standard_D2s_v5", "capacity": 2},
    upgrade_policy={"mode": "Manual"},
    virtual_machine_profile={
        "os_profile": {
            "computer_name_prefix": "ss",
            "admin_username": "app",
            "linux_configuration": {
                "disable_password_authentication": True,
                "ssh": {"public_keys": [SSH_KEY]},
            },
        },
        "security_profile": {"encryption_at_host": False},
        "storage_profile": {
            "image_reference": IMAGE,
            "os_disk": {"create_option": "FromImage", "caching": "ReadWrite"},
        },
        "network_profile": {
            "network_interface_configurations": [
                {
                    "name": "nic",
                    "primary": True,
                    "ip_configurations": [{"name": "ip", "primary": True, "subnet": {"id": SUBNET}}],
                }
            ]
        },
    },
)
azure.network.NetworkInterface(
    "nic_public",
    network_interface_name="vm-nic",
    resource_group_name="rg",
    ip_configurations=[
        {
            "name": "ip",
            "subnet": {"id": SUBNET},
            "private_ip_allocation_method": "Dynamic",
            "public_ip_address": {"id": f"{NETWORK}/publicIPAddresses/vm-ip"},
        }
    ],
)
azure.sql.FirewallRule(
    "sql_firewall_everyone",
    firewall_rule_name="everyone",
    resource_group_name="rg",
    server_name="app",
    start_ip_address="0.0.0.0",
    end_ip_address="255.255.255.255",
)
