"""A directory of unit plans read as one estate: what ``skyweave check --from-json DIR`` judges.

Why: an estate deployed as units (docs/units.md) is previewed as one Pulumi stack per unit, yet
vendor loss, link redundancy and capacity are properties of the whole estate; judging each unit
alone would miss them or invent them. So the units' plans — skyweave's own or Pulumi's, any mix,
each read by :func:`~skyweave.engine.plans.read_plan` — become the one plan the single stack of the
same estate would have: every URN is moved from the unit's stack to the estate's (inside a unit a
URN equals the single stack's except for the stack part), resources every unit registers for
itself (the root stack, components, providers) are kept once, and the stack references between
units are left out (they read another stack; the single stack has none).

The directory says which units it must hold: ``units.json`` (``skyweave stacks --format json``,
which ``skyweave preview --all --out DIR`` writes too). Refused, each naming the file: a missing
or malformed manifest, a plan of a stack that is not one of its units, two plans of one unit, a
unit without a plan, plans of different projects, and two plans claiming one resource.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ... import files
from ...core.errors import ConfigIssue, PlanningError
from ...drivers.scope import UNIT_RESOURCES, reference_source
from ...planning.units import Unit, UnitGraph
from ..urn import STACK_TYPE
from .model import PlanFile, PlanFileError, _error

__all__ = ["MANIFEST", "read_plan_directory", "read_units_manifest"]

#: The manifest naming every unit a plan directory must hold.
MANIFEST = "units.json"
#: Largest manifest read (a 10,000-site estate's graph is a few MB).
MANIFEST_BYTES = 64 * 1024 * 1024
#: Resources a unit registers for itself, which the single stack holds once: kept once.
_SHARED_TYPES_PREFIX = "pulumi:providers:"
#: Reads of another unit's outputs: not resources of the estate.
_STACK_REFERENCE = "pulumi:pulumi:StackReference"


class _UnitEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(min_length=1, max_length=40)
    layer: int | None = Field(default=None, ge=0)  # derived from the prerequisites: not read
    holds: list[str] = Field(default_factory=list, max_length=100_000)
    prerequisites: list[str] = Field(default_factory=list, max_length=100_000)


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")  # `deployment`, `layers`, a tool's own: not read

    stack: str = Field(min_length=1, max_length=100, description="the estate's stack")
    units: list[_UnitEntry] = Field(min_length=1)


def read_units_manifest(path: Path) -> UnitGraph:
    """The unit graph recorded in ``path`` (a ``units.json``), checked as :meth:`UnitGraph.of` checks
    one made from a stack file.

    Raises:
        PlanFileError: missing, unreadable, not the manifest's shape, or not a valid graph.
    """
    label = str(path)
    doc = files.read_json(path, label, limit=MANIFEST_BYTES, error=PlanFileError)
    manifest = files.validate(_Manifest, doc, label, error=PlanFileError, show_values=True)
    try:
        return UnitGraph.of(
            manifest.stack,
            (Unit(u.name, u.kind, tuple(u.holds), tuple(u.prerequisites)) for u in manifest.units),
        )
    except PlanningError as exc:
        raise PlanFileError(
            [ConfigIssue(exc.path or "units", str(exc), exc.value, has_value=exc.has_value)], source=label
        ) from None


def read_plan_directory(directory: Path, read: Callable[[Path], PlanFile]) -> PlanFile:
    """Every unit's plan in ``directory`` as the one plan of its estate (``read`` reads one file:
    :func:`~skyweave.engine.plans.read_plan`)."""
    where = str(directory)
    manifest_path = directory / MANIFEST
    if not files.file_exists(manifest_path, str(manifest_path), error=PlanFileError):
        raise _directory_error(
            where,
            f"a plan directory holds {MANIFEST}, the units it must have a plan for; write it with "
            f"`skyweave stacks --stack NAME --format json > {manifest_path}` "
            "(`skyweave preview --stack NAME --all --out DIR` writes it too)",
        )
    graph = read_units_manifest(manifest_path)
    paths = sorted(p for p in directory.glob("*.json") if p.name != MANIFEST)
    by_unit: dict[str, PlanFile] = {}
    for path in paths:
        plan = read(path)
        unit = plan.stack.rsplit("/", 1)[-1]  # a fully qualified org/project/stack names the same unit
        if unit not in graph:
            raise _error(
                plan.label,
                "stack",
                f"a plan of stack {unit!r}, which is not a unit of estate {graph.estate!r} in "
                f"{manifest_path} (units: {_listed(graph.names())})",
            )
        if unit in by_unit:
            raise _error(
                plan.label, "stack", f"a second plan of unit {unit!r} (the first: {by_unit[unit].label})"
            )
        by_unit[unit] = plan
    missing = [name for name in graph.names() if name not in by_unit]
    if missing:
        raise _directory_error(
            where,
            f"no plan of unit(s) {_listed(missing)} of estate {graph.estate!r} ({MANIFEST} lists "
            f"{len(graph.units)}, the directory has plans of {len(by_unit)}): an estate is judged "
            "whole or not at all",
        )
    projects = {plan.project for plan in by_unit.values()}
    if len(projects) > 1:
        raise _directory_error(
            where, f"plans of different projects ({_listed(sorted(projects))}): one estate is one project"
        )
    return _merge(graph, [by_unit[name] for name in graph.names()], where)


def _merge(graph: UnitGraph, plans: list[PlanFile], label: str) -> PlanFile:
    project = plans[0].project
    estate = graph.estate
    rows: dict[str, dict[str, Any]] = {}
    claimed: dict[str, str] = {}
    outputs: dict[str, dict[str, Any]] = {}
    dependencies: dict[str, dict[str, tuple[str, ...]]] = {}
    sources = _reference_sources(plans, estate, project)
    seen: dict[int, set[str]] = {}  # per merged list (by identity): its items, canonical
    for plan in plans:
        move = _mover(plan.stack.rsplit("/", 1)[-1], estate, project)
        for raw in plan.rows:
            if raw["type"] == _STACK_REFERENCE:
                continue
            row = move(raw)
            row["dependencies"] = _resolved(row.get("dependencies") or [], sources)
            if isinstance(props := row.get("propertyDependencies"), dict):
                row["propertyDependencies"] = _resolved_properties(props, sources)
            urn = row["urn"]
            if urn in rows:
                if row.get("custom", True) and not _shared(row["type"]):
                    raise _error(
                        plan.label,
                        "resources",
                        f"resource {urn} is claimed by two plans: this one and {claimed[urn]} "
                        "(a resource belongs to exactly one unit)",
                    )
                continue
            rows[urn] = row
            claimed[urn] = plan.label
        for urn, values in plan.component_outputs.items():
            merged = outputs.setdefault(move(urn), {})
            _merge_values(merged, {k: v for k, v in move(values).items() if k != UNIT_RESOURCES}, seen)
        for urn, props in plan.property_dependencies.items():
            dependencies.setdefault(move(urn), _resolved_properties(move(props), sources))
    return PlanFile(
        label=label,
        format=plans[0].format if len({p.format for p in plans}) == 1 else "units",
        stack=estate,
        project=project,
        rows=list(rows.values()),
        component_outputs=outputs,
        property_dependencies=dependencies,
    )


def _merge_values(merged: dict[str, Any], values: dict[str, Any], seen: dict[int, set[str]]) -> None:
    """A component's outputs as every unit registered them, into one: a mapping each unit fills
    with its own sites' part (``siteProviders``, a network's ``networks``) is the union of theirs,
    a list each fills with its links' part (an on-prem site's ``onpremDevices``) holds every
    unit's items once, in the units' order; anything else, the first unit's.

    ``seen`` holds each merged list's items in canonical JSON, so an item is found in constant
    time: comparing it with every item before it made a 10,000-site estate's merge quadratic in
    its links (20,000 units each adding to the same lists)."""
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            _merge_values(merged[key], value, seen)
        elif isinstance(value, list) and isinstance(merged.get(key), list):
            # a list each unit fills with its own links' part (an on-prem site's device entries)
            target = merged[key]
            held = seen.get(id(target))
            if held is None:
                held = seen[id(target)] = {_canonical(item) for item in target}
            for item in value:
                canonical = _canonical(item)
                if canonical not in held:
                    held.add(canonical)
                    target.append(item)
        else:
            merged.setdefault(key, value)


def _canonical(item: Any) -> str:
    """An output value as text equal for equal values (plans are JSON: key order aside, equal
    values serialise alike)."""
    return json.dumps(item, sort_keys=True, separators=(",", ":"))


def _reference_sources(plans: list[PlanFile], estate: str, project: str) -> dict[tuple[str, str], list[str]]:
    """(unit, key) → the URNs (in the estate's stack) of the resources a unit exported as ``key``
    (one resource's attributes, or a value made of several resources' outputs), as its
    components record them (:data:`~skyweave.drivers.scope.UNIT_RESOURCES`)."""
    found: dict[tuple[str, str], list[str]] = {}
    for plan in plans:
        unit = plan.stack.rsplit("/", 1)[-1]
        move = _mover(unit, estate, project)
        for values in plan.component_outputs.values():
            record = values.get(UNIT_RESOURCES)
            if not isinstance(record, dict):
                continue
            for key, urns in record.items():
                listed = [urns] if isinstance(urns, str) else urns if isinstance(urns, list) else []
                found[(unit, str(key))] = [move(u) for u in listed if isinstance(u, str)]
    return found


def _resolved(dependencies: Any, sources: dict[tuple[str, str], list[str]]) -> Any:
    """``dependencies`` with each stack reference a unit made to read another unit's resources
    (:meth:`~skyweave.drivers.scope.UnitScope.reference`) replaced by those resources: the
    dependencies the single stack has."""
    if not isinstance(dependencies, (list, tuple)):
        return dependencies
    out: dict[Any, None] = {}
    for dep in dependencies:
        if isinstance(dep, str) and f"::{_STACK_REFERENCE}::" in dep:
            source = reference_source(dep.rsplit("::", 1)[-1])
            if source is not None and source in sources:
                out.update(dict.fromkeys(sources[source]))
                continue
        out.setdefault(dep)
    return type(dependencies)(out)


def _resolved_properties(
    properties: dict[str, Any], sources: dict[tuple[str, str], list[str]]
) -> dict[str, Any]:
    """Each property's dependencies :func:`_resolved`; a property that depended only on stack
    references reading values no resource made (a vSphere site's fixed address, exported as a
    constant) depends on nothing, and the single stack lists no dependencies for it."""
    out = {}
    for key, dependencies in properties.items():
        found = _resolved(dependencies, sources)
        if found or not dependencies:
            out[key] = found
    return out


def _directory_error(where: str, message: str) -> PlanFileError:
    """A problem of the directory as a whole: one line naming it."""
    return PlanFileError([ConfigIssue(where, message, has_value=False)], fault=True)


def _shared(type_: str) -> bool:
    return type_ == STACK_TYPE or type_.startswith(_SHARED_TYPES_PREFIX)


def _mover(unit: str, estate: str, project: str) -> Callable[[Any], Any]:
    """A function moving every URN in a value from ``unit``'s stack to ``estate``'s (the root
    stack resource's name carries the stack too)."""
    prefix, target = f"urn:pulumi:{unit}::{project}::", f"urn:pulumi:{estate}::{project}::"
    root = f"{prefix}{STACK_TYPE}::{project}-{unit}"
    root_target = f"{target}{STACK_TYPE}::{project}-{estate}"

    def move(value: Any) -> Any:
        if isinstance(value, str):
            if value.startswith(root):
                return root_target + value[len(root) :]
            return target + value[len(prefix) :] if value.startswith(prefix) else value
        if isinstance(value, dict):
            return {move(k): move(v) for k, v in value.items()}
        if isinstance(value, list):
            return [move(v) for v in value]
        if isinstance(value, tuple):
            return tuple(move(v) for v in value)
        return value

    return move


def _listed(names: Any, most: int = 8) -> str:
    names = list(names)
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")
