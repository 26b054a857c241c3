"""What the pack is sent for each resource: the neutral rows of an offline run or of any plan file,
as ``Analyze`` and ``AnalyzeStack`` requests (:class:`~skyweave.engine.analyzer.StackResource`).

One path from rows to the wire for every source, so ``check --stack`` and ``check --from-json``
judge the same estate the same way. Offline, a secret shows as ``[secret]``; it is sent marked
secret, never as plain text, and an unknown value (``[unknown]``) as the engine's unknown sentinel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.display import SECRET, UNKNOWN
from .analyzer import UNKNOWN as WIRE_UNKNOWN
from .analyzer import ProviderRef, StackResource, secret
from .offline import OfflineRun
from .plans import PlanFile, plan_from_document
from .urn import urn_name, urn_type

__all__ = ["resources_from_plan", "resources_from_preview", "resources_from_rows", "resources_from_run"]


def _wire(value: Any) -> Any:
    """An offline-preview value as the engine puts it on the wire."""
    if value == SECRET:
        return secret(SECRET)
    if value == UNKNOWN:
        return WIRE_UNKNOWN
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def resources_from_rows(
    rows: Sequence[Mapping[str, Any]],
    component_outputs: Mapping[str, Mapping[str, Any]],
    property_dependencies: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> tuple[list[StackResource], list[StackResource]]:
    """(for Analyze: inputs, for AnalyzeStack: outputs) of every registration.

    ``rows`` are skyweave's preview rows (``Registration.as_dict``); a row may also carry
    ``outputs`` (a Pulumi file records them; the offline run's are its inputs) and
    ``additionalSecretOutputs``. A provider the rows do not hold (a default provider, which
    ``pulumi preview --json`` never lists) is still named by its URN, as the engine names it.
    """
    by_urn = {str(row["urn"]): row for row in rows}
    for_analyze: list[StackResource] = []
    for_stack: list[StackResource] = []
    for row in rows:
        provider = None
        provider_urn = row.get("provider")
        if provider_urn and provider_urn in by_urn:
            p = by_urn[provider_urn]
            provider = ProviderRef(
                urn=p["urn"], type=p["type"], name=p["name"], properties=_wire(p.get("inputs") or {})
            )
        elif provider_urn:
            provider = ProviderRef(urn=provider_urn, type=urn_type(provider_urn), name=urn_name(provider_urn))
        inputs = _wire(row.get("inputs") or {})
        outputs = inputs
        if "outputs" in row:
            outputs = _wire(row["outputs"] or {})
        elif not row.get("custom", True) and row["urn"] in component_outputs:
            outputs = _wire(component_outputs[row["urn"]])
        common: dict[str, Any] = {
            "urn": row["urn"],
            "type": row["type"],
            "name": row["name"],
            "parent": row.get("parent"),
            "provider": provider,
            "dependencies": tuple(row.get("dependencies") or ()),
            "protect": bool(row.get("protect")),
            "property_dependencies": dict(
                (property_dependencies or {}).get(row["urn"]) or row.get("propertyDependencies") or {}
            ),
            "additional_secret_outputs": tuple(row.get("additionalSecretOutputs") or ()),
        }
        for_analyze.append(StackResource(properties=inputs, **common))
        for_stack.append(StackResource(properties=outputs, **common))
    return for_analyze, for_stack


def resources_from_run(
    run: OfflineRun, property_dependencies: Mapping[str, Mapping[str, Sequence[str]]] | None = None
) -> tuple[list[StackResource], list[StackResource]]:
    """(for Analyze, for AnalyzeStack) of an offline run; pass the property dependencies a
    :class:`PropertyDependencyMonitor` recorded to send them as the engine does."""
    return resources_from_rows(
        [r.as_dict() for r in run.resources], run.component_outputs, property_dependencies
    )


def resources_from_preview(doc: Any, label: str) -> tuple[list[StackResource], list[StackResource]]:
    """Resources of a parsed plan document: skyweave's preview JSON or any format
    :mod:`skyweave.engine.plans` reads (detected from the content).

    Raises:
        ConfigError: ``doc`` is not such a document, or is malformed (the message says where).
    """
    return resources_from_plan(plan_from_document(doc, label))


def resources_from_plan(plan: PlanFile) -> tuple[list[StackResource], list[StackResource]]:
    """(for ``Analyze``, for ``AnalyzeStack``) of a plan file, built exactly as for ``check --stack``."""
    return resources_from_rows(plan.rows, plan.component_outputs, plan.property_dependencies)
