"""Test-side writers: an offline run as the files the Pulumi CLI writes, following its Go types.

Why: no Pulumi CLI can run here, yet ``skyweave check --from-json`` must read what it writes.
These writers build each file from the Go structs that define it (pulumi/pulumi, read at commit
1b59498, Aug 2026), so a test can turn any offline estate into every format and compare verdicts:

- ``pulumi preview --json``: ``display.PreviewDigest`` and ``display.PreviewStep``
  (pkg/display/json.go) as ``ShowPreviewDigest`` fills them (pkg/backend/display/json.go): a step
  per resource when it starts (``ResourcePreEvent``), secrets ``[secret]``
  (``massagePropertyValue``), ``detailedDiff`` always present, ``duration`` in nanoseconds;
  ``same`` steps only with ``--show-sames`` (``shouldShow``, pkg/backend/display/display.go) but
  counted in ``changeSummary`` all the same.
- ``pulumi stack export``: ``apitype.UntypedDeployment`` / ``DeploymentV3`` / ``ResourceV3`` /
  ``ManifestV1`` / ``SecretsProvidersV1`` / ``SecretV1`` (sdk/go/common/apitype/core.go), secrets
  as ``SerializePropertyValue`` writes them (pkg/resource/stack/deployment.go), provider
  references ``<urn>::<id>`` (sdk/go/common/providers/reference.go).
- ``pulumi preview --save-plan``: ``apitype.DeploymentPlanV1`` / ``ResourcePlanV1`` / ``GoalV1`` /
  ``PlanDiffV1`` (sdk/go/common/apitype/plan.go), as ``SerializePlan`` writes them
  (pkg/resource/stack/plan.go): a create's ``inputDiff.adds`` holds every input, ``state`` the
  outputs (for a component, what it registered).

Values come from the offline run: a custom resource's outputs are its inputs (what ``check
--stack`` judges), a component's are what it registered, the stack's are the stack outputs.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from skyweave.core.display import SECRET, UNKNOWN
from skyweave.engine.offline import OfflineRun, Registration

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
COMPUTED = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
STACK_TYPE = "pulumi:pulumi:Stack"
CLI_VERSION = "v3.190.0"
MANIFEST = {
    "time": "2026-08-21T19:18:00.000000000Z",
    "magic": hashlib.sha256(CLI_VERSION.encode()).hexdigest(),  # ManifestV1.NewMagic
    "version": CLI_VERSION,
}

PropertyDependencies = Mapping[str, Mapping[str, Sequence[str]]]


def _id(urn: str) -> str:
    return "id-" + hashlib.sha256(urn.encode()).hexdigest()[:12]


def _values(value: Any, secrets: str) -> Any:
    """An offline value as the CLI serialises it: ``secrets`` is ``masked`` (a preview's
    ``[secret]``), ``ciphertext`` or ``plaintext`` (``apitype.SecretV1``)."""
    if value == SECRET:
        if secrets == "masked":
            return SECRET
        if secrets == "plaintext":
            return {SIG_KEY: SECRET_SIG, "plaintext": '"not-the-real-value"'}
        cipher = base64.b64encode(hashlib.sha256(b"secret").digest()).decode()
        return {SIG_KEY: SECRET_SIG, "ciphertext": f"v1:{cipher[:16]}:{cipher}"}
    if value == UNKNOWN:
        return COMPUTED
    if isinstance(value, dict):
        return {k: _values(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_values(v, secrets) for v in value]
    return value


def _outputs(run: OfflineRun, reg: Registration) -> dict[str, Any]:
    if reg.type == STACK_TYPE:
        return dict(run.outputs)
    if not reg.custom:
        return dict(run.component_outputs.get(reg.urn, {}))
    return dict(reg.inputs)


def resource_v3(
    run: OfflineRun,
    reg: Registration,
    deps: PropertyDependencies,
    *,
    secrets: str,
    outputs: bool = True,
    provider_ids: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An ``apitype.ResourceV3``, omitting what its ``omitempty`` tags leave out."""
    res: dict[str, Any] = {"urn": reg.urn, "custom": reg.custom, "type": reg.type}
    if reg.custom:
        res["id"] = _id(reg.urn)
    if reg.inputs:
        res["inputs"] = _values(reg.inputs, secrets)
    out = _outputs(run, reg)
    if outputs and out:
        res["outputs"] = _values(out, secrets)
    if reg.parent:
        res["parent"] = reg.parent
    if reg.protect:
        res["protect"] = True
    if reg.dependencies:
        res["dependencies"] = list(reg.dependencies)
    if reg.provider:
        ids = provider_ids or {}
        res["provider"] = f"{reg.provider}::{ids.get(reg.provider, _id(reg.provider))}"
    if deps.get(reg.urn):
        res["propertyDependencies"] = {k: list(v) for k, v in deps[reg.urn].items()}
    res["created"] = res["modified"] = "2026-08-21T19:18:00.000000000Z"
    return res


def stack_export(
    run: OfflineRun, deps: PropertyDependencies, *, secrets: str = "ciphertext", whole: bool = True
) -> dict[str, Any]:
    """``pulumi stack export`` (``whole=False``: just its ``.deployment``)."""
    deployment = {
        "manifest": MANIFEST,
        "secrets_providers": {"type": "passphrase", "state": {"salt": "v1:c2FsdA==:v1:AAAA:BBBB"}},
        "resources": [resource_v3(run, reg, deps, secrets=secrets) for reg in _ordered(run)],
    }
    return {"version": 3, "deployment": deployment} if whole else deployment


def pulumi_preview(
    run: OfflineRun, deps: PropertyDependencies, *, update: bool = False, show_sames: bool = True
) -> dict[str, Any]:
    """``pulumi preview --json``. ``update=False``: a new stack, every step a ``create`` whose new
    state has no outputs yet (written at ``ResourcePreEvent``, before the provider ran; provider
    ids unknown). ``update=True``: a re-run of an unchanged stack, every step ``same`` with the
    old outputs; without ``show_sames`` only the root stack's step is written."""
    steps = []
    unknown_ids = {r.urn: COMPUTED for r in run.resources if r.type.startswith("pulumi:providers:")}
    for reg in _ordered(run):
        if update:
            state = resource_v3(run, reg, deps, secrets="masked")
            step: dict[str, Any] = {"op": "same", "urn": reg.urn}
            if reg.provider:
                step["provider"] = state["provider"]
            step.update(oldState=state, newState=state, detailedDiff=None)
            if show_sames or reg.type == STACK_TYPE:
                steps.append(step)
        else:
            state = resource_v3(run, reg, deps, secrets="masked", outputs=False, provider_ids=unknown_ids)
            state.pop("id", None)
            step = {"op": "create", "urn": reg.urn}
            if reg.provider:
                step["provider"] = state["provider"]
            step.update(newState=state, detailedDiff=None)
            steps.append(step)
    op = "same" if update else "create"
    return {
        "config": {"skyweave:tags": "{...}"},
        "steps": steps,
        "duration": 2_500_000_000,
        "changeSummary": {op: len(run.resources)},
    }


def save_plan(run: OfflineRun, deps: PropertyDependencies, *, secrets: str = "ciphertext") -> dict[str, Any]:
    """``pulumi preview --save-plan`` of a new stack: every resource a ``create``."""
    plans = {}
    for reg in _ordered(run):
        goal: dict[str, Any] = {
            "type": reg.type,
            "name": reg.name,
            "custom": reg.custom,
            "inputDiff": {"adds": _values(reg.inputs, secrets)} if reg.inputs else {},
            "outputDiff": {},
            "protect": reg.protect,
            "customTimeouts": {},
        }
        if reg.parent:
            goal["parent"] = reg.parent
        if reg.dependencies:
            goal["dependencies"] = list(reg.dependencies)
        if reg.provider:
            goal["provider"] = f"{reg.provider}::{COMPUTED}"
        if deps.get(reg.urn):
            goal["propertyDependencies"] = {k: list(v) for k, v in deps[reg.urn].items()}
        out = _outputs(run, reg)
        plans[reg.urn] = {
            "goal": goal,
            "steps": ["create"],
            "state": _values(out, secrets) if out else None,
            "seed": base64.b64encode(hashlib.sha256(reg.urn.encode()).digest()).decode(),
        }
    return {"manifest": MANIFEST, "config": {"skyweave:tags": {"env": "prod"}}, "resourcePlans": plans}


def _ordered(run: OfflineRun) -> list[Registration]:
    """The stack first, then providers, then the rest: an order the engine registers in."""
    return sorted(
        run.resources, key=lambda r: (r.type != STACK_TYPE, not r.type.startswith("pulumi:providers:"))
    )
