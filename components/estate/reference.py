"""The configuration reference in Markdown, generated from the models so the docs cannot drift.

``skyweave schema --format markdown`` prints it; ``docs/config.md`` embeds it between marker
comments, and a test fails when the two differ.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from ..app.plan import AppDnsArgs, MultiCloudAppConfig
from ..core.bootstrap import BootstrapArgs
from ..drivers.bare_metal import BareMetalSourceArgs
from ..drivers.registry import all_drivers
from ..metal.bare_metal_pool import PoolConfig
from ..network.hybrid_vpc import IpamArgs
from ..storage.multi_cloud_bucket import BucketCopyArgs, MultiCloudBucketConfig
from .config import NAMESPACE, NetworkConfig, StackConfig

__all__ = ["API_COMPONENTS", "api_arguments", "config_reference"]


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = defs.get(name, {})
        return _type(target, defs) if "enum" in target else name
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "anyOf" in prop:
        parts = [_type(p, defs) for p in prop["anyOf"] if p.get("type") != "null"]
        return " \\| ".join(parts) + (
            " or null" if any(p.get("type") == "null" for p in prop["anyOf"]) else ""
        )
    if "oneOf" in prop:
        return " \\| ".join(_type(p, defs) for p in prop["oneOf"])
    kind = prop.get("type")
    if kind == "array" and "prefixItems" in prop:
        return "pair of " + " and ".join(_type(p, defs) for p in prop["prefixItems"])
    if kind == "array":
        return f"list of {_type(prop.get('items', {}), defs)}"
    if kind == "object":
        return "mapping"
    if kind == "string" and "format" in prop:
        return f"string ({prop['format']})"
    return str(kind or "any")


def _default(name: str, model: type[BaseModel]) -> str:
    field = model.model_fields[name]
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        return "see description" if isinstance(value, BaseModel) else f"`{value!r}`"
    value = field.default
    if value is None:
        return "none"
    if hasattr(value, "value"):
        value = value.value
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`" if not isinstance(value, (tuple, list)) else (f"`{list(value)}`" if value else "`[]`")


def _table(model: type[BaseModel], *, prefix: str = "", skip: tuple[str, ...] = ()) -> list[str]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    rows = ["| key | type | default | description |", "|---|---|---|---|"]
    for name, prop in schema["properties"].items():
        if name in skip:
            continue
        description = " ".join(str(prop.get("description", "")).split()).replace("|", "\\|")
        rows.append(f"| `{prefix}{name}` | {_type(prop, defs)} | {_default(name, model)} | {description} |")
    return rows


def config_reference() -> str:
    """Markdown tables for every key of a stack file's skyweave configuration."""
    lines = [
        "### Top-level keys",
        "",
        *_table(StackConfig, prefix=f"{NAMESPACE}:"),
        "",
        f"### `{NAMESPACE}:ipam`",
        "",
        *_table(IpamArgs),
        "",
        f"### `{NAMESPACE}:network`",
        "",
        *_table(NetworkConfig),
        "",
        f"### `{NAMESPACE}:apps[]` (MultiCloudApp)",
        "",
        *_table(MultiCloudAppConfig),
        "",
        f"### `{NAMESPACE}:apps[].dns`",
        "",
        *_table(AppDnsArgs),
        "",
        f"### `{NAMESPACE}:buckets[]` (MultiCloudBucket)",
        "",
        *_table(MultiCloudBucketConfig),
        "",
        f"### `{NAMESPACE}:buckets[].copies[]`",
        "",
        *_table(BucketCopyArgs),
    ]
    for driver in all_drivers():
        model = driver.site_model
        lines += [
            "",
            f"### Sites with `vendor: {driver.vendor}` ({driver.display_name})",
            "",
            " ".join((model.__doc__ or "").split()),
            "",
            *_table(model),
            "",
            f"Capabilities: {', '.join(sorted(c.value for c in driver.capabilities))}.",
        ]
    lines += [
        "",
        f"### `{NAMESPACE}:pools` entries (BareMetalPool, see docs/bare-metal.md)",
        "",
        *_table(PoolConfig),
        "",
        "#### `bootstrap`",
        "",
        *_table(BootstrapArgs),
    ]
    for vendor, source in _sources():
        lines += [
            "",
            f"#### Sources with `kind: {_kind(source)}` (sites with `vendor: {vendor}`)",
            "",
            " ".join((source.__doc__ or "").split()),
            "",
            *_table(source),
        ]
    for _, source in _sources():
        for key, entry in _entries(source):
            lines += ["", f"#### `{key}` entries of a `{_kind(source)}` source", "", *_table(entry)]
    return "\n".join(lines) + "\n"


def _sources() -> list[tuple[str, type[BareMetalSourceArgs]]]:
    """Every registered bare-metal source model with its vendor, in vendor order."""
    return [(d.vendor, source) for d in all_drivers() for source in d.bare_metal_sources]


def _kind(source: type[BareMetalSourceArgs]) -> str:
    return str(source.model_fields["kind"].default)


def _entries(model: type[BaseModel]) -> list[tuple[str, type[BaseModel]]]:
    """The keys of ``model`` that hold further models (a source's ``servers`` …): each gets a table."""
    found = []
    for key, info in model.model_fields.items():
        pending: list[Any] = [info.annotation]
        while pending:
            tp = pending.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                found.append((key, tp))
            else:
                pending += [a for a in typing.get_args(tp) if a is not Ellipsis]
    return found


#: The components with a Python API page in docs/api/ (page file stem → class name).
API_COMPONENTS = {
    "hybrid-vpc": "HybridVpc",
    "multi-cloud-app": "MultiCloudApp",
    "bare-metal-pool": "BareMetalPool",
    "multi-cloud-bucket": "MultiCloudBucket",
    "multi-cloud-database": "MultiCloudDatabase",
}


def api_arguments(component: str) -> str:
    """The arguments section of ``component``'s page in docs/api/, generated from its models.

    The same models validate the stack file and the Python arguments, so the tables are those
    of docs/config.md with the Python names (``HybridVpcArgs.ipam`` …) as headings.
    """
    from ..app.plan import MultiCloudAppArgs
    from ..database.plan import DatabaseMemberArgs, MultiCloudDatabaseArgs
    from ..metal.bare_metal_pool import BareMetalPoolArgs
    from ..network.connectivity import ConnectivityArgs
    from ..network.hybrid_vpc import HybridVpcArgs
    from ..storage.multi_cloud_bucket import MultiCloudBucketArgs

    lines: list[str] = []

    def section(title: str, model: type[BaseModel], intro: str = "") -> None:
        lines.extend(["", f"### {title}", ""])
        if intro:
            lines.extend([intro, ""])
        lines.extend(_table(model))

    if component == "HybridVpc":
        section("`HybridVpcArgs`", HybridVpcArgs)
        section("`HybridVpcArgs.ipam` (`skyweave.IpamArgs`)", IpamArgs)
        section("`HybridVpcArgs.connectivity`", ConnectivityArgs)
        for driver in all_drivers():
            section(
                f"`sites[]` with `vendor: {driver.vendor}` ({driver.display_name})",
                driver.site_model,
                " ".join((driver.site_model.__doc__ or "").split()),
            )
    elif component == "MultiCloudApp":
        section("`MultiCloudAppArgs`", MultiCloudAppArgs)
        section("`MultiCloudAppArgs.dns` (`skyweave.AppDnsArgs`)", AppDnsArgs)
    elif component == "BareMetalPool":
        section("`BareMetalPoolArgs`", BareMetalPoolArgs)
        section("`BareMetalPoolArgs.bootstrap` (`skyweave.BootstrapArgs`)", BootstrapArgs)
        for vendor, source in _sources():
            section(
                f"`sources[]` with `kind: {_kind(source)}` (sites with `vendor: {vendor}`)",
                source,
                " ".join((source.__doc__ or "").split()),
            )
        for _, source in _sources():
            for key, entry in _entries(source):
                section(f"`{key}[]` of a `{_kind(source)}` source", entry)
    elif component == "MultiCloudBucket":
        section("`MultiCloudBucketArgs`", MultiCloudBucketArgs)
        section("`MultiCloudBucketArgs.copies[]`", BucketCopyArgs)
    elif component == "MultiCloudDatabase":
        section("`MultiCloudDatabaseArgs`", MultiCloudDatabaseArgs)
        section("`MultiCloudDatabaseArgs.members[]`", DatabaseMemberArgs)
    else:
        raise KeyError(component)
    return "\n".join(lines).lstrip("\n") + "\n"
