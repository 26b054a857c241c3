"""``pulumi preview --json`` (``display.PreviewDigest``): the resources the update leaves, from its
steps in order; refused when it cannot show the whole estate (no ``--show-sames``, components
without outputs, a preview that stopped early or failed).
"""

from __future__ import annotations

from typing import Any

from ..urn import urn_name
from .model import _ALL_OPS, _GONE_OPS, _JUDGED_COMPONENTS, _RESULT_OPS, PlanFile, _Path
from .reader import Reader

__all__ = ["read"]


def read(reader: Reader, doc: dict[str, Any]) -> PlanFile | None:
    """``pulumi preview --json``: the resources the update leaves, from the steps in order."""
    reader.obj(doc.get("config"), ("config",))
    summary = reader.obj(doc.get("changeSummary"), ("changeSummary",))
    counts = {str(op): reader.count(n, ("changeSummary", op)) for op, n in (summary or {}).items()}
    diagnostics = doc.get("diagnostics")
    errors = 0
    if diagnostics is not None and not isinstance(diagnostics, list):
        reader.wrong(("diagnostics",), diagnostics, "a list")
    for i, diag in enumerate(diagnostics if isinstance(diagnostics, list) else []):
        diag = reader.obj(diag, ("diagnostics", i), required=True)
        if diag is None:
            continue
        for key in ("urn", "prefix", "message", "severity"):
            if key in diag:
                reader.text(diag[key], ("diagnostics", i, key))
        errors += diag.get("severity") == "error"
    steps = doc.get("steps")
    if steps is not None and not isinstance(steps, list):
        reader.wrong(("steps",), steps, "a list of steps")
        return None
    state: dict[str, dict[str, Any]] = {}
    where: dict[str, _Path] = {}
    unrecorded: dict[str, _Path] = {}
    same_steps = 0
    for i, step in enumerate(steps or []):
        path: _Path = ("steps", i)
        step = reader.obj(step, path, required=True)
        if step is None:
            continue
        op = step.get("op")
        if not isinstance(op, str) or op not in _ALL_OPS:
            reader.wrong((*path, "op"), op, "a step op (" + ", ".join(sorted(_ALL_OPS)) + ")")
            continue
        urn = reader.urn(step.get("urn"), (*path, "urn"), required=True)
        reader.provider_urn(step.get("provider"), (*path, "provider"), reference=True)
        for key in ("diffReasons", "replaceReasons"):
            if key in step:
                reader.strings(step[key], (*path, key))
        if "detailedDiff" in step:
            reader.obj(step["detailedDiff"], (*path, "detailedDiff"))
        if "oldState" in step and step["oldState"] is not None:
            reader.obj(step["oldState"], (*path, "oldState"))
        same_steps += op == "same"
        if urn is None:
            continue
        if op in _GONE_OPS:
            state.pop(urn, None)
            continue
        if op not in _RESULT_OPS:
            continue
        new = step.get("newState")
        if new is None:
            if op != "refresh":
                reader.issue(
                    (*path, "newState"),
                    f"a {op!r} step must have the resource's new state (a ResourceV3 object)",
                )
            continue
        row = reader.resource_v3(new, (*path, "newState"), outputs_fallback=True)
        if row is None:
            continue
        if row["urn"] != urn:
            reader.issue((*path, "newState", "urn"), "must be the step's URN")
            continue
        state[urn] = row
        where[urn] = path
        if not row["custom"] and row["type"].startswith(_JUDGED_COMPONENTS) and not row["outputs"]:
            unrecorded[urn] = path
        else:
            unrecorded.pop(urn, None)
    if doc.get("changeSummary") is None:
        reader.issue(
            ("changeSummary",),
            "missing: a complete `pulumi preview --json` always ends with it (a preview that stopped "
            "early leaves it out, and would be judged on part of the estate)",
        )
    elif counts.get("same", 0) > same_steps:
        reader.issue(
            ("steps",),
            f"an update preview written without --show-sames: changeSummary counts {counts['same']} "
            f"unchanged resources but the file has {same_steps} 'same' step(s), so estate-wide rules "
            "would judge only what changes (e.g. count one vendor where there are three). skyweave "
            "refuses it rather than judge part of the estate: run `pulumi preview --json --show-sames`, "
            "or check `pulumi stack export` / a `--save-plan` file, which hold every resource",
        )
    if unrecorded:
        first = next(iter(unrecorded.values()))
        names = ", ".join(repr(urn_name(u)[:60]) for u in list(unrecorded)[:3])
        more = f" and {len(unrecorded) - 3} more" if len(unrecorded) > 3 else ""
        reader.issue(
            (*first, "newState", "outputs"),
            f"{len(unrecorded)} skyweave component(s) ({names}{more}) have no outputs here: "
            "`pulumi preview --json` writes a step when it starts, before a component created or "
            "changed in the preview registers its outputs, and the pack's rules judge those outputs "
            "(tunnels, placements, on-prem ranges). skyweave refuses it rather than judge claims it "
            "cannot see: check a `pulumi preview --save-plan` file (it records them) or the stack "
            "export after the update",
        )
    if errors:
        reader.issue(
            ("diagnostics",),
            f"the preview reported {errors} error(s), so its steps are incomplete; fix those and "
            "preview again",
        )
    urns = list(state)
    return reader.finish("preview", [state[u] for u in urns], [where[u] for u in urns])
