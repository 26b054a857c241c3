"""``pulumi stack export`` (``apitype.UntypedDeployment``) and its bare ``.deployment``
(``apitype.DeploymentV3``): every resource not marked ``delete``, as ``AnalyzeSnapshot`` sees it.
"""

from __future__ import annotations

from typing import Any

from .model import PlanFile, _kind, _Path
from .reader import Reader

__all__ = ["read", "read_deployment"]


def read(reader: Reader, doc: dict[str, Any]) -> PlanFile | None:
    """``pulumi stack export``: ``apitype.UntypedDeployment`` around a ``DeploymentV3``."""
    version = doc.get("version")
    if isinstance(version, bool) or version not in (3, 4):
        reader.issue(
            ("version",),
            f"must be 3 or 4 (the deployment versions a current CLI writes), got {_kind(version)}; "
            "export the stack again with a current Pulumi CLI",
        )
        return None
    if "features" in doc:
        reader.strings(doc["features"], ("features",))
    deployment = reader.obj(doc.get("deployment"), ("deployment",), required=True)
    if deployment is None:
        return None
    return read_deployment(reader, deployment, ("deployment",), kind="export")


def read_deployment(
    reader: Reader, doc: dict[str, Any], base: _Path = (), kind: str = "deployment"
) -> PlanFile | None:
    """An ``apitype.DeploymentV3``: every resource not marked ``delete`` (``AnalyzeSnapshot``)."""
    reader.obj(doc.get("manifest"), (*base, "manifest"), required=True)
    if "secrets_providers" in doc:
        reader.obj(doc["secrets_providers"], (*base, "secrets_providers"))
    pending = doc.get("pending_operations")
    if pending is not None and not isinstance(pending, list):
        reader.wrong((*base, "pending_operations"), pending, "a list")
    raw = doc.get("resources")
    if raw is not None and not isinstance(raw, list):
        reader.wrong((*base, "resources"), raw, "a list of resources")
        return None
    rows: list[dict[str, Any]] = []
    where: list[_Path] = []
    for i, res in enumerate(raw or []):
        path: _Path = (*base, "resources", i)
        row = reader.resource_v3(res, path, outputs_fallback=False)
        if row is not None and not row["delete"]:
            rows.append(row)
            where.append(path)
    reader.unique(rows, where)
    return reader.finish(kind, rows, where)
