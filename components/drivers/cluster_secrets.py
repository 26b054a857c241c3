"""A cluster's generated secrets: passwords (``random:RandomPassword``) and its TLS — a CA and one
key and certificate per member (``tls:PrivateKey``, ``tls:SelfSignedCert``, ``tls:CertRequest``,
``tls:LocallySignedCert``), every private key and password a Pulumi secret.

They live with the drivers because they are provider resources, and no layer above the drivers
may name a provider SDK (as :mod:`.secrets` does for the links' keys). The providers are the
component's own (``{component}-provider-random``, ``-provider-tls``), never a default one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi

from ..core.naming import child_name
from .providers import component_provider
from .sdk import lazy_sdk

if TYPE_CHECKING:
    import pulumi_random as random
    import pulumi_tls as tls
else:
    random = lazy_sdk("pulumi_random")
    tls = lazy_sdk("pulumi_tls")

__all__ = ["CA_VALIDITY_HOURS", "MEMBER_VALIDITY_HOURS", "ClusterTls", "cluster_passwords", "cluster_tls"]

#: The CA lives ten years, each member's certificate two, renewed (replaced by Pulumi) in its last
#: 30 days; a renewal changes the member's user data, which the operator rolls out member by member.
CA_VALIDITY_HOURS = 10 * 365 * 24
MEMBER_VALIDITY_HOURS = 2 * 365 * 24
_RENEW_HOURS = 30 * 24


def cluster_passwords(
    component: pulumi.Resource, name: str, keys: Sequence[str]
) -> dict[str, pulumi.Output[str]]:
    """One generated password per key (32 letters and digits: safe in YAML, a URL and ``.pgpass``)."""
    provider = component_provider(
        component, name, "random:index/randomPassword:RandomPassword", lambda n, o: random.Provider(n, opts=o)
    )
    out = {}
    for key in keys:
        password = random.RandomPassword(
            child_name(name, "password", key),
            length=32,
            special=False,
            opts=pulumi.ResourceOptions(parent=component, provider=provider),
        )
        out[key] = pulumi.Output.secret(password.result)
    return out


@dataclass(frozen=True)
class ClusterTls:
    """The CA certificate (public) and, per member, its certificate (public) and key (secret)."""

    ca: pulumi.Output[str]
    certs: Mapping[str, pulumi.Output[str]]
    keys: Mapping[str, pulumi.Output[str]]


def cluster_tls(component: pulumi.Resource, name: str, members: Mapping[str, str]) -> ClusterTls:
    """A CA for the cluster and a certificate per member (``members``: name → address), each for
    both server and client authentication with the member's address as its IP SAN (etcd checks a
    peer's address against it). ECDSA P-256 keys: small, so the user data stays small."""
    provider = component_provider(
        component, name, "tls:index/privateKey:PrivateKey", lambda n, o: tls.Provider(n, opts=o)
    )
    opts = pulumi.ResourceOptions(parent=component, provider=provider)
    ca_key = tls.PrivateKey(child_name(name, "ca-key"), algorithm="ECDSA", ecdsa_curve="P256", opts=opts)
    ca = tls.SelfSignedCert(
        child_name(name, "ca"),
        private_key_pem=ca_key.private_key_pem,
        is_ca_certificate=True,
        validity_period_hours=CA_VALIDITY_HOURS,
        early_renewal_hours=_RENEW_HOURS,
        allowed_uses=["cert_signing", "crl_signing"],
        subject=tls.SelfSignedCertSubjectArgs(common_name=f"{name} cluster CA", organization="skyweave"),
        opts=opts,
    )
    certs: dict[str, pulumi.Output[str]] = {}
    keys: dict[str, pulumi.Output[str]] = {}
    for member, address in members.items():
        key = tls.PrivateKey(
            child_name(name, "key", member), algorithm="ECDSA", ecdsa_curve="P256", opts=opts
        )
        request = tls.CertRequest(
            child_name(name, "csr", member),
            private_key_pem=key.private_key_pem,
            ip_addresses=[address],
            subject=tls.CertRequestSubjectArgs(common_name=member, organization="skyweave"),
            opts=opts,
        )
        cert = tls.LocallySignedCert(
            child_name(name, "cert", member),
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=ca_key.private_key_pem,
            ca_cert_pem=ca.cert_pem,
            validity_period_hours=MEMBER_VALIDITY_HOURS,
            early_renewal_hours=_RENEW_HOURS,
            allowed_uses=["digital_signature", "key_encipherment", "server_auth", "client_auth"],
            opts=opts,
        )
        certs[member] = cert.cert_pem
        keys[member] = pulumi.Output.secret(key.private_key_pem)
    return ClusterTls(ca.cert_pem, certs, keys)
