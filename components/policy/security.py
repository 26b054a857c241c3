"""Security rules: what must hold for each resource on its own (storage settings: storage.py).

Each rule is vendor-neutral: what a vendor's resources admit (firewall rules), offer to negotiate
(VPN proposals) or hold (stateful types) is its policy reader's part
(:mod:`skyweave.policy.readers`; e.g. ``drivers/aws/reader.py``), so a user's own
``aws.ec2.SecurityGroup`` is checked exactly like one a skyweave component created, and a new
vendor's reader joins every rule. Properties are read with :func:`get` (a missing property is
``None``, never a crash) and messages name the property path they object to. The vendor facts
the defaults rest on (AWS tunnel options and Neutron VPNaaS default to IKEv1 and SHA1; Azure's
default proposals include SHA1 and DH group 2; an Azure NSG source ``*``/``Internet``/``Any`` is
the whole internet) are cited in the readers and docs/policies.md.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from . import readers
from .model import IkeOffer, group_number
from .rule import (
    SECRET_MASK,
    Kind,
    Level,
    Resource,
    Rule,
    Setting,
    Severity,
    as_int,
    is_unknown,
)
from .topics import topic_rule

__all__ = ["ADMIN_PORTS", "RULES", "STATEFUL_TYPES"]

#: SSH, RDP, FTP (credentials in clear text) and the default ports of common databases / data stores.
ADMIN_PORTS: tuple[int, ...] = (
    21,
    22,
    3389,
    3306,
    5432,
    1433,
    1521,
    27017,
    6379,
    9200,
    9300,
    5984,
    11211,
    9042,
)

# -- open ports ---------------------------------------------------------------------------------


def _check_open_ports(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Each reader says what its firewall rules admit from where (:class:`~skyweave.policy.model.Ingress`);
    the rule judges which configured ports that opens to the whole internet."""
    reader = readers.reader_of(res.type, "ingress_types")
    if reader is None:
        return
    ports = [p for p in (as_int(v) for v in cfg["ports"]) if p is not None]
    for ingress in reader.ingress(res):
        opened = ingress.opens(ports)
        if opened:
            listed = ", ".join(map(str, sorted(set(opened))))
            yield f"{res.type} {res.name!r}: {ingress.where} opens port(s) {listed} to {ingress.source}"


OPEN_PORTS = Rule(
    name="skyweave-security-no-open-admin-ports",
    description="No SSH, RDP, FTP or database port is open to the whole internet (0.0.0.0/0 or ::/0; for an "
    "Azure NSG rule also the sources *, Internet and Any).",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_open_ports,
    types=readers.ReaderTypes("ingress_types"),
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
        "checkov CKV_AWS_24, CKV_AWS_25, CKV_AWS_277, CKV_GCP_2, CKV_GCP_3, CKV_GCP_88, CKV2_GCP_12, "
        "CKV_OPENSTACK_2, CKV_OPENSTACK_3, CKV_AZURE_9, CKV_AZURE_10, CKV_AZURE_11",
        "trivy AVD-AWS-0107 (aws-ec2-no-public-ingress-sgr), "
        "AVD-GCP-0027 (google-compute-no-public-ingress), "
        "AVD-OPNSTK-0003 (openstack-networking-no-public-ingress), "
        "AVD-AZU-0047 (azure-network-no-public-ingress)",
    ),
)

# -- stateful resources protected ---------------------------------------------------------------

#: Resources that hold data: every reader's ``stateful_types`` (an RDS instance, a bucket, a volume).
STATEFUL_TYPES = readers.ReaderTypes("stateful_types")


def _check_protected(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if (res.type in STATEFUL_TYPES or res.type in cfg["extraTypes"]) and not res.protect:
        yield f"{res.type} {res.name!r} holds data but is not protected (protect=True)"


PROTECTED = Rule(
    name="skyweave-security-stateful-protected",
    description="Resources that hold data (databases, buckets, volumes, and encryption keys, whose loss "
    "loses what they encrypt) are registered with protect=True, so no update or destroy can delete them "
    "by accident.",
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
    equivalents=("checkov CKV_GCP_82",),
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
#: A command run where the deployment runs (a utility type, no vendor's): its scripts.
_LOCAL_COMMAND_SCRIPTS = {"command:local:Command": frozenset({"create", "update", "delete"})}
_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]+={0,2}\s*$")
_MAX_DEPTH = 8
_MAX_TEXT = 200_000


def _snake(key: str) -> str:
    """``dbPassword`` → ``db_password``; ``DB_PASSWORD`` and ``db-password`` keep their words."""
    if key.isupper() or "_" in key or "-" in key:
        return key.lower().replace("-", "_").replace(".", "_")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


@functools.lru_cache(maxsize=4096)
def _secret_name(key: str) -> bool:
    """Whether a property or variable named ``key`` holds a secret by its name (pure, so kept:
    the pack asks it for every string of every resource it is sent, from a few hundred names)."""
    return bool(_SECRET_NAMES.search(_snake(key)))


_SKIP = object()


def _read(container: Any, key: str | int) -> Any:
    """``get(container, key)`` for a key the container has, or :data:`_SKIP` where ``get`` would
    raise (unknown in this preview, or a secret's placeholder): the walk below reads every
    value of every resource the pack is sent, so it does without ``get``'s general path."""
    try:
        value = container[key]
    except UnknownValueError:
        return _SKIP
    if isinstance(value, str) and (value == SECRET_MASK or is_unknown(value)):
        return _SKIP
    return value


def _walk(value: Any, path: str, key: str, depth: int) -> list[tuple[str, str, str]]:
    """(path, key, string value) for every known string under ``value``, in document order.

    A ``{"name": …, "value": …}`` pair (ECS, Cloud Run and Kubernetes environment entries) is
    read as ``name = value``; a string holding JSON (ECS ``containerDefinitions``) is parsed. A
    value unknown in this preview is skipped: a provider computes it, so the program did not
    write a secret into it.
    """
    found: list[tuple[str, str, str]] = []
    _collect(value, path, key, depth, found)
    return found


def _collect(value: Any, path: str, key: str, depth: int, found: list[tuple[str, str, str]]) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        if is_unknown(value):
            return
        if value.lstrip()[:1] in ("[", "{") and len(value) < _MAX_TEXT:
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                _collect(parsed, path, key, depth + 1, found)
                return
        found.append((path, key, value))
    elif isinstance(value, Mapping):
        keys = set(value)  # not `"name" in value`: an SDK proxy raises on an unknown value there
        # a pair whose name is unknown: its value is read under "value"
        pair_name = _read(value, "name") if {"name", "value"} <= keys else None
        for inner_key in value:
            inner = _read(value, inner_key)
            if inner is _SKIP:
                continue
            leaf = str(inner_key)
            if isinstance(pair_name, str) and inner_key == "value":
                leaf = pair_name
            _collect(inner, f"{path}.{inner_key}" if path else str(inner_key), leaf, depth + 1, found)
    elif isinstance(value, Sequence) and not isinstance(value, bytes):
        for i in range(len(value)):
            inner = _read(value, i)
            if inner is not _SKIP:
                _collect(inner, f"{path}[{i}]", key, depth + 1, found)


def _scripts(res_type: str) -> frozenset[str]:
    """Properties of ``res_type`` that hold a script run on a host (a command's ``create``), in
    plain text or base64 (an Azure VM's ``customData``)."""
    found: frozenset[str] = readers.merged("scripts").get(res_type) or _LOCAL_COMMAND_SCRIPTS.get(
        res_type, frozenset()
    )
    encoded: frozenset[str] | None = readers.merged("encoded_scripts").get(res_type)
    return found | encoded if encoded else found


def _script_text(key: str, text: str, res_type: str) -> str:
    """User data as the instance sees it: decoded when the property carries base64."""
    encoded = key == "userDataBase64" or key in readers.merged("encoded_scripts").get(res_type, ())
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
    scripts = _scripts(res.type)
    for key in res.props:
        if key in res.secret_outputs or key in allowed:
            continue
        value = _read(res.props, key)
        if value is _SKIP:
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
            elif leaf in _SCRIPT_KEYS or leaf in scripts:
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
        "checkov CKV_AWS_46, CKV_AWS_45",
        "trivy AVD-AWS-0029 (aws-ec2-no-secrets-in-user-data), AVD-AWS-0129, AVD-AWS-0036 "
        "(aws-ecs-no-plaintext-secrets), AVD-OPNSTK-0001",
    ),
)

# -- IMDSv2 -------------------------------------------------------------------------------------


IMDSV2 = topic_rule(
    "security-imdsv2-required",
    description="AWS instances, launch templates and launch configurations require IMDSv2 "
    "(metadataOptions.httpTokens = 'required'), so a server-side request forgery cannot read instance "
    "credentials.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="Set metadata_options={'http_tokens': 'required', 'http_endpoint': 'enabled'}.",
    severity=Severity.HIGH,
    equivalents=(
        "checkov CKV_AWS_79",
        "trivy AVD-AWS-0028 (aws-ec2-enforce-http-token-imds), AVD-AWS-0130 "
        "(aws-ec2-enforce-launch-config-http-token-imds)",
    ),
)

# -- weak IKE / IPsec ---------------------------------------------------------------------------

_WEAK_INTEGRITY = {"sha1", "md5", "sha-1"}
_WEAK_ENCRYPTION = {"des", "des3", "none"}


def _weak(setting: str, value: str) -> bool:
    text = value.lower()
    if setting == "integrity":
        return text in _WEAK_INTEGRITY or "sha1" in text or "md5" in text
    if setting == "encryption":
        return text in _WEAK_ENCRYPTION
    if setting == "version":
        return group_number(value) == 1
    return False


def _judge_ike(offer: IkeOffer, min_group: int) -> Iterator[str]:
    """What is weak about one setting a reader says a VPN resource offers (see IkeOffer)."""
    advice = offer.advice.format(min=min_group)
    if offer.values is None:
        if offer.unset is not None:
            yield f"{offer.path} is unset ({offer.unset})" + (f"; {advice}" if advice else "")
        return
    shown = offer.shown if offer.shown is not None else (offer.values[0] if offer.values else "")
    if offer.setting == "dh":
        if offer.single:
            group = offer.groups[0] if offer.groups else None
            if group is not None and group >= min_group:
                return
            if advice:
                yield f"{offer.path} is {shown}; {advice}"
            elif group is None:
                yield f"{offer.path} is {shown}: no Diffie-Hellman group this rule accepts (>= {min_group})"
            else:
                yield f"{offer.path} is {shown} (group {group} < {min_group})"
            return
        small = sorted({g for g in offer.groups if g is not None and g < min_group})
        if small:
            yield f"{offer.path} allows group(s) {', '.join(map(str, small))} (< {min_group})"
        return
    weak = [v for v in offer.values if _weak(offer.setting, v)]
    if not weak:
        return
    if offer.single:
        yield f"{offer.path} is {shown}; {advice}"
    elif offer.setting != "version":
        yield f"{offer.path} allows {', '.join(weak)}"
    elif len(weak) == len(offer.values):
        yield f"{offer.path} allows only IKEv1"


def _check_weak_ike(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Each reader says what its VPN resources offer (:class:`~skyweave.policy.model.IkeOffer`);
    the rule judges it: IKEv2, no SHA1/MD5, no DES, groups of at least minDhGroup."""
    reader = readers.reader_of(res.type, "ike_types")
    if reader is None:
        return
    min_group = as_int(cfg["minDhGroup"]) or 14
    for offer in reader.ike(res):
        for problem in _judge_ike(offer, min_group):
            yield f"{res.type} {res.name!r}: {problem}"


WEAK_IKE = Rule(
    name="skyweave-security-no-weak-ike",
    description="VPN tunnels negotiate only strong proposals: IKEv2 (not IKEv1 alone), no SHA1/MD5 "
    "integrity and Diffie-Hellman groups of at least minDhGroup; an Azure connection names its "
    "policy explicitly (ipsecPolicies: Azure's defaults include SHA1 and DH group 2) and no DES/3DES.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    check=_check_weak_ike,
    types=readers.ReaderTypes("ike_types"),
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
