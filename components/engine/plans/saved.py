"""``pulumi preview --save-plan`` (``apitype.DeploymentPlanV1``): each resource plan with a goal is a
resource the update leaves, its inputs rebuilt from the goal's input diff.
"""

from __future__ import annotations

from typing import Any

from ..urn import urn_name, urn_type
from .model import _ALL_OPS, _RESULT_OPS, PlanFile, _Path
from .reader import Reader

__all__ = ["read"]


def read(reader: Reader, doc: dict[str, Any]) -> PlanFile | None:
    """``pulumi preview --save-plan``: ``apitype.DeploymentPlanV1``.

    A resource plan with a goal is a resource the program registered, so it exists after the
    update (a deleted one has no goal). The plan records inputs only as a diff from the old
    ones (``GoalV1.inputDiff``): complete for a create, partial for an update, empty for a
    ``same``. So a create's inputs are its ``adds``; any other's are the planned outputs
    (``state``) with the diff applied — a provider's outputs hold its inputs. ``AnalyzeStack``
    judges ``state``, the outputs the engine predicted (for a component, what it registered).
    """
    reader.obj(doc.get("manifest"), ("manifest",), required=True)
    reader.obj(doc.get("config"), ("config",))
    plans = reader.obj(doc.get("resourcePlans"), ("resourcePlans",))
    found: list[tuple[dict[str, Any], _Path]] = []
    for key, plan in (plans or {}).items():
        path: _Path = ("resourcePlans", key)
        urn = reader.urn(key, path, required=True)
        plan = reader.obj(plan, path, required=True)
        if urn is None or plan is None:
            continue
        steps = reader.strings(plan.get("steps"), (*path, "steps"))
        for i, op in enumerate(steps):
            if op not in _ALL_OPS:
                reader.wrong((*path, "steps", i), op, "a step op (" + ", ".join(sorted(_ALL_OPS)) + ")")
        if "seed" in plan:
            reader.text(plan["seed"], (*path, "seed"), what="base64 text")
        outputs = reader.obj(plan.get("state"), (*path, "state"))
        goal = plan.get("goal")
        if goal is None:
            continue  # a delete: nothing registered it
        if steps and not any(op in _RESULT_OPS for op in steps):
            continue  # a read
        created = bool(steps) and set(steps) <= {"create", "import"}
        row = _goal(reader, urn, goal, outputs, (*path, "goal"), path, created=created)
        if row is not None:
            found.append((row, path))
    found.sort(key=lambda item: item[0]["urn"])
    return reader.finish("plan", [row for row, _ in found], [path for _, path in found])


def _goal(
    reader: Reader,
    urn: str,
    goal: Any,
    outputs: dict[str, Any] | None,
    path: _Path,
    plan_path: _Path,
    *,
    created: bool,
) -> dict[str, Any] | None:
    """A row from a ``GoalV1``. ``created``: the diff is against nothing (``oldInputs = nil``
    in step_generator.go), so ``inputDiff.adds`` holds every input."""
    goal = reader.obj(goal, path, required=True)
    if goal is None:
        return None
    type_ = reader.text(
        goal.get("type"), (*path, "type"), required=True, what="a type token (e.g. aws:s3/bucket:Bucket)"
    )
    name = reader.text(goal.get("name"), (*path, "name"))
    if type_ is not None and urn_type(urn) != type_:
        reader.issue((*path, "type"), f"must be the type in its URN, {urn_type(urn)[:80]!r}")
    if name and name != urn_name(urn):
        reader.issue((*path, "name"), "must be the name in its URN")
    custom = reader.flag(goal.get("custom"), (*path, "custom"))
    protect = reader.flag(goal.get("protect"), (*path, "protect"))
    refs = reader.references(goal, path)
    reader.urns(goal.get("aliases"), (*path, "aliases"))
    for key in ("ignoreChanges",):
        if key in goal:
            reader.strings(goal[key], (*path, key))
    for key in ("structuredAliases",):
        if key in goal and goal[key] is not None and not isinstance(goal[key], list):
            reader.wrong((*path, key), goal[key], "a list")
    if "deleteBeforeReplace" in goal:
        reader.flag(goal["deleteBeforeReplace"], (*path, "deleteBeforeReplace"))
    if "id" in goal:
        reader.text(goal["id"], (*path, "id"))
    if "customTimeouts" in goal:
        reader.obj(goal["customTimeouts"], (*path, "customTimeouts"))
    diff = reader.obj(goal.get("inputDiff"), (*path, "inputDiff"))
    if "outputDiff" in goal:
        reader.obj(goal["outputDiff"], (*path, "outputDiff"))
    if type_ is None or diff is None or outputs is None:
        return None
    adds = reader.obj(diff.get("adds"), (*path, "inputDiff", "adds"))
    updates = reader.obj(diff.get("updates"), (*path, "inputDiff", "updates"))
    deletes = reader.strings(diff.get("deletes"), (*path, "inputDiff", "deletes"))
    if adds is None or updates is None:
        return None
    state = reader.value(outputs, (*plan_path, "state"))
    changed = reader.value({**adds, **updates}, (*path, "inputDiff"))
    base = {} if created or not custom else {k: v for k, v in state.items() if k not in deletes}
    inputs = {**base, **changed}
    return {
        "urn": urn,
        "type": type_,
        "name": urn_name(urn),
        "custom": custom,
        "parent": refs["parent"],
        "provider": refs["provider"],
        "dependencies": refs["dependencies"],
        "protect": protect,
        "inputs": inputs,
        "outputs": state if (state or not custom) else inputs,
        "additionalSecretOutputs": refs["additionalSecretOutputs"],
        "_property_dependencies": refs["_property_dependencies"],
    }
