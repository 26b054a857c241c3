"""``skyweave preview --format json``: skyweave's own rows, and each component's outputs."""

from __future__ import annotations

from typing import Any

from .model import PlanFile, _clean, _Path
from .reader import Reader

__all__ = ["read"]


def read(reader: Reader, doc: dict[str, Any]) -> PlanFile | None:
    """``skyweave preview --format json`` (components/preview.py ``render_json``)."""
    for key in ("project", "stack", "mode"):
        if key in doc:
            reader.text(doc[key], (key,))
    for key in ("outputs", "summary"):
        if key in doc:
            reader.obj(doc[key], (key,))
    if "warnings" in doc:
        reader.strings(doc["warnings"], ("warnings",))
    raw_rows = doc.get("resources")
    if not isinstance(raw_rows, list):
        reader.wrong(("resources",), raw_rows, "a list of resources")
        return None
    rows: list[dict[str, Any]] = []
    where: list[_Path] = []
    for i, raw in enumerate(raw_rows):
        path: _Path = ("resources", i)
        row = _row(reader, raw, path)
        if row is not None:
            rows.append(row)
            where.append(path)
    reader.unique(rows, where)
    outputs: dict[str, dict[str, Any]] = {}
    given = reader.obj(doc.get("component_outputs"), ("component_outputs",)) or {}
    for urn, values in given.items():
        path = ("component_outputs", urn)
        if reader.urn(urn, path, required=True) is None:
            continue
        values = reader.obj(values, path)
        if values is not None:
            outputs[_clean(urn)] = reader.value(values, path)
    stack = reader.text(doc.get("stack"), ("stack",)) or ""
    project = reader.text(doc.get("project"), ("project",)) or ""
    return PlanFile(
        label=reader.label,
        format="skyweave",
        stack=reader.stack_name(stack, ("stack",)) if stack else "stack",
        project=reader.stack_name(project, ("project",)) if project else "project",
        rows=rows,
        component_outputs=outputs,
    )


def _row(reader: Reader, raw: Any, path: _Path) -> dict[str, Any] | None:
    row = reader.obj(raw, path, required=True)
    if row is None:
        return None
    urn = reader.urn(row.get("urn"), (*path, "urn"), required=True)
    type_ = reader.text(
        row.get("type"), (*path, "type"), required=True, what="a type token (e.g. aws:s3/bucket:Bucket)"
    )
    name = reader.text(row.get("name"), (*path, "name"), required=True)
    custom = reader.flag(row.get("custom", True), (*path, "custom"))
    parent = reader.urn(row.get("parent"), (*path, "parent"))
    provider = reader.provider_urn(row.get("provider"), (*path, "provider"), reference=False)
    dependencies = reader.urns(row.get("dependencies"), (*path, "dependencies"))
    protect = reader.flag(row.get("protect"), (*path, "protect"))
    if "aliases" in row and row["aliases"] is not None and not isinstance(row["aliases"], list):
        reader.wrong((*path, "aliases"), row["aliases"], "a list")
    inputs = reader.obj(row.get("inputs"), (*path, "inputs"))
    prop_deps = reader.property_dependencies(row.get("propertyDependencies"), (*path, "propertyDependencies"))
    if urn is None or type_ is None or name is None or inputs is None:
        return None
    return {
        "urn": urn,
        "type": type_,
        "name": name,
        "custom": custom,
        "parent": parent,
        "provider": provider,
        "dependencies": sorted(set(dependencies)),
        "protect": protect,
        "inputs": reader.value(inputs, (*path, "inputs")),
        "propertyDependencies": {k: list(v) for k, v in prop_deps.items()},
    }
