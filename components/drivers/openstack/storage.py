"""OpenStack object storage for MultiCloudBucket: a Swift container with a chosen storage policy.

Swift storage policies are defined by the operator (e.g. a 3-replica policy, or an
erasure-coded ``ec42``); the container names one, or takes the cluster default. The container
is versioned (``X-Versions-Enabled``) and protected. It is a third copy the *application*
writes to or syncs into: skyweave does not copy S3 into Swift (Swift's container sync only
speaks Swift), and says so in the docs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import SiteContext
from ..sdk import lazy_sdk
from ..workloads import BucketHandle, BucketSpec

if TYPE_CHECKING:
    import pulumi_openstack as openstack
else:
    openstack = lazy_sdk("pulumi_openstack")

__all__ = ["create_bucket"]


def create_bucket(ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
    name = ctx.name("container")
    container = openstack.objectstorage.Container(
        name,
        name=name,
        storage_policy=spec.storage_policy,
        versioning=True,
        force_destroy=False,
        metadata={k.replace("_", "-"): v for k, v in sorted(ctx.tags.items())},
        opts=ctx.opts(protect=True),
    )
    return BucketHandle(
        site=ctx.site.name, vendor="openstack", name=container.name, resources={"container": container}
    )
