"""What a component asks a driver for when it runs a service, and what the driver gives back.

Vendor-neutral on purpose: :class:`~skyweave.app.multi_cloud_app.MultiCloudApp` builds an
:class:`AppSiteSpec` per site and a :class:`DnsSpec` for the estate, and never names a vendor's
resource type; each driver turns them into its own shape (ASG + ALB, regional MIG + network
load balancer, server group + Octavia) and answers with an :class:`AppEndpoint` the DNS layer
can point at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pulumi

from ..core.sites import SiteArgs

__all__ = [
    "AppEndpoint",
    "AppSiteSpec",
    "AppTerms",
    "AppValue",
    "AppValueKind",
    "BucketHandle",
    "BucketSpec",
    "BucketTerms",
    "CopyTerms",
    "DnsRouting",
    "DnsSpec",
    "DnsTerms",
    "EndpointKind",
    "FederatedIdentity",
    "HealthCheckSpec",
    "PlainHttp",
    "TlsTermination",
    "dns_probe",
]


class EndpointKind(StrEnum):
    """How a site's load balancer is reached from the internet."""

    IP = "ip"
    """A fixed public IPv4 address (GCP forwarding rule, OpenStack floating IP)."""
    HOSTNAME = "hostname"
    """A DNS name the vendor manages (an AWS ALB), whose addresses change over time."""


class DnsRouting(StrEnum):
    """How DNS spreads clients over the sites."""

    WEIGHTED = "weighted"
    """Every healthy site answers, in proportion to its planned capacity (the default)."""
    FAILOVER = "failover"
    """The first site answers while healthy, the second only when it is not (exactly two sites)."""


class TlsTermination(StrEnum):
    """Where a vendor's app site ends TLS when the app serves HTTPS (``tls_certificates``)."""

    LOAD_BALANCER = "load_balancer"
    """The load balancer terminates TLS with the certificate given for the site and serves
    ``https_port``; the service port only redirects to HTTPS. The site needs a certificate."""
    INSTANCES = "instances"
    """The load balancer passes ``https_port`` through to the instances, which terminate TLS
    themselves (no certificate reaches skyweave)."""
    NONE = "none"
    """The site serves the service port only: no HTTPS, whatever ``tls_certificates`` says."""


class PlainHttp(StrEnum):
    """What the service port does for the public when the app serves HTTPS (``tls_certificates``)."""

    REDIRECT = "redirect"
    """It only redirects to ``https://…:https_port`` (the default)."""
    CLOSED = "closed"
    """It is not served to the public at all: only ``https_port`` is open (the service port stays
    the backend port behind a load balancer that terminates TLS)."""


@dataclass(frozen=True)
class AppTerms:
    """What a vendor's app site takes, in the vendor's own words, and how it serves HTTPS.

    Facts its :class:`~skyweave.drivers.services.AppService` declares, so the app's planner and the
    generated references (the schema, docs/config.md) learn them from the driver and no component
    spells a vendor out. Each phrase completes "the image/size/certificate is a …".

    Attributes:
        image: what an ``images`` entry is (e.g. an AMI id).
        size: what a ``sizes`` entry is (e.g. an instance type).
        tls: where the site ends TLS.
        certificate: what a ``tls_certificates`` entry is, for a load balancer that terminates TLS.
        redirect_to_dns_name: the load balancer redirects HTTP to ``https://<dns.record_name>`` (a
            fixed URL prefix), so an app serving HTTPS there needs a ``dns`` block.
        fixed_addresses: for a site reached by a vendor-managed hostname, what the driver puts in
            front of it when DNS needs fixed addresses (:attr:`AppSiteSpec.fixed_addresses`);
            ``""`` where the site already has a fixed address or cannot be given one.
    """

    image: str
    size: str
    tls: TlsTermination
    certificate: str = ""
    redirect_to_dns_name: bool = False
    fixed_addresses: str = ""


class AppValueKind(StrEnum):
    """Which of an app's per-site tables a value comes from."""

    IMAGE = "image"  #: ``images``
    SIZE = "size"  #: ``sizes``
    CERTIFICATE = "certificate"  #: ``tls_certificates``


@dataclass(frozen=True)
class AppValue:
    """One entry of an app's ``images``, ``sizes`` or ``tls_certificates`` and the sites of one
    vendor that take it (a vendor-wide or region entry serves several): a value can be wrong for
    the vendor (its format, a size the SDK does not list) or for where it is used (an AMI id or an
    ACM certificate belongs to one region)."""

    kind: AppValueKind
    value: str
    sites: tuple[SiteArgs, ...]


@dataclass(frozen=True)
class DnsTerms:
    """What a vendor's health-checked DNS takes, in its own words (see :class:`AppTerms`).

    Attributes:
        product: the service's name (e.g. Route 53).
        zone: what ``dns.zone`` is.
        failover: what ``routing: failover`` means there (or that it is not offered).
        intervals: the check intervals it accepts.
        probe_regions: what ``dns.source_regions`` is, or ``""`` where the vendor probes from
            places of its own choosing (then the key must be left out).
        answers: how the name is answered: ``"addresses"`` (address records whose targets are
            the sites' addresses, each health checked: what several providers can serve alike)
            or another word for a shape of the vendor's own (``"alias to a profile"``); several
            providers of one name must answer the same way.
        address_targets_only: health checks reach IP targets only (a site reached by a
            vendor-managed hostname must be given fixed addresses).
        name_servers: what the name servers exported for the registrar are (the zone's NS set).
        max_weight: the largest weight a weighted record takes (``None``: no bound below the
            capacities planned); the plan scales every provider's weights under the smallest.
    """

    product: str
    zone: str
    failover: str
    intervals: str
    probe_regions: str = ""
    answers: str = "addresses"
    address_targets_only: bool = False
    name_servers: str = ""
    max_weight: int | None = None


@dataclass(frozen=True)
class HealthCheckSpec:
    """One health check, used by every load balancer and, with the DNS settings, by DNS.

    Attributes:
        path: the HTTP path that answers 2xx/3xx when the instance can serve.
        port: the port it is served on (the service port).
        interval_seconds: seconds between checks.
        timeout_seconds: seconds before one check counts as failed.
        healthy_threshold: consecutive successes before an instance is healthy again.
        unhealthy_threshold: consecutive failures before an instance is taken out.
    """

    path: str
    port: int
    interval_seconds: int
    timeout_seconds: int
    healthy_threshold: int
    unhealthy_threshold: int


@dataclass(frozen=True)
class AppSiteSpec:
    """One site's share of a service: what to run, how many, where, and who may reach it.

    Attributes:
        image: the boot image in the vendor's terms (AMI id, GCE image, Glance image id).
        size: the instance size in the vendor's terms (instance type, machine type, flavor).
        port: the service port, open to the world through the load balancer.
        zone_counts: planned instances per zone of the site (from the capacity planner).
        health: the load balancer's health check.
        estate_cidrs: every range of the estate; the only sources allowed besides the service port.
        admin_ports: ports reachable only from ``estate_cidrs`` (e.g. SSH).
        user_data: the boot script (cloud-init), or ``None``.
        tls: serve HTTPS on ``https_port`` and make ``port`` only redirect to it.
        tls_certificate: the certificate a load balancer that terminates TLS presents (in the
            vendor's terms, :attr:`AppTerms.certificate`); ``None`` where it does not.
        https_port: the HTTPS port when ``tls``.
        redirect_host: the name HTTP requests are redirected to where the load balancer needs
            one (Octavia L7 policies redirect to a fixed URL prefix).
        fixed_addresses: the app's DNS reaches IP targets only: a site whose load balancer has
            no fixed address gets fixed ones in front of it (:attr:`AppTerms.fixed_addresses`).
        plain_http: with ``tls``, whether the service port redirects to HTTPS or is closed to
            the public.
    """

    image: str
    size: str
    port: int
    zone_counts: Mapping[str, int]
    health: HealthCheckSpec
    estate_cidrs: tuple[str, ...]
    admin_ports: tuple[int, ...] = ()
    user_data: str | None = None
    tls: bool = False
    tls_certificate: str | None = None
    https_port: int = 443
    redirect_host: str | None = None
    fixed_addresses: bool = False
    plain_http: PlainHttp = PlainHttp.REDIRECT

    @property
    def public_http(self) -> bool:
        """The service port is served to the public (plain, or redirecting to HTTPS)."""
        return not self.tls or self.plain_http is PlainHttp.REDIRECT

    @property
    def total(self) -> int:
        return sum(self.zone_counts.values())


@dataclass(frozen=True)
class AppEndpoint:
    """A site's public entry point, as DNS needs it.

    Attributes:
        site: the site name.
        vendor: the site's vendor.
        kind: whether ``address`` is an IP or a hostname.
        address: the public address of the site's load balancer.
        weight: the site's planned capacity (DNS weights follow it).
        alias_zone_id: for a vendor-managed hostname, the hosted zone of that name (AWS ALBs),
            so DNS of the same vendor can alias it.
        health_protocol, health_port: how DNS health checks should probe this site (``None``:
            the service's own port over HTTP); HTTPS where the site only redirects HTTP.
        resources: the main resources created (by role), for outputs and tests.
        addresses: every fixed public address of an IP endpoint when it has more than one (a
            load balancer with one address per zone); ``None``: ``address`` alone.
    """

    site: str
    vendor: str
    kind: EndpointKind
    address: pulumi.Output[str]
    weight: int
    alias_zone_id: pulumi.Output[str] | None = None
    resources: Mapping[str, pulumi.Resource] = field(default_factory=dict)
    health_protocol: str = "HTTP"
    health_port: int | None = None
    addresses: pulumi.Output[list[str]] | None = None

    def all_addresses(self) -> pulumi.Output[list[str]]:
        """Every address DNS answers with for this site (IP endpoints)."""
        if self.addresses is not None:
            return self.addresses
        return self.address.apply(lambda a: [a])


@dataclass(frozen=True)
class DnsSpec:
    """Health-checked DNS in front of every site of a service.

    Attributes:
        zone: the vendor's zone handle (Route 53 hosted zone id, Cloud DNS managed zone name).
        record_name: the fully qualified name clients use, without a trailing dot.
        ttl_seconds: the records' TTL.
        routing: weighted or failover.
        health: path, port, interval and failure threshold of the DNS health checks.
        source_regions: where the vendor probes from (Cloud DNS: exactly three regions).
        weights: per site, its weight in a weighted set: its capacity, scaled under every
            provider's largest weight, so each provider answers in the same proportions.
    """

    zone: str
    record_name: str
    ttl_seconds: int
    routing: DnsRouting
    health: HealthCheckSpec
    source_regions: tuple[str, ...] = ()
    weights: Mapping[str, int] = field(default_factory=dict)

    def weight(self, endpoint: AppEndpoint) -> int:
        """The endpoint's planned weight (its capacity where the plan gave none)."""
        return self.weights.get(endpoint.site, endpoint.weight)

    @property
    def failover_seconds(self) -> int:
        """Worst-case time for clients to move off a dead site: detect, then let caches expire."""
        return self.health.interval_seconds * self.health.unhealthy_threshold + self.ttl_seconds


@dataclass(frozen=True)
class BucketSpec:
    """An object store bucket/container for data that must outlive a vendor.

    Attributes:
        storage_policy: Swift storage policy (replicated or erasure-coded, named by the
            operator); ``None`` for the cluster default. Ignored elsewhere.
        kms_key_id: AWS KMS key for SSE-KMS; ``None`` for SSE-S3 (AES-256).
    """

    storage_policy: str | None = None
    kms_key_id: str | None = None


@dataclass(frozen=True)
class BucketTerms:
    """What a vendor's object store is called and which :class:`BucketSpec` options it honours,
    declared by its :class:`~skyweave.drivers.services.BucketService` (see :class:`AppTerms`).

    Attributes:
        product: what one bucket is called there (e.g. an S3 bucket).
        encryption_key: what ``kms_key_id`` is there (a customer-managed key), or ``""`` where
            the store takes none (the bucket is refused one rather than silently ignoring it).
        storage_policy: what ``storage_policy`` is there, or ``""`` where the store has none.
    """

    product: str
    encryption_key: str = ""
    storage_policy: str = ""


@dataclass(frozen=True)
class CopyTerms:
    """What a vendor's transfer service copies, declared by its
    :class:`~skyweave.drivers.services.BucketCopyService`.

    Attributes:
        product: the service's name (e.g. Storage Transfer Service).
        sources: the vendors whose buckets it reads (those vendors' drivers grant it read access
            through their ``BucketReadService``).
        min_interval_seconds: the shortest interval it repeats a copy at.
    """

    product: str
    sources: frozenset[str]
    min_interval_seconds: int


@dataclass(frozen=True)
class BucketHandle:
    """A bucket a driver created: its vendor name (S3/GCS bucket, Swift container) and resources."""

    site: str
    vendor: str
    name: pulumi.Output[str]
    resources: Mapping[str, pulumi.Resource] = field(default_factory=dict)


@dataclass(frozen=True)
class FederatedIdentity:
    """A vendor's service identity, as another vendor can trust it (OIDC web identity federation).

    Attributes:
        issuer: the OIDC issuer the other vendor trusts, e.g. ``accounts.google.com``.
        subject: the identity's subject (``sub`` claim), e.g. the Storage Transfer agent's id.
        principal: the identity in its own vendor's IAM terms (a service account email).
    """

    issuer: str
    subject: pulumi.Output[str]
    principal: pulumi.Output[str]


def dns_probe(dns: DnsSpec, endpoints: list[AppEndpoint]) -> tuple[str, int]:
    """The protocol and port a DNS provider with one check for every target probes with.

    Every site of an app serves the same contract (HTTPS on ``https_port`` when the app serves
    HTTPS), so they agree; a disagreement is a driver's bug, raised rather than probing one
    site where it only redirects.
    """
    probes = {(e.health_protocol, e.health_port or dns.health.port) for e in endpoints}
    if len(probes) > 1:
        raise ValueError(f"the sites of {dns.record_name} are probed differently: {sorted(probes)}")
    return next(iter(probes), ("HTTP", dns.health.port))
