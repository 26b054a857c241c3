"""The stack configuration: what ``Pulumi.<stack>.yaml`` says about the estate.

Every key lives in the ``skyweave`` namespace (``skyweave:sites``, ``skyweave:ipam`` …) whatever
the project is called, like ``aws:region``. :func:`load_stack_config` reads and validates all of
it, and runs every planner, **before** the program registers a single resource: a mistake
exits with one message naming the stack file, each bad key, its value and what would be valid.
The format is documented in ``docs/config.md``; ``skyweave schema`` prints its JSON Schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ..app.plan import MultiCloudAppConfig
from ..core.errors import ConfigError, ConfigIssue, PlanningError, conceal
from ..core.sites import Tags
from ..core.validation import FieldValueError, as_args, first_duplicate, issues_from_validation, name_field
from ..database.plan import MultiCloudDatabaseConfig
from ..kubernetes.fleet import KubernetesFleetConfig
from ..metal.bare_metal_pool import PoolConfig
from ..network.connectivity import ConnectivityArgs
from ..network.hybrid_vpc import NAME_LIMIT, HybridVpcArgs, IpamArgs, Sites
from ..planning.units import PULUMI_NAME, Deployment
from ..storage.multi_cloud_bucket import MultiCloudBucketConfig
from .plan import EstatePlan, plan_estate
from .units import find_unit, plan_units

__all__ = [
    "NAMESPACE",
    "NetworkConfig",
    "StackConfig",
    "config_schema",
    "parse_stack_config",
]

#: The configuration namespace of every skyweave key.
NAMESPACE = "skyweave"


class NetworkConfig(ConnectivityArgs):
    """The estate's HybridVpc: its name and how its sites are joined."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = name_field(
        NAME_LIMIT,
        "Name of the HybridVpc component; prefixes every network resource's name. Default: core. "
        "Renaming it replaces every network resource.",
        default="core",
    )


class StackConfig(BaseModel):
    """Everything under ``skyweave:`` in a stack file."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="skyweave stack configuration")

    sites: Sites = Field(
        description="The sites of the estate: each one vendor + region. Required, at least one; "
        "each entry needs name, vendor and region."
    )
    ipam: IpamArgs = Field(default_factory=IpamArgs, description="Address planning. Default: IpamArgs().")
    network: NetworkConfig = Field(
        default_factory=NetworkConfig, description="The HybridVpc joining the sites. Default: named core."
    )
    tags: Tags = Field(default_factory=dict, description="Tags/labels on every resource. Default none.")
    pools: tuple[PoolConfig, ...] = Field(
        default=(),
        description="Bare-metal pools (docs/bare-metal.md): whole servers from the vendors' "
        "bare-metal sources (clouds' bare-metal servers, servers you bring), spread over failure "
        "domains. Default none.",
    )
    apps: tuple[MultiCloudAppConfig, ...] = Field(
        default=(),
        description="Services to run across sites (MultiCloudApp), each sized to survive a failure. "
        "Default none.",
    )
    buckets: tuple[MultiCloudBucketConfig, ...] = Field(
        default=(),
        description="Object storage copied across vendors (MultiCloudBucket). Default none.",
    )
    kubernetes: tuple[KubernetesFleetConfig, ...] = Field(
        default=(),
        description="Managed Kubernetes clusters over several sites and vendors (KubernetesFleet, "
        "docs/kubernetes.md), each fleet's nodes sized to survive a failure. Default none.",
    )
    databases: tuple[MultiCloudDatabaseConfig, ...] = Field(
        default=(),
        description="PostgreSQL clusters across vendors under Patroni, their consensus on etcd "
        "(MultiCloudDatabase, docs/database.md). Default none.",
    )

    @model_validator(mode="after")
    def _unique_names(self) -> StackConfig:
        """Apps, buckets, pools, databases and fleets each name their resources: a name may be used
        once per list."""
        lists = (
            ("apps", self.apps),
            ("buckets", self.buckets),
            ("pools", self.pools),
            ("kubernetes", self.kubernetes),
            ("databases", self.databases),
        )
        for key, items in lists:
            duplicate = first_duplicate(item.name for item in items)
            if duplicate is not None:
                first, second = duplicate
                raise FieldValueError(
                    f"{key}[{second}].name",
                    f"already used by {key}[{first}]; names must be unique (they name every resource)",
                    items[second].name,
                )
        return self

    deployment: Deployment = Field(
        default=Deployment.SINGLE,
        description="How the estate is deployed: single (one Pulumi stack, the default) or units "
        "(one Pulumi stack per site, link, appliance edge, the secrets and the global DNS and "
        "copies, named <stack>.<unit>; docs/units.md).",
    )

    organization: str | None = Field(
        default=None,
        description="The Pulumi organisation the estate's unit stacks live in, which the stack "
        "references between units name (<organization>/<project>/<stack>.<unit>) and `skyweave "
        "export` defaults --org to: letters, digits, '-', '_' and '.'; `organization` on a "
        "self-managed (DIY) backend. Default: the running stack's (pulumi.get_organization()).",
    )

    @model_validator(mode="after")
    def _organization_name(self) -> StackConfig:
        org = self.organization
        if org is not None and not PULUMI_NAME.fullmatch(org):
            raise FieldValueError(
                "organization",
                "not a Pulumi organisation name: letters, digits, '-', '_' and '.' only (a stack's "
                "full name is <organization>/<project>/<stack>, split on '/'); a self-managed (DIY) "
                "backend's is always 'organization'",
                org,
            )
        return self

    _plan: EstatePlan | None = PrivateAttr(default=None)
    _hybrid_vpc_args: HybridVpcArgs | None = PrivateAttr(default=None)

    def hybrid_vpc_args(self) -> HybridVpcArgs:
        """The network's arguments: one object per configuration (both are frozen), so the plan
        made from them and the component given them compare by identity, not site by site."""
        if self._hybrid_vpc_args is None:
            connectivity = as_args(self.network, ConnectivityArgs)
            self._hybrid_vpc_args = HybridVpcArgs(
                sites=self.sites, ipam=self.ipam, tags=self.tags, connectivity=connectivity
            )
        return self._hybrid_vpc_args

    @property
    def plan(self) -> EstatePlan:
        """The estate's plan: made once, when the configuration was validated; give each
        component its part (``plan=config.plan.network``) so nothing is planned twice."""
        if self._plan is None:
            self._plan = plan_estate(self, source="the stack configuration", prefix=f"{NAMESPACE}:")
        return self._plan


def parse_stack_config(
    raw: Mapping[str, Any],
    *,
    source: str,
    namespace: str = NAMESPACE,
    stack: str | None = None,
    secret_keys: Iterable[str] = (),
) -> StackConfig:
    """Validate ``raw`` (key without namespace → value) and plan it; raise :class:`ConfigError`.

    Both schema problems and planning problems (overlaps, a full supernet) are reported with
    the stack file, the full key path, the value and what would be valid; ``stack`` names the
    stack in hints that are commands (``skyweave ipam lock --stack prod``). ``secret_keys`` (without
    the namespace): keys Pulumi holds as secrets, whose values no message shows.
    """
    prefix = f"{namespace}:"
    hidden = [f"{prefix}{key}" for key in secret_keys]
    try:
        config = StackConfig.model_validate(dict(raw))
    except ValidationError as exc:
        issues = issues_from_validation(exc, dict(raw), StackConfig, prefix=prefix)
        error = ConfigError(
            issues + _planning_issues_beside(exc, raw, source=source, prefix=prefix, stack=stack),
            source=source,
        )
        raise conceal(error, hidden) from None
    try:
        config._plan = plan_estate(config, source=source, prefix=prefix, stack=stack)
        if config.deployment is Deployment.UNITS and stack is not None:
            _check_units(config._plan, stack, source=source, prefix=prefix)
    except ConfigError as exc:
        raise conceal(exc, hidden) from None
    return config


def _check_units(plan: EstatePlan, stack: str, *, source: str, prefix: str) -> None:
    """Under ``deployment: units`` every unit must be nameable: a config error before anything
    registers (a stack name Kubernetes refuses, a site named as an estate-wide unit)."""
    found = find_unit(plan, stack)  # a unit's own stack (prod.aws-use1) names its estate's units
    try:
        plan_units(plan, found[0] if found else stack)
    except PlanningError as exc:
        raise ConfigError(exc.as_issues(prefix), source=source) from None


#: The lists whose entries are planned one by one: a bad entry need not stop the others' planning.
_ENTRY_LISTS = ("apps", "buckets", "pools", "databases", "kubernetes")


def _planning_issues_beside(
    exc: ValidationError, raw: Mapping[str, Any], *, source: str, prefix: str, stack: str | None
) -> list[ConfigIssue]:
    """The planning problems of everything the schema accepted, so one run reports them with the
    schema's (docs/config.md: every problem at once).

    When the schema refused only whole entries of ``apps``, ``buckets`` or ``pools``, the stack
    is planned without those entries and each problem is blamed at its entry's index in the
    file. A problem in the sites, the addresses or the network leaves nothing sound to plan
    against (every link and every placement depends on them): then the schema's problems are all.
    """
    bad: dict[str, set[int]] = {key: set() for key in _ENTRY_LISTS}
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        if len(loc) < 2 or loc[0] not in bad or not isinstance(loc[1], int):
            return []
        bad[str(loc[0])].add(loc[1])
    kept: dict[str, list[int]] = {}
    rest = dict(raw)
    for key in _ENTRY_LISTS:
        entries = raw.get(key)
        if isinstance(entries, list):
            kept[key] = [i for i in range(len(entries)) if i not in bad[key]]
            rest[key] = [entries[i] for i in kept[key]]
    try:
        plan_estate(StackConfig.model_validate(rest), source=source, prefix=prefix, stack=stack)
    except ValidationError:
        return []  # what is left refers to a refused entry (a name used twice, …): fix those first
    except ConfigError as planned:
        entry = re.compile(rf"^{re.escape(prefix)}({'|'.join(_ENTRY_LISTS)})\[(\d+)\]")

        def in_file(path: str) -> str:
            match = entry.match(path)
            if match is None:
                return path
            index = kept[match[1]][int(match[2])]
            return f"{prefix}{match[1]}[{index}]{path[match.end() :]}"

        return [ConfigIssue(in_file(i.path), i.message, i.value, i.has_value) for i in planned.issues]
    return []


def config_schema(namespace: str = NAMESPACE) -> dict[str, Any]:
    """JSON Schema of a stack file's ``config:`` block (the skyweave keys)."""
    schema = StackConfig.model_json_schema()
    schema["properties"] = {f"{namespace}:{k}": v for k, v in schema["properties"].items()}
    schema["required"] = [f"{namespace}:{k}" for k in schema.get("required", [])]
    schema["additionalProperties"] = True
    schema["description"] = (
        "The `config:` block of a skyweave stack file (Pulumi.<stack>.yaml). Keys of other "
        "namespaces (aws:, gcp:, …) are allowed and passed through to Pulumi."
    )
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
