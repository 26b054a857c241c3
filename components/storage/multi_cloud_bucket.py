"""MultiCloudBucket: object storage whose contents outlive a vendor — as a storage-level copy.

What it is: an S3 bucket (versioned, encrypted, private, protected) that the application writes
to; a GCS bucket (versioned, protected) that Storage Transfer Service fills from S3 on a fixed
interval, reading through a role that trusts only this project's transfer agent; and, if asked,
a Swift container with the storage policy you choose (replicated or erasure-coded) for a third
copy on your own cloud; and, if asked, an Azure Blob container (versioned, encrypted, private, in
a zone- or geo-zone-redundant account) for a copy on Azure.

What it is not: replication of the application's *data consistency*. The GCS copy lags S3 by up
to ``copy_interval_seconds`` plus the transfer's duration, objects are copied one by one (a set
of objects written together can be seen half-copied), deletes are not propagated (on purpose),
and nothing is copied into Swift or Blob — the application (or an operator's sync job) writes there.
Deciding what a consistent snapshot of the application's data is stays the application's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi
from pydantic import ConfigDict, Field

from ..core.errors import ConfigIssue, InvalidArgsError
from ..core.naming import NAME_PATTERN, type_token
from ..core.sites import SiteArgs, SiteName, Tags, resource_tags
from ..core.validation import ArgsModel, as_args
from ..drivers.base import SiteContext
from ..drivers.component import Component, Providers, network_providers
from ..drivers.registry import get_driver
from ..drivers.services import BucketCopyService, BucketReadService, BucketService, service
from ..drivers.workloads import BucketHandle, BucketSpec

if TYPE_CHECKING:  # only its attributes are read: the storage layer needs no network import
    from ..network.hybrid_vpc import HybridVpc

__all__ = [
    "BucketPlan",
    "MultiCloudBucket",
    "MultiCloudBucketArgs",
    "MultiCloudBucketConfig",
    "plan_multi_cloud_bucket",
]

#: Storage Transfer Service repeats a job at most hourly ("This value may not be less than 1
#: hour", ``Schedule.repeat_interval`` in the Storage Transfer v1 API reference).
MIN_INTERVAL = 3600
#: skyweave's own bound: a copy more than 30 days old is no disaster-recovery copy.
MAX_INTERVAL = 30 * 24 * 3600


class MultiCloudBucketArgs(ArgsModel):
    """Arguments of :class:`MultiCloudBucket`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    s3_site: SiteName = Field(description="The AWS site of the primary S3 bucket (the copy's source).")
    gcs_site: SiteName | None = Field(
        default=None,
        description="The GCP site of the GCS copy, filled from S3 by Storage Transfer. Omitted: no GCS copy.",
    )
    swift_site: SiteName | None = Field(
        default=None, description="The OpenStack site of a Swift container. Omitted: no container."
    )
    blob_site: SiteName | None = Field(
        default=None,
        description="The Azure site of a Blob container (versioned, encrypted, no public access, ZRS "
        "or GZRS per the site's storage_redundancy) the application writes its copy to. Omitted: none.",
    )
    swift_storage_policy: str | None = Field(
        default=None,
        min_length=1,
        description="Swift storage policy of the container (the operator's name for a replicated or "
        "erasure-coded policy). Omitted: the cluster's default policy.",
    )
    kms_key_id: str | None = Field(
        default=None, description="KMS key for S3 encryption (SSE-KMS). Omitted: SSE-S3 (AES-256)."
    )
    copy_interval_seconds: int = Field(
        default=MIN_INTERVAL,
        ge=MIN_INTERVAL,
        le=MAX_INTERVAL,
        description="How often Storage Transfer copies S3 into GCS (the copy's recovery point). "
        "Default 3600 (hourly, the service's shortest).",
    )
    tags: Tags = Field(default_factory=dict, description="Tags on every resource. Default none.")


class MultiCloudBucketConfig(MultiCloudBucketArgs):
    """A bucket in the stack configuration (``skyweave:buckets``)."""

    name: str = Field(
        pattern=NAME_PATTERN,
        max_length=16,
        description="Name of the bucket component; prefixes its resources.",
    )

    def args(self, estate_tags: Mapping[str, str] | None = None) -> MultiCloudBucketArgs:
        return as_args(self, MultiCloudBucketArgs, tags={**(estate_tags or {}), **self.tags})


@dataclass(frozen=True)
class BucketPlan:
    """The sites of each copy, checked against the estate."""

    args: MultiCloudBucketArgs
    s3: SiteArgs
    gcs: SiteArgs | None
    swift: SiteArgs | None
    blob: SiteArgs | None = None

    @property
    def sites(self) -> list[SiteArgs]:
        return [s for s in (self.s3, self.gcs, self.swift, self.blob) if s is not None]

    @property
    def vendors(self) -> list[str]:
        return [s.vendor for s in self.sites]


def plan_multi_cloud_bucket(args: MultiCloudBucketArgs, estate: Sequence[SiteArgs]) -> BucketPlan:
    """Check the sites; raise :class:`InvalidArgsError` listing every problem."""
    by_name = {s.name: s for s in estate}
    issues: list[ConfigIssue] = []
    found: dict[str, SiteArgs | None] = {}
    for key, vendor, name in (
        ("s3_site", "aws", args.s3_site),
        ("gcs_site", "gcp", args.gcs_site),
        ("swift_site", "openstack", args.swift_site),
        ("blob_site", "azure", args.blob_site),
    ):
        found[key] = None
        if name is None:
            continue
        site = by_name.get(name)
        if site is None:
            issues.append(
                ConfigIssue(key, f"no such site; the estate's sites are {', '.join(by_name)}", name)
            )
        elif site.vendor != vendor:
            issues.append(ConfigIssue(key, f"must be a {vendor} site, and {name!r} is {site.vendor}", name))
        else:
            found[key] = site
    if args.gcs_site is None and args.swift_site is None and args.blob_site is None:
        issues.append(
            ConfigIssue(
                "gcs_site",
                "a bucket on one vendor does not survive that vendor; add gcs_site, swift_site and/or "
                "blob_site",
                has_value=False,
            )
        )
    if args.swift_storage_policy is not None and args.swift_site is None:
        issues.append(
            ConfigIssue("swift_storage_policy", "applies only with swift_site", args.swift_storage_policy)
        )
    if issues:
        raise InvalidArgsError(issues)
    s3 = found["s3_site"]
    assert s3 is not None
    return BucketPlan(
        args=args, s3=s3, gcs=found["gcs_site"], swift=found["swift_site"], blob=found["blob_site"]
    )


class MultiCloudBucket(
    Component[MultiCloudBucketArgs, BucketPlan],
    token=type_token("storage", "MultiCloudBucket"),
    name_limit=16,
    why="bucket names are limited to 63 characters",
):
    """A protected S3 bucket, a GCS copy fed by Storage Transfer, optional Swift and Blob containers.

    Args:
        name: the component's name; every child's name starts with it.
        args: a :class:`MultiCloudBucketArgs` (or a mapping validated into one).
        opts: resource options for the component.
        sites: the estate's sites (the args name some of them). Omitted: the network's.
        providers: each site's provider. Omitted: the network's (``network.providers``).
        network: the estate's :class:`~skyweave.HybridVpc`, for its sites and providers (the
            buckets themselves live outside any network). Needed unless ``sites`` and
            ``providers`` are both given.

    Attributes:
        buckets: output, per site, the bucket / container name.
        copy_interval_seconds: output, how stale the GCS copy may be (plus the transfer time).
    """

    def __init__(
        self,
        name: str,
        args: MultiCloudBucketArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
        *,
        sites: Sequence[SiteArgs] | None = None,
        providers: Mapping[str, pulumi.ProviderResource | None] | None = None,
        network: HybridVpc | None = None,
        plan: BucketPlan | None = None,
    ) -> None:
        args = self.prepare(
            name,
            MultiCloudBucketArgs,
            args,
            plan,
            lambda a: plan_multi_cloud_bucket(a, _estate_sites(sites, providers, network)),
        )
        providers = network_providers(providers, network, (s.name for s in self.plan.sites))
        self.register(name, None, opts, providers)

        def ctx(site: SiteArgs) -> SiteContext:
            return self.site_context(site, resource_tags(site, site.tags, args.tags))

        spec = BucketSpec(storage_policy=args.swift_storage_policy, kms_key_id=args.kms_key_id)
        handles: dict[str, BucketHandle] = {}
        s3_ctx = ctx(self.plan.s3)
        needed = "a MultiCloudBucket copy"
        aws = get_driver("aws")
        s3 = service(aws, BucketService, needed_for=needed).create_bucket(s3_ctx, spec)
        handles[s3.site] = s3
        if self.plan.gcs is not None:
            gcs_ctx = ctx(self.plan.gcs)
            gcp = get_driver("gcp")
            gcs = service(gcp, BucketService, needed_for=needed).create_bucket(gcs_ctx, spec)
            handles[gcs.site] = gcs
            copier = service(gcp, BucketCopyService, needed_for=needed)
            identity = copier.copy_identity(gcs_ctx)
            role_arn = service(aws, BucketReadService, needed_for=needed).grant_bucket_read(
                s3_ctx, s3, identity
            )
            copier.create_bucket_copy(gcs_ctx, gcs, s3, role_arn, args.copy_interval_seconds, identity)
        if self.plan.swift is not None:
            swift_driver = service(get_driver("openstack"), BucketService, needed_for=needed)
            swift = swift_driver.create_bucket(ctx(self.plan.swift), spec)
            handles[swift.site] = swift
        if self.plan.blob is not None:
            blob_driver = service(get_driver("azure"), BucketService, needed_for=needed)
            blob = blob_driver.create_bucket(ctx(self.plan.blob), spec)
            handles[blob.site] = blob
        self.handles = handles
        self.buckets = pulumi.Output.all(**{site: h.name for site, h in handles.items()})
        self.copy_interval_seconds = pulumi.Output.from_input(
            args.copy_interval_seconds if self.plan.gcs is not None else None
        )
        self.register_outputs(
            {
                "buckets": self.buckets,
                "copyIntervalSeconds": self.copy_interval_seconds,
                "vendors": self.plan.vendors,
            }
        )


def _estate_sites(
    sites: Sequence[SiteArgs] | None, providers: Providers | None, network: HybridVpc | None
) -> Sequence[SiteArgs]:
    """The sites a bucket plans over: those given, else the network's."""
    if network is not None:
        return network.plan.args.sites if sites is None else sites
    if sites is None or providers is None:
        missing = [k for k, v in (("sites", sites), ("providers", providers)) if v is None]
        raise InvalidArgsError(
            [
                ConfigIssue(k, "required without network= (pass the estate's HybridVpc)", has_value=False)
                for k in missing
            ]
        )
    return sites
