"""Security rules: what must hold for each resource on its own (storage settings: storage.py).

Each check recognises the plain provider resources — a user's own ``aws.ec2.SecurityGroup`` is
checked exactly like one a skyweave component created — reads properties with :func:`get` (a
missing property is ``None``, never a crash) and names the property path it objects to.

Vendor facts the defaults rest on (cited in docs/policies.md):
* AWS Site-to-Site VPN tunnel options default to IKEv1 *and* IKEv2, SHA1 among the integrity
  algorithms and DH group 2 among the groups — leaving them unset permits a weak proposal.
* Neutron VPNaaS defaults to IKEv1, ``sha1`` and PFS ``group5``.
* GCP Cloud VPN tunnels default to IKEv2.
* An Azure VPN connection without ``ipsecPolicies`` offers Azure's default proposals, which
  include SHA1 and DH group 2
  (https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-compliance-crypto); Azure's
  ``DHGroup2048`` and ``PFS2048`` are group 14.
* An Azure NSG rule's source ``*``, ``Internet`` or ``Any`` is the whole internet, as 0.0.0.0/0
  is. azure-native flattens ARM's ``properties``: a rule's ``sourceAddressPrefix`` is a top-level
  key of the rule.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .rule import (
    SECRET_MASK,
    Kind,
    Level,
    Resource,
    Rule,
    Setting,
    Severity,
    UnknownValue,
    as_int,
    get,
    is_unknown,
    items,
)

__all__ = ["ADMIN_PORTS", "RULES", "STATEFUL_TYPES"]

#: SSH, RDP and the default ports of common databases / data stores.
ADMIN_PORTS: tuple[int, ...] = (22, 3389, 3306, 5432, 1433, 1521, 27017, 6379, 9200, 9300, 5984, 11211, 9042)

# -- open ports ---------------------------------------------------------------------------------

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
GCP_FIREWALL = "gcp:compute/firewall:Firewall"
OS_SG_RULE = "openstack:networking/secGroupRule:SecGroupRule"
AZ_NSG = "azure-native:network:NetworkSecurityGroup"
AZ_NSG_RULE = "azure-native:network:SecurityRule"
#: Azure's names for every source address, besides the /0 networks.
_AZ_WORLD = frozenset({"*", "internet", "any", "0.0.0.0", "::"})


def _world(cidr: Any) -> bool:
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _all_protocols(protocol: Any) -> bool:
    return protocol is None or str(protocol).lower() in {"-1", "all"}


def _exposed(low: Any, high: Any, protocol: Any, ports: Sequence[int]) -> list[int]:
    """Which of ``ports`` the range ``low``..``high`` opens (all of them for "all protocols")."""
    if _all_protocols(protocol):
        return list(ports)
    if str(protocol).lower() in {"icmp", "icmpv6", "1", "58"}:
        return []
    low, high = as_int(low), as_int(high)
    if low is None and high is None:
        return list(ports)
    lo = low if low is not None else high
    hi = high if high is not None else low
    assert lo is not None and hi is not None
    if lo in (0, -1) and hi in (0, -1, 65535):
        return list(ports)
    return [p for p in ports if lo <= p <= hi]


def _gcp_ports(spec: Any) -> list[tuple[int, int]] | None:
    """GCP ``allows[].ports``: ``["22", "8000-8080"]``; ``None`` means every port."""
    ports = items(spec, "ports")
    if not ports:
        return None
    ranges = []
    for port in ports:
        low, _, high = str(port).partition("-")
        lo, hi = as_int(low), as_int(high or low)
        if lo is not None and hi is not None:
            ranges.append((lo, hi))
    return ranges


def _nsg_port_ranges(rule: Any) -> list[tuple[int, int]] | None:
    """The destination ports of an Azure NSG rule as ranges; ``None`` means every port (``*``)."""
    values = [get(rule, "destinationPortRange"), *items(rule, "destinationPortRanges")]
    ranges: list[tuple[int, int]] = []
    for value in values:
        if value is None:
            continue
        text = str(value).strip()
        if text in ("*", "0-65535"):
            return None
        low, _, high = text.partition("-")
        lo, hi = as_int(low), as_int(high or low)
        if lo is not None and hi is not None:
            ranges.append((lo, hi))
    return ranges or None


def _nsg_opened(rule: Any, ports: Sequence[int]) -> tuple[list[int], str] | None:
    """The admin ports an inbound Allow NSG rule opens to the internet, and the source it names."""
    if str(get(rule, "direction", default="")).lower() != "inbound":
        return None
    if str(get(rule, "access", default="")).lower() != "allow":
        return None
    if str(get(rule, "protocol", default="*")).lower() in ("icmp", "esp", "ah"):
        return None
    sources = [get(rule, "sourceAddressPrefix"), *items(rule, "sourceAddressPrefixes")]
    world = [str(s) for s in sources if s is not None and (str(s).strip().lower() in _AZ_WORLD or _world(s))]
    if not world:
        return None
    ranges = _nsg_port_ranges(rule)
    opened = [p for p in ports if ranges is None or any(lo <= p <= hi for lo, hi in ranges)]
    return (opened, world[0]) if opened else None


def _check_open_ports(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    ports = [p for p in (as_int(v) for v in cfg["ports"]) if p is not None]
    props = res.props

    def report(where: str, opened: list[int], cidr: str) -> str:
        listed = ", ".join(map(str, sorted(set(opened))))
        return f"{res.type} {res.name!r}: {where} opens port(s) {listed} to {cidr}"

    if res.type == SG:
        for i, rule in enumerate(items(props, "ingress")):
            cidrs = [*items(rule, "cidrBlocks"), *items(rule, "ipv6CidrBlocks")]
            for cidr in filter(_world, cidrs):
                opened = _exposed(get(rule, "fromPort"), get(rule, "toPort"), get(rule, "protocol"), ports)
                if opened:
                    yield report(f"ingress[{i}]", opened, cidr)
    elif res.type == SG_RULE:
        if get(props, "type") != "ingress":
            return
        cidrs = [*items(props, "cidrBlocks"), *items(props, "ipv6CidrBlocks")]
        for cidr in filter(_world, cidrs):
            opened = _exposed(get(props, "fromPort"), get(props, "toPort"), get(props, "protocol"), ports)
            if opened:
                yield report("the rule", opened, cidr)
    elif res.type == SG_INGRESS:
        for cidr in filter(_world, (get(props, "cidrIpv4"), get(props, "cidrIpv6"))):
            opened = _exposed(get(props, "fromPort"), get(props, "toPort"), get(props, "ipProtocol"), ports)
            if opened:
                yield report("the rule", opened, cidr)
    elif res.type == GCP_FIREWALL:
        if str(get(props, "direction", default="INGRESS")).upper() != "INGRESS" or get(props, "disabled"):
            return
        sources = items(props, "sourceRanges")
        if not sources and not items(props, "sourceTags") and not items(props, "sourceServiceAccounts"):
            # GCP applies an ingress rule without any source to every IPv4 source (hashicorp/
            # terraform-provider-google#6789: "source_ranges defaults to 0.0.0.0/0").
            sources = ["0.0.0.0/0"]
        for cidr in filter(_world, sources):
            for i, allow in enumerate(items(props, "allows")):
                protocol = get(allow, "protocol")
                ranges = _gcp_ports(allow)
                if ranges is None:
                    opened = _exposed(None, None, protocol, ports)
                elif str(protocol).lower() in {"tcp", "udp", "sctp", "all"}:
                    opened = [p for p in ports if any(lo <= p <= hi for lo, hi in ranges)]
                else:
                    opened = []
                if opened:
                    yield report(f"allows[{i}]", opened, cidr)
    elif res.type == OS_SG_RULE:
        if get(props, "direction") != "ingress":
            return
        prefix = get(props, "remoteIpPrefix")
        remote_group = get(props, "remoteGroupId") or get(props, "remoteAddressGroupId")
        if prefix is None and remote_group is None:
            prefix = "::/0" if get(props, "ethertype") == "IPv6" else "0.0.0.0/0"
        if _world(prefix):
            opened = _exposed(
                get(props, "portRangeMin"), get(props, "portRangeMax"), get(props, "protocol"), ports
            )
            if opened:
                yield report("the rule", opened, str(prefix))
    elif res.type == AZ_NSG:
        unknown: UnknownValue | None = None  # a rule a preview cannot judge: the others still are
        for i, rule in enumerate(items(props, "securityRules")):
            try:
                found = _nsg_opened(rule, ports)
            except UnknownValue as exc:
                unknown = unknown or UnknownValue(["securityRules", i, *exc.path.split(".")])
                continue
            if found:
                try:
                    label = get(rule, "name", default=i)
                except UnknownValue:
                    label = i  # only the message names it
                yield report(f"securityRules[{i}] ({label})", *found)
        if unknown is not None:
            raise unknown
    elif res.type == AZ_NSG_RULE:
        found = _nsg_opened(props, ports)
        if found:
            yield report("the rule", *found)


OPEN_PORTS = Rule(
    name="skyweave-security-no-open-admin-ports",
    description="No SSH, RDP or database port is open to the whole internet (0.0.0.0/0 or ::/0; for an "
    "Azure NSG rule also the sources *, Internet and Any).",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_open_ports,
    types=frozenset({SG, SG_RULE, SG_INGRESS, GCP_FIREWALL, OS_SG_RULE, AZ_NSG, AZ_NSG_RULE}),
    settings=(
        Setting(
            "ports",
            {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}},
            list(ADMIN_PORTS),
            "Ports that must never be reachable from 0.0.0.0/0 or ::/0.",
        ),
    ),
    remediation="Restrict the source to known ranges (a VPN, a bastion's address) or use a "
    "session manager (Azure Bastion) instead of an open port.",
    severity=Severity.CRITICAL,
    equivalents=(
        "checkov CKV_AWS_24, CKV_AWS_25, CKV_AWS_277, CKV_GCP_2, CKV_GCP_3, CKV_OPENSTACK_2, "
        "CKV_OPENSTACK_3, CKV_AZURE_9, CKV_AZURE_10",
        "trivy AVD-AWS-0107 (aws-ec2-no-public-ingress-sgr), "
        "AVD-GCP-0027 (google-compute-no-public-ingress), "
        "AVD-OPNSTK-0003 (openstack-networking-no-public-ingress), "
        "AVD-AZU-0047 (azure-network-no-public-ingress)",
    ),
)

# -- stateful resources protected ---------------------------------------------------------------

STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:dynamodb/table:Table",
        "aws:ebs/volume:Volume",
        "aws:efs/fileSystem:FileSystem",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "gcp:sql/databaseInstance:DatabaseInstance",
        "gcp:storage/bucket:Bucket",
        "gcp:compute/disk:Disk",
        "gcp:compute/regionDisk:RegionDisk",
        "openstack:blockstorage/volume:Volume",
        "openstack:objectstorage/container:Container",
        "azure-native:storage:StorageAccount",
        "azure-native:storage:BlobContainer",
        "azure-native:compute:Disk",
    }
)


def _check_protected(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    wanted = STATEFUL_TYPES | frozenset(cfg["extraTypes"])
    if res.type in wanted and not res.protect:
        yield f"{res.type} {res.name!r} holds data but is not protected (protect=True)"


PROTECTED = Rule(
    name="skyweave-security-stateful-protected",
    description="Resources that hold data (databases, buckets, volumes) are registered with protect=True, "
    "so no update or destroy can delete them by accident.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_protected,
    settings=(
        Setting(
            "extraTypes",
            {"type": "array", "items": {"type": "string"}},
            [],
            "More type tokens to treat as stateful.",
        ),
    ),
    remediation="Pass opts=pulumi.ResourceOptions(protect=True); unprotect deliberately before deleting.",
    severity=Severity.MEDIUM,
)

# -- secrets in plain text ----------------------------------------------------------------------

_PEM_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
#: AWS access key ids: long-term (AKIA) and temporary (ASIA) ones.
_AWS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")
_SECRET_NAMES = re.compile(
    r"(?:^|_)(psk|pre_?shared_?key|shared_?secret|private_?key|password|passwd|admin_?pass|secret|"
    r"secret_?key|secret_?access_?key|client_?secret|api_?key|auth_?token|access_?token)$"
)
#: A value that refers to a secret kept elsewhere (or a variable) is not a secret itself.
_REFERENCE = re.compile(
    r"^(?:\$|\{\{|%\(|<|arn:aws:(?:secretsmanager|ssm|kms):|projects/[^/]+/secrets/|vault:)"
)
#: ``NAME=value`` / ``name: value`` lines of a script or cloud-config.
_ASSIGNMENT = re.compile(
    r"""^\s*(?:-\s+)?(?:export\s+|set\s+|ENV\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*["']?([^\s"'#]+)""",
    re.MULTILINE,
)
#: Properties that carry a script or user data (text the rule reads line by line).
_SCRIPT_KEYS = frozenset(
    {
        "userData",
        "userDataBase64",
        "metadataStartupScript",
        "startup-script",
        "user-data",
        "windows-startup-script-ps1",
        "sysprep-specialize-script-ps1",
    }
)
_COMMAND_TYPES = frozenset({"command:remote:Command", "command:local:Command"})
_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]+={0,2}\s*$")
_MAX_DEPTH = 8
_MAX_TEXT = 200_000


def _snake(key: str) -> str:
    """``dbPassword`` → ``db_password``; ``DB_PASSWORD`` and ``db-password`` keep their words."""
    if key.isupper() or "_" in key or "-" in key:
        return key.lower().replace("-", "_").replace(".", "_")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _secret_name(key: str) -> bool:
    return bool(_SECRET_NAMES.search(_snake(key)))


def _walk(value: Any, path: str, key: str, depth: int) -> Iterator[tuple[str, str, str]]:
    """(path, key, string value) for every known string under ``value``.

    A ``{"name": …, "value": …}`` pair (ECS, Cloud Run and Kubernetes environment entries) is
    read as ``name = value``; a string holding JSON (ECS ``containerDefinitions``) is parsed. A
    value unknown in this preview is skipped: a provider computes it, so the program did not
    write a secret into it.
    """
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        if is_unknown(value):
            return
        stripped = value.lstrip()
        if stripped[:1] in ("[", "{") and len(value) < _MAX_TEXT:
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                yield from _walk(parsed, path, key, depth + 1)
                return
        yield path, key, value
    elif isinstance(value, Mapping):
        keys = set(value)  # not `"name" in value`: an SDK proxy raises on an unknown value there
        try:
            pair_name = get(value, "name") if {"name", "value"} <= keys else None
        except UnknownValue:  # a pair whose name is unknown: its value is read under "value"
            pair_name = None
        for inner_key in value:
            try:
                inner = get(value, inner_key)
            except UnknownValue:
                continue
            leaf = str(inner_key)
            if isinstance(pair_name, str) and inner_key == "value":
                leaf = pair_name
            yield from _walk(inner, f"{path}.{inner_key}" if path else str(inner_key), leaf, depth + 1)
    elif isinstance(value, Sequence) and not isinstance(value, bytes):
        for i in range(len(value)):
            try:
                inner = get(value, i)
            except UnknownValue:
                continue
            yield from _walk(inner, f"{path}[{i}]", key, depth + 1)


def _script_text(key: str, text: str, res_type: str) -> str:
    """User data as the instance sees it: decoded when the property carries base64."""
    encoded = key == "userDataBase64" or (
        res_type == "aws:ec2/launchTemplate:LaunchTemplate" and key == "userData"
    )
    if encoded and _BASE64.match(text) and len(text.strip()) % 4 == 0:
        try:
            return base64.b64decode(text, validate=False).decode("utf-8", errors="replace")
        except (ValueError, binascii.Error):
            return text
    return text


def _secret_value(text: str) -> bool:
    return len(text) >= 4 and not _REFERENCE.match(text) and text != SECRET_MASK and not is_unknown(text)


def _check_plaintext_secrets(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    allowed = frozenset(cfg["allowedProperties"])
    where = f"{res.type} {res.name!r}"
    for key in res.props:
        if key in res.secret_outputs or key in allowed:
            continue
        try:
            value = get(res.props, key)
        except UnknownValue:
            continue
        for path, leaf, text in _walk(value, key, key, 0):
            if not text or text == SECRET_MASK:
                continue
            if _PEM_KEY.search(text):
                yield f"{where}: {path} holds a private key in plain text"
            elif _AWS_KEY_ID.search(text):
                yield f"{where}: {path} holds an AWS access key id (AKIA…/ASIA…) in plain text"
            elif _secret_name(leaf) and _secret_value(text):
                yield f"{where}: {path} looks like a key or password and is not a secret"
            elif leaf in _SCRIPT_KEYS or (
                res.type in _COMMAND_TYPES and leaf in ("create", "update", "delete")
            ):
                script = _script_text(leaf, text, res.type)
                if script is not text and (_PEM_KEY.search(script) or _AWS_KEY_ID.search(script)):
                    yield f"{where}: {path} (decoded) holds a private key or an AWS access key id"
                    continue
                named = sorted(
                    {m.group(1) for m in _ASSIGNMENT.finditer(script[:_MAX_TEXT]) if _secret_name(m.group(1))
                     and _secret_value(m.group(2))}
                )  # fmt: skip
                if named:
                    yield f"{where}: {path} sets {', '.join(named)} in plain text"


PLAINTEXT_SECRETS = Rule(
    name="skyweave-security-no-plaintext-secrets",
    description="No pre-shared key, password, API key, private key or AWS access key is passed in plain "
    "text — not as a property, not in user data or a startup script, not in an environment variable: "
    "such values are Pulumi secrets (or live in a secret store), so they are encrypted in state and "
    "masked in output.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_plaintext_secrets,
    settings=(
        Setting(
            "allowedProperties",
            {"type": "array", "items": {"type": "string"}},
            [],
            "Top-level property names never to flag (e.g. a public key field named like a secret).",
        ),
    ),
    remediation="Wrap the value with pulumi.Output.secret(...) or generate it (pulumi_random) and, for a "
    "property the provider does not mark secret, add it to additional_secret_outputs; in user data and "
    "environment variables, fetch the secret at boot from a secret store (Secrets Manager, Secret "
    "Manager, Barbican) instead of writing it in. The engine hands a pack secret values unwrapped, so "
    "the pack trusts a property only when the provider or the program lists it in "
    "additional_secret_outputs.",
    severity=Severity.CRITICAL,
    equivalents=(
        "checkov CKV_AWS_46, CKV_AWS_45, CKV_AWS_41, CKV_OPENSTACK_4",
        "trivy AVD-AWS-0029 (aws-ec2-no-secrets-in-user-data), AVD-AWS-0129, AVD-AWS-0036 "
        "(aws-ecs-no-plaintext-secrets), AVD-OPNSTK-0001",
    ),
)

# -- IMDSv2 -------------------------------------------------------------------------------------

EC2_INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"


def _check_imdsv2(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if get(res.props, "metadataOptions", "httpEndpoint") == "disabled":
        return
    tokens = get(res.props, "metadataOptions", "httpTokens")
    if tokens != "required":
        shown = "unset (AWS then accepts IMDSv1)" if tokens is None else repr(tokens)
        yield f"{res.type} {res.name!r}: metadataOptions.httpTokens is {shown}; it must be 'required'"


IMDSV2 = Rule(
    name="skyweave-security-imdsv2-required",
    description="AWS instances, launch templates and launch configurations require IMDSv2 "
    "(metadataOptions.httpTokens = 'required'), so a server-side request forgery cannot read instance "
    "credentials.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_imdsv2,
    types=frozenset({EC2_INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION}),
    remediation="Set metadata_options={'http_tokens': 'required', 'http_endpoint': 'enabled'}.",
    severity=Severity.HIGH,
    equivalents=(
        "checkov CKV_AWS_79",
        "trivy AVD-AWS-0028 (aws-ec2-enforce-http-token-imds), AVD-AWS-0130 "
        "(aws-ec2-enforce-launch-config-http-token-imds)",
    ),
)

# -- weak IKE / IPsec ---------------------------------------------------------------------------

AWS_VPN = "aws:ec2/vpnConnection:VpnConnection"
GCP_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
OS_IKE = "openstack:vpnaas/ikePolicy:IkePolicy"
OS_IPSEC = "openstack:vpnaas/ipSecPolicy:IpSecPolicy"
AZ_CONNECTION = "azure-native:network:VirtualNetworkGatewayConnection"
_WEAK_INTEGRITY = {"sha1", "md5", "sha-1"}
#: Azure's group names → the Diffie-Hellman group they are (DHGroup2048 and PFS2048 are group 14).
_AZ_GROUPS = {
    "dhgroup1": 1,
    "dhgroup2": 2,
    "dhgroup14": 14,
    "dhgroup2048": 14,
    "dhgroup24": 24,
    "ecp256": 19,
    "ecp384": 20,
    "pfs1": 1,
    "pfs2": 2,
    "pfs14": 14,
    "pfs2048": 14,
    "pfs24": 24,
}
_AZ_WEAK_ENCRYPTION = {"des", "des3", "none"}


def _group_number(value: Any) -> int | None:
    match = re.search(r"\d+", str(value))
    return int(match.group()) if match else None


def _check_azure_ike(res: Resource, min_group: int) -> Iterator[str]:
    props = res.props
    where = f"{res.type} {res.name!r}"
    if str(get(props, "connectionType", default="IPsec")).lower() not in ("ipsec", "vnet2vnet"):
        return
    if str(get(props, "connectionProtocol", default="")).lower() == "ikev1":
        yield f"{where}: connectionProtocol is IKEv1; use IKEv2"
    policies = items(props, "ipsecPolicies")
    if not policies:
        yield (
            f"{where}: ipsecPolicies is unset (Azure then offers its default proposals, which include "
            "SHA1 and DH group 2); set one explicit policy matching the other end"
        )
    for i, policy in enumerate(policies):
        at = f"{where}: ipsecPolicies[{i}]"
        for key in ("ikeEncryption", "ipsecEncryption"):
            value = str(get(policy, key, default=""))
            if value.lower() in _AZ_WEAK_ENCRYPTION:
                yield f"{at}.{key} is {value}; use AES256 or GCMAES256"
        for key in ("ikeIntegrity", "ipsecIntegrity"):
            value = str(get(policy, key, default=""))
            if value.lower() in _WEAK_INTEGRITY:
                yield f"{at}.{key} is {value}; use SHA256 or stronger"
        for key in ("dhGroup", "pfsGroup"):
            value = str(get(policy, key, default="None"))
            group = _AZ_GROUPS.get(value.lower())
            if group is None:
                yield f"{at}.{key} is {value}: no Diffie-Hellman group this rule accepts (>= {min_group})"
            elif group < min_group:
                yield f"{at}.{key} is {value} (group {group} < {min_group})"


def _check_weak_ike(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    min_group = as_int(cfg["minDhGroup"]) or 14
    props = res.props
    where = f"{res.type} {res.name!r}"
    if res.type == AWS_VPN:
        for t in (1, 2):
            versions = [str(v).lower() for v in items(props, f"tunnel{t}IkeVersions")]
            if not versions:
                yield f"{where}: tunnel{t}IkeVersions is unset (AWS then also accepts IKEv1); set ['ikev2']"
            elif set(versions) == {"ikev1"}:
                yield f"{where}: tunnel{t}IkeVersions allows only IKEv1"
            for phase in (1, 2):
                integrity = [str(v) for v in items(props, f"tunnel{t}Phase{phase}IntegrityAlgorithms")]
                if not integrity:
                    yield (
                        f"{where}: tunnel{t}Phase{phase}IntegrityAlgorithms is unset "
                        "(AWS then also accepts SHA1)"
                    )
                weak = [a for a in integrity if a.lower() in _WEAK_INTEGRITY]
                if weak:
                    yield f"{where}: tunnel{t}Phase{phase}IntegrityAlgorithms allows {', '.join(weak)}"
                groups = [_group_number(g) for g in items(props, f"tunnel{t}Phase{phase}DhGroupNumbers")]
                if not groups:
                    yield (
                        f"{where}: tunnel{t}Phase{phase}DhGroupNumbers is unset "
                        f"(AWS then also accepts DH group 2); allow only groups >= {min_group}"
                    )
                small = sorted({g for g in groups if g is not None and g < min_group})
                if small:
                    yield (
                        f"{where}: tunnel{t}Phase{phase}DhGroupNumbers allows group(s) "
                        f"{', '.join(map(str, small))} (< {min_group})"
                    )
    elif res.type == GCP_TUNNEL:
        version = get(props, "ikeVersion")
        if version is not None and as_int(version) == 1:
            yield f"{where}: ikeVersion is 1; use IKEv2"
        # An explicit cipher suite narrows GCP's defaults; it must not re-admit weak ones.
        for suite_phase, groups_key in (("phase1", "dhs"), ("phase2", "pfs")):
            integrities = [str(v) for v in items(props, "cipherSuite", suite_phase, "integrities")]
            weak = [v for v in integrities if "SHA1" in v.upper() or "MD5" in v.upper()]
            if weak:
                yield f"{where}: cipherSuite.{suite_phase}.integrities allows {', '.join(weak)}"
            groups = [_group_number(g) for g in items(props, "cipherSuite", suite_phase, groups_key)]
            small = sorted({g for g in groups if g is not None and g < min_group})
            if small:
                field = f"cipherSuite.{suite_phase}.{groups_key}"
                yield f"{where}: {field} allows group(s) {', '.join(map(str, small))} (< {min_group})"
    elif res.type in (OS_IKE, OS_IPSEC):
        if res.type == OS_IKE:
            version = get(props, "ikeVersion")
            if version is None or str(version).lower() == "v1":
                shown = "unset (Neutron defaults to v1)" if version is None else repr(version)
                yield f"{where}: ikeVersion is {shown}; use 'v2'"
        auth = get(props, "authAlgorithm")
        if auth is None or str(auth).lower() in _WEAK_INTEGRITY:
            shown = "unset (Neutron defaults to sha1)" if auth is None else repr(auth)
            yield f"{where}: authAlgorithm is {shown}; use sha256 or stronger"
        pfs = get(props, "pfs")
        group = _group_number(pfs) if pfs is not None else None
        if group is None or group < min_group:
            shown = "unset (Neutron defaults to group5)" if pfs is None else repr(pfs)
            yield f"{where}: pfs is {shown}; use group{min_group} or stronger"
    elif res.type == AZ_CONNECTION:
        yield from _check_azure_ike(res, min_group)


WEAK_IKE = Rule(
    name="skyweave-security-no-weak-ike",
    description="VPN tunnels negotiate only strong proposals: IKEv2 (not IKEv1 alone), no SHA1/MD5 "
    "integrity and Diffie-Hellman groups of at least minDhGroup; an Azure connection names its "
    "policy explicitly (ipsecPolicies: Azure's defaults include SHA1 and DH group 2) and no DES/3DES.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_weak_ike,
    types=frozenset({AWS_VPN, GCP_TUNNEL, OS_IKE, OS_IPSEC, AZ_CONNECTION}),
    settings=(
        Setting(
            "minDhGroup",
            {"type": "integer", "minimum": 1},
            14,
            "The smallest Diffie-Hellman group allowed (14 = 2048-bit MODP; Azure's DHGroup2048/PFS2048).",
        ),
    ),
    remediation="Give both ends the same explicit set, e.g. IKEv2, AES-256, SHA-256 and DH group 14 (on "
    "Azure: ipsecPolicies AES256/SHA256/DHGroup14 with pfsGroup PFS2048).",
    severity=Severity.HIGH,
)

RULES: tuple[Rule, ...] = (OPEN_PORTS, PROTECTED, PLAINTEXT_SECRETS, IMDSV2, WEAK_IKE)
