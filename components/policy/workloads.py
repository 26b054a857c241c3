"""Security rules for compute and load balancers: encrypted volumes, no public addresses on
instances, a bounded metadata hop limit, no project-wide SSH keys, no plain-HTTP listeners.

What each vendor's resources say is its policy reader's part of the rule (wire names, camelCase,
read from the installed SDKs: ``pulumi_aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs`` …).
Where a vendor's default is the weak choice, *omitting* the property fails too, and the message
says what the default does.

Each rule names the comparable check of common scanners (``equivalents``; docs/policies.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import readers
from .rule import Kind, Level, Resource, Rule, Setting, Severity
from .topics import topic_rule

__all__ = ["RULES"]


# -- volumes encrypted --------------------------------------------------------------------------


def _check_volumes(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Each reader says what leaves its disks unencrypted (an omitted flag whose default is
    unencrypted, a host that keeps temp disks in the clear)."""
    reader = readers.reader_of(res.type, "volume_types")
    if reader is None:
        return
    for clause in reader.volumes(res, bool(cfg["accountDefaultEncryption"])):
        yield f"{res.type} {res.name!r}: {clause}"


VOLUMES_ENCRYPTED = Rule(
    name="skyweave-security-volumes-encrypted",
    description="Every EBS volume is encrypted: standalone volumes, instances' root and EBS devices, launch "
    "templates' block device mappings and launch configurations' devices, including when `encrypted` is "
    "omitted (AWS's default is unencrypted); Azure VMs and scale sets encrypt at host, so their temp "
    "disks and disk caches are encrypted too (Azure's default encrypts only the managed disks).",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_volumes,
    types=readers.ReaderTypes("volume_types"),
    settings=(
        Setting(
            "accountDefaultEncryption",
            {"type": "boolean"},
            False,
            "Every account of the estate enables EBS encryption by default (aws.ebs.EncryptionByDefault), "
            "so an omitted `encrypted` counts as encrypted; an explicit false still fails.",
        ),
    ),
    remediation="Set encrypted=True on aws.ebs.Volume, root_block_device / ebs_block_devices; in a launch "
    "template map the AMI's root device: block_device_mappings=[{'device_name': <root device>, 'ebs': "
    "{'encrypted': 'true'}}]. On Azure set securityProfile.encryptionAtHost: true (register the "
    "subscription's Microsoft.Compute/EncryptionAtHost feature first).",
    severity=Severity.HIGH,
    equivalents=(
        "checkov CKV_AWS_3, CKV_AWS_8, CKV_AZURE_97",
        "trivy AVD-AWS-0026 (aws-ec2-enable-volume-encryption), "
        "AVD-AWS-0131 (aws-ec2-enable-at-rest-encryption), "
        "AVD-AWS-0008 (aws-ec2-enable-launch-config-at-rest-encryption)",
    ),
)

# -- public addresses on instances --------------------------------------------------------------


def _check_public_ips(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Each reader says what gives its instances a public address of their own."""
    reader = readers.reader_of(res.type, "public_address_types")
    if reader is None:
        return
    for clause in reader.public_addresses(res):
        yield f"{res.type} {res.name!r}: {clause}"


PUBLIC_IPS = Rule(
    name="skyweave-security-no-public-ip-on-instances",
    description="Instances and instance templates get no public address of their own (AWS "
    "associatePublicIpAddress, GCP accessConfigs, an Azure network interface's publicIPAddress): they "
    "are reached through load balancers, VPNs or NAT.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_public_ips,
    types=readers.ReaderTypes("public_address_types"),
    remediation="Drop associate_public_ip_address / access_configs; put the service behind a load balancer "
    "and give instances outbound access through a NAT gateway (AWS) or Cloud NAT (GCP).",
    severity=Severity.HIGH,
    equivalents=(
        "checkov CKV_AWS_88, CKV_GCP_40, CKV_AZURE_119",
        "trivy AVD-AWS-0009 (aws-ec2-no-public-ip), AVD-GCP-0031 (google-compute-no-public-ip)",
    ),
)

# -- IMDS hop limit -----------------------------------------------------------------------------


IMDS_HOP_LIMIT = topic_rule(
    "security-imds-hop-limit",
    description="AWS instances, launch templates and launch configurations keep the metadata response hop "
    "limit at maxHopLimit or less, so only the instance itself can obtain an IMDSv2 token.",
    level=Level.ADVISORY,
    kind=Kind.RESOURCE,
    settings=(
        Setting(
            "maxHopLimit",
            {"type": "integer", "minimum": 1, "maximum": 64},
            1,
            "Largest httpPutResponseHopLimit allowed (2 where containers must reach the metadata service).",
        ),
    ),
    remediation="Set metadata_options http_put_response_hop_limit=1 (2 only where containers on the host "
    "need instance credentials).",
    severity=Severity.LOW,
    equivalents=("checkov CKV_AWS_341", "AWS Config EC2_TOKEN_HOP_LIMIT_CHECK"),
)

# -- project-wide SSH keys ----------------------------------------------------------------------


PROJECT_SSH_KEYS = topic_rule(
    "security-gcp-no-project-ssh-keys",
    description="GCP instances and instance templates block project-wide SSH keys (metadata "
    "block-project-ssh-keys), so one leaked project key does not open every VM.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set metadata={'block-project-ssh-keys': 'TRUE'} (and prefer OS Login: enable-oslogin).",
    severity=Severity.MEDIUM,
    equivalents=("checkov CKV_GCP_32", "trivy AVD-GCP-0030 (google-compute-no-project-wide-ssh-keys)"),
)

# -- plain-HTTP listeners -----------------------------------------------------------------------


PLAIN_HTTP = topic_rule(
    "security-no-plain-http-listeners",
    description="No load balancer serves plain HTTP: an AWS HTTP listener (or one without a protocol on "
    "an application load balancer, whose default is HTTP) only redirects to HTTPS, a GCP "
    "target HTTP proxy only redirects (URL map httpsRedirect), an Octavia HTTP listener has an L7 policy "
    "redirecting to https://.",
    level=Level.MANDATORY,
    kind=Kind.STACK,
    remediation="Serve HTTPS (an ACM certificate on an HTTPS listener, a target HTTPS proxy, a "
    "TERMINATED_HTTPS listener) and turn the HTTP listener into a redirect to HTTPS.",
    severity=Severity.HIGH,
    equivalents=("checkov CKV_AWS_2, CKV2_AWS_20", "trivy AVD-AWS-0054 (aws-elb-http-not-used)"),
)

RULES: tuple[Rule, ...] = (VOLUMES_ENCRYPTED, PUBLIC_IPS, IMDS_HOP_LIMIT, PROJECT_SSH_KEYS, PLAIN_HTTP)
