"""Read every plan file ``skyweave check --from-json`` accepts, whichever tool wrote it.

Why this module: a CI gate is handed whatever the pipeline already has — skyweave's own offline
preview, ``pulumi preview --json``, a ``pulumi stack export`` or a ``pulumi preview --save-plan``
file — and must judge the resources each describes as the engine would, or refuse the file with
one message that names the file, the JSON path and what would be valid. So the format is
detected from the content; every field the check uses is validated for type and shape before
anything reaches the pack (a wrong type would otherwise surface as a traceback in protobuf or in
the pack); and every format becomes the same neutral rows skyweave's own preview has, which
:func:`skyweave.engine.requests.resources_from_rows` turns into Analyzer requests — one path from
rows to the wire for every format, the one ``check --stack`` uses.

The shapes, from the Go types in pulumi/pulumi (read at commit 1b59498, Aug 2026):

- ``pulumi preview --json``: ``display.PreviewDigest`` / ``PreviewStep`` (pkg/display/json.go),
  written by ``ShowPreviewDigest`` (pkg/backend/display/json.go). States are
  ``apitype.ResourceV3`` with secrets massaged to ``"[secret]"``; unknowns are
  ``04da6b54-80e4-46f7-96ec-b56ff0331ba9`` (``computedValuePlaceholder``,
  pkg/resource/stack/deployment.go). ``shouldShow`` (pkg/backend/display/display.go) leaves
  ``same`` steps out unless ``--show-sames`` (except the root stack and protect changes) and the
  engine never shows default-provider steps (``isInternalStep``, pkg/engine/update.go).
- ``pulumi stack export``: ``apitype.UntypedDeployment`` ``{version, features, deployment}`` with
  ``deployment`` an ``apitype.DeploymentV3`` (sdk/go/common/apitype/core.go; versions 3 and 4
  both decode into it); secrets are ``apitype.SecretV1`` (``ciphertext`` or ``plaintext``),
  provider references ``<provider URN>::<id>`` (``providers.ParseReference``,
  sdk/go/common/providers/reference.go).
- ``pulumi preview --save-plan``: ``apitype.DeploymentPlanV1`` / ``ResourcePlanV1`` / ``GoalV1``
  (sdk/go/common/apitype/plan.go), written by ``plan.Write`` (pkg/cmd/pulumi/plan/plan.go).

How each becomes what the engine would send (``AnalyzeSnapshot``,
pkg/resource/deploy/analyze_snapshot.go, and ``AnalyzeResources``,
pkg/resource/deploy/step_generator.go): ``Analyze`` gets a resource's inputs, ``AnalyzeStack``
its outputs; the name is the URN's name; deleted resources are left out; a provider is the
provider resource the reference names. Every secret, whether ciphertext, plaintext or
``[secret]``, becomes the same masked secret — the pack is never given a secret's value.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ... import files
from ..urn import urn_name, urn_type
from . import export, preview, saved, skyweave
from .directory import MANIFEST, read_plan_directory, read_units_manifest
from .model import (
    _FIELD_RE,
    FORMATS,
    MAX_BYTES,
    MAX_DEPTH,
    PlanFile,
    PlanFileError,
    _error,
    _kind,
)
from .reader import Reader

__all__ = [
    "FORMATS",
    "MANIFEST",
    "MAX_BYTES",
    "MAX_DEPTH",
    "PlanFile",
    "PlanFileError",
    "detect",
    "parse_plan",
    "plan_from_document",
    "read_plan",
    "read_plan_directory",
    "read_units_manifest",
    "urn_name",
    "urn_type",
]

#: Each format's reader (the names are :data:`FORMATS`' keys).
_FORMATS: dict[str, Callable[[Reader, dict[str, Any]], PlanFile | None]] = {
    "skyweave": skyweave.read,
    "preview": preview.read,
    "export": export.read,
    "deployment": export.read_deployment,
    "plan": saved.read,
}


def read_plan(path: Path) -> PlanFile:
    """Read, decode, parse and validate a plan file (bounded as every JSON file is:
    :func:`skyweave.files.read_json`, with :data:`MAX_BYTES` as the size bound).

    Raises:
        PlanFileError: the file is missing, too large, not UTF-8, not JSON, or not a plan.
    """
    label = str(path)
    return plan_from_document(files.read_json(path, label, limit=MAX_BYTES, error=PlanFileError), label)


def parse_plan(data: bytes, label: str) -> PlanFile:
    """:func:`read_plan` of bytes already read (``label`` names them in messages)."""
    return plan_from_document(files.parse_json(data, label, limit=MAX_BYTES, error=PlanFileError), label)


def plan_from_document(doc: Any, label: str) -> PlanFile:
    """Detect the format of a parsed document and convert it to rows.

    Raises:
        PlanFileError: it is not shaped like any format, or a field has the wrong type.
    """
    kind = detect(doc)
    if kind is None:
        # Key names only, and only those that look like field names (never a pasted value).
        shown = sorted(k if _FIELD_RE.fullmatch(k) else "…" for k in doc) if isinstance(doc, dict) else []
        keys = ", ".join(dict.fromkeys(shown[:8])) or None
        found = (
            f"an object with keys {keys}"
            if keys
            else ("an empty object" if isinstance(doc, dict) else f"{_kind(doc)}")
        )
        raise _error(
            label,
            "",
            "not a preview, stack export or plan that skyweave reads: expected the JSON of "
            + "; ".join(f"`{v}`" for k, v in FORMATS.items() if k != "deployment")
            + f" (or `.deployment` of a stack export); got {found}",
        )
    reader = Reader(label)
    plan = _FORMATS[kind](reader, doc)
    reader.raise_issues()
    assert plan is not None
    return plan


def detect(doc: Any) -> str | None:
    """Which format ``doc`` is, from its top-level keys (``None``: none of them).

    ``resourcePlans`` only in a ``--save-plan`` file; ``deployment`` (with ``version``) only in a whole
    stack export; ``manifest`` (without those) a bare ``.deployment``; ``steps`` / ``changeSummary``
    only in a ``PreviewDigest``; ``resources`` without ``manifest`` skyweave's own preview.
    """
    if not isinstance(doc, dict):
        return None
    if "resourcePlans" in doc:
        return "plan"
    if "deployment" in doc:
        return "export"
    if "manifest" in doc:
        return "deployment"
    if "steps" in doc or "changeSummary" in doc:
        return "preview"
    if "resources" in doc:
        return "skyweave"
    return None
