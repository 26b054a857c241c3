"""Google Cloud object storage for MultiCloudBucket: a versioned GCS bucket fed from S3 by a
Storage Transfer Service job.

The bucket is protected, uniform bucket-level access, public access prevention enforced,
versioned. The transfer job runs on a fixed interval (the copy's recovery point is at most
that old) as the project's Storage Transfer service agent, which assumes the S3 reader role by
web identity federation — no AWS access key is stored anywhere. Objects deleted in S3 are kept
in GCS (``delete_objects_unique_in_sink`` is off): a copy for disaster recovery should not
replicate a mistaken delete.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from ..base import SiteContext
from ..sdk import lazy_sdk
from ..workloads import BucketHandle, BucketSpec, BucketTerms, CopyTerms, FederatedIdentity

if TYPE_CHECKING:
    import pulumi_gcp as gcp
else:
    gcp = lazy_sdk("pulumi_gcp")

__all__ = ["BUCKET_TERMS", "COPY_TERMS", "copy_identity", "create_bucket", "create_bucket_copy"]

#: Storage Transfer starts a job whose start date has passed on its next run, so a fixed date in
#: the past means "from creation" and keeps the program deterministic (no ``date.today()``).
TRANSFER_START = {"year": 2024, "month": 1, "day": 1}
#: Roles the transfer agent needs on the sink: bucket metadata, list/create/delete objects
#: (Legacy Bucket Writer) and read objects (Object Viewer), per "Configure access to a sink:
#: Cloud Storage" in the Storage Transfer Service docs.
SINK_ROLES = ("roles/storage.legacyBucketWriter", "roles/storage.objectViewer")
BUCKET_TERMS = BucketTerms(product="GCS bucket")
#: Storage Transfer Service reads S3 here (``aws_s3_data_source``, through the role AWS's
#: BucketReadService grants) and repeats a job at most hourly ("This value may not be less than 1
#: hour", ``Schedule.repeat_interval`` in the Storage Transfer v1 API reference).
COPY_TERMS = CopyTerms(
    product="Storage Transfer Service", sources=frozenset({"aws"}), min_interval_seconds=3600
)


def _project(ctx: SiteContext) -> str | None:
    project = getattr(ctx.site, "project", None)
    return str(project) if project else None


def create_bucket(ctx: SiteContext, spec: BucketSpec) -> BucketHandle:
    bucket = gcp.storage.Bucket(
        ctx.name("bucket"),
        project=_project(ctx),
        location=ctx.site.region.upper(),
        versioning=gcp.storage.BucketVersioningArgs(enabled=True),
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        force_destroy=False,
        labels=dict(ctx.tags),
        opts=ctx.opts(protect=True),
    )
    return BucketHandle(site=ctx.site.name, vendor="gcp", name=bucket.name, resources={"bucket": bucket})


def copy_identity(ctx: SiteContext) -> FederatedIdentity:
    agent = gcp.storage.get_transfer_project_service_account_output(
        project=_project(ctx), opts=pulumi.InvokeOutputOptions(parent=ctx.parent, provider=ctx.provider)
    )
    return FederatedIdentity(issuer="accounts.google.com", subject=agent.subject_id, principal=agent.email)


def create_bucket_copy(
    ctx: SiteContext,
    sink: BucketHandle,
    source: BucketHandle,
    source_access: pulumi.Output[str],
    interval_seconds: int,
    identity: FederatedIdentity,
) -> dict[str, pulumi.Resource]:
    if source.vendor not in COPY_TERMS.sources:
        raise ValueError(f"Storage Transfer copies from S3 here; the source is {source.vendor}")
    grants: dict[str, pulumi.Resource] = {}
    for role in SINK_ROLES:
        grants[f"grant:{role}"] = gcp.storage.BucketIAMMember(
            ctx.name("bucket-agent", role.rsplit(".", 1)[-1].lower()),
            bucket=sink.name,
            role=role,
            member=identity.principal.apply(lambda email: f"serviceAccount:{email}"),
            opts=ctx.opts(),
        )
    job = gcp.storage.TransferJob(
        ctx.name("copy"),
        project=_project(ctx),
        description=f"{ctx.component}: copy S3 {source.site} into GCS every {interval_seconds} s",
        transfer_spec=gcp.storage.TransferJobTransferSpecArgs(
            aws_s3_data_source=gcp.storage.TransferJobTransferSpecAwsS3DataSourceArgs(
                bucket_name=source.name, role_arn=source_access
            ),
            gcs_data_sink=gcp.storage.TransferJobTransferSpecGcsDataSinkArgs(bucket_name=sink.name),
            transfer_options=gcp.storage.TransferJobTransferSpecTransferOptionsArgs(
                delete_objects_unique_in_sink=False,
                delete_objects_from_source_after_transfer=False,
                overwrite_when="DIFFERENT",
            ),
        ),
        schedule=gcp.storage.TransferJobScheduleArgs(
            schedule_start_date=gcp.storage.TransferJobScheduleScheduleStartDateArgs(**TRANSFER_START),
            repeat_interval=f"{interval_seconds}s",
        ),
        status="ENABLED",
        opts=ctx.opts(depends_on=list(grants.values())),
    )
    return {**grants, "transfer_job": job}
