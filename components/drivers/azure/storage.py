"""Azure object storage for MultiCloudBucket: a private, versioned Blob container in a
zone- or geo-zone-redundant storage account.

What it is: a StorageV2 account with ZRS (three zones of the region) or GZRS (three zones plus an
asynchronous copy in the paired region; the site's ``storage_redundancy``), encrypted at rest by
Azure with infrastructure (double) encryption, HTTPS and TLS 1.2 only, no anonymous (public)
blob access and no shared-key access (Microsoft Entra ID only); blob versioning and 30-day soft
delete for blobs and containers; one private container. The account, its container and their
resource group are protected.

What it is not: a copy of S3. skyweave does not copy S3 into Blob (Azure has no managed scheduled
S3 → Blob transfer that pulumi-azure-native builds the way Storage Transfer fills GCS); like the
Swift container it is a copy the application writes to, or fills with its own sync job.
Redundancy and soft delete: https://learn.microsoft.com/azure/storage/common/storage-redundancy,
https://learn.microsoft.com/azure/storage/blobs/versioning-overview.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pulumi

from ..base import SiteContext
from ..scope import estate_stack
from ..sdk import lazy_sdk
from ..workloads import BucketHandle, BucketSpec, BucketTerms
from .site import AzureSiteArgs

if TYPE_CHECKING:
    import pulumi_azure_native as azure
else:
    azure = lazy_sdk("pulumi_azure_native")

__all__ = ["BUCKET_TERMS", "SOFT_DELETE_DAYS", "account_name", "create_bucket"]

SOFT_DELETE_DAYS = 30
BUCKET_TERMS = BucketTerms(product="Blob container")


def account_name(ctx: SiteContext) -> str:
    """A storage account name: globally unique, 3-24 lowercase letters and digits, stable for
    this organisation, project, stack, component and site."""
    scope = "/".join(
        (pulumi.get_organization(), pulumi.get_project(), estate_stack(), ctx.component, ctx.site.name)
    )
    return "sw" + hashlib.sha256(scope.encode()).hexdigest()[:20]


def create_bucket(ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
    site = ctx.site
    assert isinstance(site, AzureSiteArgs)
    tags = dict(ctx.tags)
    group = azure.resources.ResourceGroup(
        ctx.name("rg"), location=site.region, tags=tags, opts=ctx.opts(protect=True)
    )
    account = azure.storage.StorageAccount(
        ctx.name("storage"),
        account_name=account_name(ctx),
        resource_group_name=group.name,
        location=site.region,
        kind="StorageV2",
        sku=azure.storage.SkuArgs(name=f"Standard_{site.storage_redundancy}"),
        access_tier="Hot",
        allow_blob_public_access=False,
        allow_shared_key_access=False,
        default_to_o_auth_authentication=True,
        enable_https_traffic_only=True,
        minimum_tls_version="TLS1_2",
        encryption=azure.storage.EncryptionArgs(
            key_source="Microsoft.Storage",
            require_infrastructure_encryption=True,
            services=azure.storage.EncryptionServicesArgs(
                blob=azure.storage.EncryptionServiceArgs(enabled=True, key_type="Account")
            ),
        ),
        tags=tags,
        opts=ctx.opts(protect=True),
    )
    service = azure.storage.BlobServiceProperties(
        ctx.name("blob-service"),
        account_name=account.name,
        resource_group_name=group.name,
        blob_services_name="default",
        is_versioning_enabled=True,
        delete_retention_policy=azure.storage.DeleteRetentionPolicyArgs(enabled=True, days=SOFT_DELETE_DAYS),
        container_delete_retention_policy=azure.storage.DeleteRetentionPolicyArgs(
            enabled=True, days=SOFT_DELETE_DAYS
        ),
        opts=ctx.opts(),
    )
    container = azure.storage.BlobContainer(
        ctx.name("container"),
        account_name=account.name,
        resource_group_name=group.name,
        container_name=ctx.name("container"),
        public_access="None",
        metadata={k.replace("-", "_"): v for k, v in sorted(tags.items())},
        opts=ctx.opts(protect=True, depends_on=[service]),
    )
    return BucketHandle(
        site=site.name,
        vendor="azure",
        name=pulumi.Output.concat(account.name, "/", container.name),
        resources={"resource_group": group, "account": account, "service": service, "container": container},
    )
