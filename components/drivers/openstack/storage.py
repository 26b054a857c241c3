"""OpenStack object storage for MultiCloudBucket: a Swift container with a chosen storage policy.

Swift storage policies are defined by the operator (e.g. a 3-replica policy, or an
erasure-coded ``ec42``); the container names one, or takes the cluster default. The container
is versioned (``X-Versions-Enabled``) and protected. It is a third copy the *application*
writes to or syncs into: skyweave does not copy S3 into Swift (Swift's container sync only
speaks Swift), and says so in the docs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from ..base import SiteContext
from ..sdk import lazy_sdk
from ..workloads import BucketHandle, BucketSpec, BucketTerms

if TYPE_CHECKING:
    import pulumi_openstack as openstack
else:
    openstack = lazy_sdk("pulumi_openstack")

__all__ = ["BUCKET_TERMS", "create_bucket", "swift_preconditions"]

BUCKET_TERMS = BucketTerms(
    product="Swift container",
    storage_policy="a Swift storage policy, the operator's name for a replicated or erasure-coded policy",
)


def swift_preconditions(name: str, site: str, storage_policy: str | None) -> str:
    """What the cluster must offer for the container, which no API call checks before ``pulumi up``.

    Versioning is the ``X-Versions-Enabled`` object versioning of Swift 2.24 (Ussuri), enabled by
    the operator with ``allow_object_versioning = true`` in the proxy's ``[filter:versioned_writes]``
    (it also needs the ``symlink`` middleware) — pulumi-openstack's ``Container.versioning`` docs,
    swift/common/middleware/versioned_writes/__init__.py. A named storage policy must exist: the
    proxy answers ``400 Invalid X-Storage-Policy`` otherwise (swift/proxy/controllers/container.py).
    """
    policy = (
        f"storage policy {storage_policy!r} must exist on the cluster (Swift refuses an unknown "
        "X-Storage-Policy with HTTP 400)"
        if storage_policy
        else "it uses the cluster's default storage policy"
    )
    return (
        f"Swift container {name} on {site}: object versioning needs Swift 2.24 or later with "
        "allow_object_versioning = true in the proxy's [filter:versioned_writes] (and the symlink "
        f"middleware); {policy}. Neither can be checked before pulumi up: ask the cloud's operator."
    )


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
    pulumi.log.warn(swift_preconditions(name, ctx.site.name, spec.storage_policy), resource=container)
    return BucketHandle(
        site=ctx.site.name, vendor="openstack", name=container.name, resources={"container": container}
    )
