"""MultiCloudBucket: object storage whose contents outlive a vendor — as a storage-level copy.

What it is: a **primary** bucket the application writes to, on any site whose vendor offers
object storage, and **copies** on other sites. A copy is filled one of two ways, chosen by what
the sites' drivers offer (their services in :mod:`skyweave.drivers.services`):

* by the copy vendor's **transfer service**, on a fixed interval (``copy_interval_seconds``):
  the copy's driver offers ``BucketCopyService`` and reads the primary's vendor (its
  ``CopyTerms.sources``), and the primary's driver offers ``BucketReadService`` to let it read
  (e.g. GCS filled from S3 by Storage Transfer Service, through a role that trusts only the
  project's transfer agent);
* by the **application** (or an operator's sync job), which writes it: the copy's driver needs
  only ``BucketService``.

Every bucket is versioned, encrypted and private, and protected from deletion; what each vendor
builds is its driver's (``storage.py`` beside it).

What it is not: replication of the application's *data consistency*. A transfer-filled copy lags
the primary by up to ``copy_interval_seconds`` plus the transfer's duration, objects are copied
one by one (a set of objects written together can be seen half-copied), deletes are not
propagated (on purpose), and nothing is copied into an application-written copy. Deciding what a
consistent snapshot of the application's data is stays the application's job.

The per-vendor keys of 0.2 (``s3_site``, ``gcs_site``, ``swift_site``, ``blob_site``,
``swift_storage_policy``) are deprecated aliases of this form: they keep working, with a warning
naming the keys to write instead, and keep their vendors (``s3_site`` is an AWS site …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pulumi
from pydantic import ConfigDict, Field, model_validator

from ..core.errors import ConfigIssue, InvalidArgsError, UnsupportedCapabilityError
from ..core.naming import MULTI_CLOUD_BUCKET
from ..core.sites import SiteArgs, SiteName, Tags, resource_tags
from ..core.validation import ArgsModel, FieldValueError, entry_args, name_field
from ..drivers.base import CloudDriver, SiteContext
from ..drivers.component import Component, Providers, network_providers
from ..drivers.registry import get_driver, offering, per_vendor
from ..drivers.scope import UNIT_RESOURCES, current_scope, export_for_units, read_from_unit
from ..drivers.services import (
    BucketCopyService,
    BucketReadService,
    BucketService,
    service,
)
from ..drivers.workloads import BucketHandle, BucketSpec

if TYPE_CHECKING:  # only its attributes are read: the storage layer needs no network import
    from ..network.hybrid_vpc import HybridVpc

__all__ = [
    "BucketCopy",
    "BucketCopyArgs",
    "BucketPlan",
    "CopyFill",
    "MultiCloudBucket",
    "MultiCloudBucketArgs",
    "MultiCloudBucketConfig",
    "plan_multi_cloud_bucket",
]

#: skyweave's own bound: a copy more than 30 days old is no disaster-recovery copy. The shortest
#: interval is each transfer service's (its ``CopyTerms.min_interval_seconds``).
MAX_INTERVAL = 30 * 24 * 3600
#: A bucket's name prefixes its children's (bucket names are limited to 63 characters).
NAME_LIMIT = 16
#: The default interval: hourly.
DEFAULT_INTERVAL = 3600


class CopyFill(StrEnum):
    """Who fills a copy."""

    TRANSFER = "transfer"
    """The copy vendor's transfer service, from the primary, every ``copy_interval_seconds``."""
    APPLICATION = "application"
    """The application (or an operator's sync job) writes it; skyweave copies nothing into it."""


def _transfer_words(service_: BucketCopyService) -> str:
    terms = service_.copy_terms()
    return f"{terms.product}, from {', '.join(sorted(terms.sources))}"


class BucketCopyArgs(ArgsModel):
    """One copy of a :class:`MultiCloudBucket`: its site and who fills it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    site: SiteName = Field(description="The site holding the copy (not the primary's). Required.")
    filled_by: CopyFill | None = Field(
        default=None,
        description="transfer: the copy vendor's transfer service refreshes it from the primary every "
        f"copy_interval_seconds ({per_vendor(BucketCopyService, _transfer_words)}); application: the "
        "application (or an operator's sync job) writes it. Omitted: transfer where the site's vendor "
        "can copy from the primary's, else application.",
    )
    storage_policy: str | None = Field(
        default=None,
        min_length=1,
        description="The copy's storage policy, where its vendor has them "
        f"({per_vendor(BucketService, lambda s: s.bucket_terms().storage_policy)}). Omitted: the "
        "store's default.",
    )


#: Deprecated (0.3): the keys of the per-vendor form, each with the vendor its site must be and
#: who fills it. Kept so existing stack files and programs work unchanged; a new vendor gets none.
_LEGACY: dict[str, tuple[str, CopyFill | None]] = {
    "s3_site": ("aws", None),
    "gcs_site": ("gcp", CopyFill.TRANSFER),
    "swift_site": ("openstack", CopyFill.APPLICATION),
    "blob_site": ("azure", CopyFill.APPLICATION),
}
_LEGACY_POLICY = "swift_storage_policy"


def _deprecated(description: str) -> Any:
    return Field(
        default=None, description=f"Deprecated: {description}", json_schema_extra={"deprecated": True}
    )


@dataclass(frozen=True)
class _Role:
    """One site of the bucket as the user wrote it: where (for messages) and what it is asked to be."""

    path: str
    site: str
    filled_by: CopyFill | None = None
    primary: bool = False
    storage_policy: str | None = None
    policy_path: str = ""
    vendor: str | None = None  # a deprecated key names its vendor


class MultiCloudBucketArgs(ArgsModel):
    """Arguments of :class:`MultiCloudBucket`."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        # The primary is required, under its name or (deprecated) as s3_site.
        json_schema_extra={"anyOf": [{"required": ["primary"]}, {"required": ["s3_site"]}]},
    )

    primary: SiteName | None = Field(
        default=None,
        description="The site of the bucket the application writes (the copies' source); its vendor "
        "offers object storage "
        f"({per_vendor(BucketService, lambda s: s.bucket_terms().product)}). Required.",
    )
    copies: tuple[BucketCopyArgs, ...] = Field(
        default=(),
        description="The copies, each on another site, at least one on another vendor than the "
        "primary's (a bucket on one vendor does not survive that vendor); at most one filled by "
        "transfer. Required.",
    )
    kms_key_id: str | None = Field(
        default=None,
        description="The primary's customer-managed encryption key, where its vendor takes one "
        f"({per_vendor(BucketService, lambda s: s.bucket_terms().encryption_key)}). Omitted: the "
        "vendor's own encryption.",
    )
    copy_interval_seconds: int = Field(
        default=DEFAULT_INTERVAL,
        ge=1,
        le=MAX_INTERVAL,
        description="How often a transfer-filled copy is refreshed from the primary (the copy's "
        "recovery point), at least as long as its transfer service allows "
        f"({per_vendor(BucketCopyService, lambda s: f'{s.copy_terms().min_interval_seconds} s')}). "
        "Default 3600 (hourly).",
    )
    tags: Tags = Field(default_factory=dict, description="Tags on every resource. Default none.")
    s3_site: SiteName | None = _deprecated("write `primary: <site>` (an AWS site).")
    gcs_site: SiteName | None = _deprecated(
        "write a copy `{site: <site>, filled_by: transfer}` (a GCP site, filled from S3 by Storage Transfer)."
    )
    swift_site: SiteName | None = _deprecated(
        "write a copy `{site: <site>, filled_by: application}` (an OpenStack site)."
    )
    blob_site: SiteName | None = _deprecated(
        "write a copy `{site: <site>, filled_by: application}` (an Azure site)."
    )
    swift_storage_policy: str | None = _deprecated("write the Swift copy's `storage_policy`.")

    @model_validator(mode="after")
    def _one_form(self) -> MultiCloudBucketArgs:
        """The new keys or the deprecated ones, not both; the deprecated ones with a warning."""
        legacy = [key for key in (*_LEGACY, _LEGACY_POLICY) if getattr(self, key) is not None]
        if not legacy:
            return self
        if self.primary is not None or self.copies:
            raise FieldValueError(
                legacy[0],
                f"the deprecated {', '.join(legacy)} cannot be mixed with primary/copies; write "
                f"{self.replacement()}",
                getattr(self, legacy[0]),
            )
        name = getattr(self, "name", None)
        pulumi.log.warn(
            f"MultiCloudBucket{f' {name!r}' if name else ''}: {', '.join(legacy)} are deprecated and will "
            f"be removed in 0.4; write {self.replacement()} (the same resources, the same names)"
        )
        return self

    def roles(self) -> list[_Role]:
        """The primary, then each copy, as the user wrote them (the deprecated keys mapped)."""
        if self.primary is not None or self.copies:
            return [
                *([_Role("primary", self.primary, primary=True)] if self.primary is not None else []),
                *(
                    _Role(
                        f"copies[{i}].site",
                        copy.site,
                        copy.filled_by,
                        storage_policy=copy.storage_policy,
                        policy_path=f"copies[{i}].storage_policy",
                    )
                    for i, copy in enumerate(self.copies)
                ),
            ]
        roles = []
        for key, (vendor, filled_by) in _LEGACY.items():
            site = getattr(self, key)
            if site is not None:
                policy = self.swift_storage_policy if key == "swift_site" else None
                roles.append(
                    _Role(key, site, filled_by, key == "s3_site", policy, _LEGACY_POLICY, vendor=vendor)
                )
        return roles

    def replacement(self) -> str:
        """The keys to write instead of the deprecated ones, as YAML flow mappings."""
        roles = self.roles()
        primary = next((r.site for r in roles if r.primary), "<site>")
        copies = [
            "{"
            + ", ".join(
                [f"site: {r.site}", f"filled_by: {r.filled_by}"]
                + ([f"storage_policy: {r.storage_policy}"] if r.storage_policy else [])
            )
            + "}"
            for r in roles
            if not r.primary
        ]
        return f"primary: {primary}, copies: [{', '.join(copies)}]"


class MultiCloudBucketConfig(MultiCloudBucketArgs):
    """A bucket in the stack configuration (``skyweave:buckets``)."""

    name: str = name_field(NAME_LIMIT, "Name of the bucket component; prefixes its resources.")

    def args(self, estate_tags: Mapping[str, str] | None = None) -> MultiCloudBucketArgs:
        return entry_args(self, MultiCloudBucketArgs, estate_tags)


@dataclass(frozen=True)
class BucketCopy:
    """A copy's site, who fills it (decided from the drivers' services) and its storage policy."""

    site: SiteArgs
    filled_by: CopyFill
    storage_policy: str | None = None


@dataclass(frozen=True)
class BucketPlan:
    """The primary's and each copy's site and role, checked against the estate and the drivers."""

    args: MultiCloudBucketArgs
    primary: SiteArgs
    copies: tuple[BucketCopy, ...]

    @property
    def sites(self) -> list[SiteArgs]:
        return [self.primary, *(c.site for c in self.copies)]

    @property
    def vendors(self) -> list[str]:
        return [s.vendor for s in self.sites]

    @property
    def transfer(self) -> bool:
        """Whether a transfer service fills a copy (``copy_interval_seconds`` then applies)."""
        return any(c.filled_by is CopyFill.TRANSFER for c in self.copies)


_NEEDS = {True: "a MultiCloudBucket primary", False: "a MultiCloudBucket copy"}


def plan_multi_cloud_bucket(args: MultiCloudBucketArgs, estate: Sequence[SiteArgs]) -> BucketPlan:
    """Give each site its role by what its driver offers; raise :class:`InvalidArgsError` listing
    every problem (a site that cannot play its role is named with its vendor and the capability
    it lacks)."""
    by_name = {s.name: s for s in estate}
    roles = args.roles()
    issues: list[ConfigIssue] = []
    sited: list[tuple[_Role, SiteArgs]] = []
    seen: dict[str, str] = {}
    for role in roles:
        site = by_name.get(role.site)
        if site is None:
            issues.append(
                ConfigIssue(
                    role.path, f"no such site; the estate's sites are {', '.join(by_name)}", role.site
                )
            )
        elif role.vendor is not None and site.vendor != role.vendor:
            message = f"must be a {role.vendor} site, and {role.site!r} is {site.vendor}"
            issues.append(ConfigIssue(role.path, message, role.site))
        elif role.site in seen:
            message = f"site {role.site!r} already holds the bucket's {seen[role.site]}; one copy per site"
            issues.append(ConfigIssue(role.path, message, role.site))
        else:
            seen[role.site] = "primary" if role.primary else "copy"
            issues += _store_issues(role, site, args)
            sited.append((role, site))
    primary = next((site for role, site in sited if role.primary), None)
    copies: list[tuple[_Role, BucketCopy]] = []
    if primary is not None:
        for role, site in sited:
            if not role.primary:
                filled_by, found = _fill(role, site, primary, args.copy_interval_seconds)
                issues += found
                copies.append((role, BucketCopy(site, filled_by, role.storage_policy)))
    issues += _shape_issues(args, roles, primary, copies)
    if issues:
        raise InvalidArgsError(issues)
    assert primary is not None
    return BucketPlan(args=args, primary=primary, copies=tuple(copy for _, copy in copies))


def _lacks(site: SiteArgs, driver: CloudDriver, protocol: type, role: str) -> str | None:
    """Why ``site`` cannot be ``role`` for want of ``protocol`` (naming it), or ``None``."""
    try:
        service(driver, protocol, needed_for=role)
    except UnsupportedCapabilityError as exc:
        return f"site {site.name!r} cannot be {role}: {exc}"
    return None


def _store_issues(role: _Role, site: SiteArgs, args: MultiCloudBucketArgs) -> list[ConfigIssue]:
    """The site holds a bucket, and takes the options asked of it (never silently dropped)."""
    driver = get_driver(site.vendor)
    what = _NEEDS[role.primary]
    lacking = _lacks(site, driver, BucketService, what)
    if lacking is not None:
        able = [d.vendor for d, _ in offering(BucketService)]
        return [
            ConfigIssue(role.path, f"{lacking}; vendors with object storage: {', '.join(able)}", role.site)
        ]
    terms = service(driver, BucketService, needed_for=what).bucket_terms()
    issues = []
    if role.primary and args.kms_key_id is not None and not terms.encryption_key:
        message = (
            f"the primary's {terms.product} on {site.name!r} ({site.vendor}) takes no customer-managed key"
        )
        issues.append(ConfigIssue("kms_key_id", message, args.kms_key_id))
    if role.storage_policy is not None and not terms.storage_policy:
        message = f"the {terms.product} on {site.name!r} ({site.vendor}) has no storage policies"
        issues.append(ConfigIssue(role.policy_path, message, role.storage_policy))
    return issues


def _fill(
    role: _Role, site: SiteArgs, primary: SiteArgs, interval: int
) -> tuple[CopyFill, list[ConfigIssue]]:
    """Who fills a copy: what was asked, or (omitted) the transfer service where the drivers offer
    it for this pair of vendors, else the application."""
    if role.filled_by is CopyFill.APPLICATION:
        return CopyFill.APPLICATION, []
    driver, source = get_driver(site.vendor), get_driver(primary.vendor)
    role_words = f"a copy filled by transfer from {primary.name!r}"
    why = _lacks(site, driver, BucketCopyService, role_words)
    copier = driver if isinstance(driver, BucketCopyService) else None
    if copier is not None and primary.vendor not in copier.copy_terms().sources:
        terms = copier.copy_terms()
        why = (
            f"site {site.name!r} cannot be {role_words}: {terms.product} ({site.vendor}) copies from "
            f"{', '.join(sorted(terms.sources))} only, and {primary.name!r} is {primary.vendor}"
        )
    why = why or _lacks(
        primary, source, BucketReadService, f"the source of a copy filled by transfer into {site.name!r}"
    )
    if why is not None:
        if role.filled_by is CopyFill.TRANSFER:
            return CopyFill.TRANSFER, [ConfigIssue(role.path, why, role.site)]
        return CopyFill.APPLICATION, []
    assert copier is not None
    terms = copier.copy_terms()
    if interval < terms.min_interval_seconds:
        message = (
            f"{terms.product} repeats a copy at most every {terms.min_interval_seconds} s (the copy on "
            f"{site.name!r}); use at least {terms.min_interval_seconds}"
        )
        return CopyFill.TRANSFER, [ConfigIssue("copy_interval_seconds", message, interval)]
    return CopyFill.TRANSFER, []


def _shape_issues(
    args: MultiCloudBucketArgs,
    roles: list[_Role],
    primary: SiteArgs | None,
    copies: list[tuple[_Role, BucketCopy]],
) -> list[ConfigIssue]:
    """A primary, a copy on another vendor, one transfer at most, options only where they apply."""
    legacy = any(r.vendor is not None for r in roles) or args.swift_storage_policy is not None
    issues = _survival_issues(roles, primary, copies, legacy)
    transfers = [r for r, c in copies if c.filled_by is CopyFill.TRANSFER]
    if len(transfers) > 1:
        message = (
            f"a bucket has one copy filled by transfer (the primary grants one reader); "
            f"{transfers[0].site!r} is already; set filled_by: application here"
        )
        issues.append(ConfigIssue(transfers[1].path, message, transfers[1].site))
    if args.swift_storage_policy is not None and args.swift_site is None:
        issues.append(ConfigIssue(_LEGACY_POLICY, "applies only with swift_site", args.swift_storage_policy))
    return issues


def _survival_issues(
    roles: list[_Role], primary: SiteArgs | None, copies: list[tuple[_Role, BucketCopy]], legacy: bool
) -> list[ConfigIssue]:
    """A primary and a copy on another vendor; blamed on the keys of the form the user wrote."""
    if not any(r.primary for r in roles):
        missing = "required: the site of the bucket the application writes"
        return [ConfigIssue("s3_site" if legacy else "primary", missing, has_value=False)]
    if len(roles) == 1:
        keys = "gcs_site, swift_site and/or blob_site" if legacy else "copies on other vendors' sites"
        message = f"a bucket on one vendor does not survive that vendor; add {keys}"
        return [ConfigIssue("gcs_site" if legacy else "copies", message, has_value=False)]
    if primary is not None and copies and all(c.site.vendor == primary.vendor for _, c in copies):
        message = (
            f"every copy is on {primary.vendor}, the primary's vendor: add a copy on another vendor's site"
        )
        return [ConfigIssue("copies", message, [c.site.name for _, c in copies])]
    return []


class MultiCloudBucket(
    Component[MultiCloudBucketArgs, BucketPlan],
    token=MULTI_CLOUD_BUCKET,
    name_limit=NAME_LIMIT,
    why="bucket names are limited to 63 characters",
):
    """A protected primary bucket and its copies on other vendors' sites.

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
        copy_interval_seconds: output, how stale the transfer-filled copy may be (plus the
            transfer time); ``None`` without one.
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

        def store(site: SiteArgs, needed: str) -> BucketService:
            return service(get_driver(site.vendor), BucketService, needed_for=needed)

        # In a unit (drivers/scope.py): each site's unit builds its bucket and exports its name
        # where a transfer fills a copy; the global unit builds the transfer (the copy vendor's
        # job, its agent's grants on the copy, the primary's reader role trusting that agent)
        # from the names it reads.
        scope = current_scope()
        transfer = {c.site.name for c in self.plan.copies if c.filled_by is CopyFill.TRANSFER}
        crossing = {self.plan.primary.name, *transfer} if transfer else set()  # what the transfer reads

        def bucket(site: SiteArgs, spec: BucketSpec, needed: str) -> BucketHandle | None:
            key = f"{name}.bucket.{site.name}.name"
            if scope is not None and not scope.builds_site(site.name):
                if not (scope.builds_global and site.name in crossing):
                    return None
                return BucketHandle(site.name, site.vendor, read_from_unit(scope.site_units[site.name], key))
            handle = store(site, needed).create_bucket(ctx(site), spec)
            if site.name in crossing:
                export_for_units(key, handle.name)
            return handle

        primary_site = self.plan.primary
        primary = bucket(primary_site, BucketSpec(kms_key_id=args.kms_key_id), _NEEDS[True])
        handles: dict[str, BucketHandle] = {}
        for copy in self.plan.copies:
            handle = bucket(copy.site, BucketSpec(storage_policy=copy.storage_policy), _NEEDS[False])
            if handle is not None and (scope is None or scope.builds_site(copy.site.name)):
                handles[copy.site.name] = handle
            builds_transfer = copy.filled_by is CopyFill.TRANSFER and (scope is None or scope.builds_global)
            if builds_transfer and primary is not None and handle is not None:
                copy_ctx, primary_ctx = ctx(copy.site), ctx(primary_site)
                needed = "a MultiCloudBucket copy filled by transfer"
                copier = service(get_driver(copy.site.vendor), BucketCopyService, needed_for=needed)
                reader = service(get_driver(primary_site.vendor), BucketReadService, needed_for=needed)
                identity = copier.copy_identity(copy_ctx)
                access = reader.grant_bucket_read(primary_ctx, primary, identity)
                copier.create_bucket_copy(
                    copy_ctx, handle, primary, access, args.copy_interval_seconds, identity
                )
        if primary is not None and (scope is None or scope.builds_site(primary_site.name)):
            handles = {primary_site.name: primary, **handles}
        self.handles = handles
        self.buckets = pulumi.Output.all(**{site: h.name for site, h in handles.items()})
        self.copy_interval_seconds = pulumi.Output.from_input(
            args.copy_interval_seconds if self.plan.transfer else None
        )
        self.register_outputs(
            {
                "buckets": self.buckets,
                "copyIntervalSeconds": self.copy_interval_seconds,
                "vendors": self.plan.vendors,
                # In a unit: what it exports of this bucket's resources (drivers/scope.py).
                **({UNIT_RESOURCES: scope.owned_by(name)} if scope is not None else {}),
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
