"""Azure rules with no counterpart on other vendors: the VPN gateway's own high availability, a
storage account's transport security and password SSH login on Linux VMs.

What Azure shares with the other vendors is judged by the same rules as theirs: NSG rules by
``skyweave-security-no-open-admin-ports``, connections' IPsec/IKE policies by
``skyweave-security-no-weak-ike``, public blob access by ``skyweave-security-no-public-buckets``,
encryption at host by ``skyweave-security-volumes-encrypted``, Blob versioning by
``skyweave-security-storage-versioned``; scale sets' zones, Azure tunnel counts and the Traffic
Manager and Blob copies through the Azure reader (``drivers/azure/reader.py``) of the redundancy
rules. The properties these two rules read are the Azure reader's part of them (its ``check``).

Vendor facts the rules rest on (cited in docs/policies.md and docs/azure.md):

* a VPN gateway that is not active-active runs one instance at a time: a planned maintenance or
  an unplanned failover drops every tunnel until the standby takes over
  (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-highlyavailable); only the ``…AZ``
  SKUs are zone-redundant (https://learn.microsoft.com/azure/vpn-gateway/about-zone-redundant-vnet-gateways);
* ``enableHttpsTrafficOnly: false`` serves blobs over plain HTTP; TLS 1.0 and 1.1 are retired.
"""

from __future__ import annotations

from .rule import Kind, Level, Rule, Severity
from .topics import topic_rule

__all__ = ["RULES"]


VPN_GATEWAY = topic_rule(
    "redundancy-azure-vpn-gateway",
    description="Every Azure VPN gateway is active-active (both instances carry tunnels, so one "
    "instance's maintenance or failure drops none) on a zone-redundant AZ SKU. How many tunnels each "
    "link has is skyweave-redundancy-vpn-tunnels'.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set activeActive: true with two ipConfigurations (a Standard public address each) and "
    "an AZ SKU (sku.name and sku.tier VpnGw1AZ-VpnGw5AZ); links then take one connection per peer "
    "address (four to AWS, two to GCP HA VPN, one per on-prem device).",
    severity=Severity.HIGH,
    equivalents=("PSRule for Azure Azure.VNG.VPNActiveActive, Azure.VNG.VPNAvailabilityZoneSKU",),
)

# -- storage accounts: HTTPS and TLS ----------------------------------------------------------------


STORAGE_TRANSPORT = topic_rule(
    "security-azure-storage-secure-transfer",
    description="Azure storage accounts accept HTTPS only (enableHttpsTrafficOnly is not false) and no "
    "TLS older than 1.2.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set enableHttpsTrafficOnly: true and minimumTlsVersion: TLS1_2 on the storage account.",
    severity=Severity.HIGH,
    equivalents=(
        "checkov CKV_AZURE_3, CKV_AZURE_44",
        "trivy AVD-AZU-0008 (azure-storage-enforce-https), "
        "AVD-AZU-0011 (azure-storage-use-secure-tls-policy)",
    ),
)

# -- Linux VMs: SSH keys only ------------------------------------------------------------------------


PASSWORD_SSH = topic_rule(
    "security-azure-no-password-ssh",
    description="Linux VMs and scale sets disable password authentication "
    "(linuxConfiguration.disablePasswordAuthentication), so SSH accepts keys only.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set os_profile.linux_configuration.disable_password_authentication=True with "
    "ssh.public_keys, and drop admin_password.",
    severity=Severity.HIGH,
    equivalents=("checkov CKV_AZURE_1, CKV_AZURE_149",),
)

RULES: tuple[Rule, ...] = (STORAGE_TRANSPORT, VPN_GATEWAY, PASSWORD_SSH)
