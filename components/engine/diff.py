"""``skyweave preview --diff BASE``: what ``pulumi up`` would change, against an earlier state.

BASE is one of three files, recognised by their shape:

* ``skyweave preview --format json`` — an earlier offline preview (say, of the main branch);
* ``pulumi stack export`` — a deployment (``{"version": 3, "deployment": {"resources": […]}}``):
  what is deployed, with each resource's id and outputs;
* ``pulumi preview --json`` — a preview digest (``{"steps": [{"op", "urn", "oldState", …}]}``):
  what was deployed when that preview ran (each step's ``oldState``; a step that creates has none).

:func:`read_base` is the one entry point to the file (URN → type, inputs, protect), so a fuller
reader can replace it; :func:`load_base` also keeps a state's ids and outputs.

How changes are decided, offline and without the providers a real preview would ask:

* a URN only in the program is a **create**, only in the base a **delete** (an alias of a current
  resource in the base is the same resource);
* a changed input is an **update**, or a **replacement** when the curated table of
  :mod:`skyweave.engine.replacements` says the provider replaces the type for it;
* an input that comes from another resource (a subnet's ``vpcId``) is compared by what it refers
  to: when that resource is replaced or created the value is unknown until ``pulumi up``, so the
  property changes — and a replacing property replaces this resource too, as the engine would;
  when it is unchanged, a state's real id stands in for the offline stand-in;
* a state holds inputs the provider filled in (defaults, auto-names); keys the program does not set
  are not changes (against an earlier skyweave preview, a key the program no longer sets is);
* an output a provider computes anew on an in-place update (a launch template's version,
  :data:`~skyweave.engine.replacements.RECOMPUTED`) is unknown too, so what refers to it changes;
  an update that replaces a group's running instances (an Auto Scaling group's instance refresh,
  :data:`~skyweave.engine.replacements.ROLLS`) says so in its note;
* a protected resource that would be deleted or replaced is called out: ``pulumi up`` refuses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .. import files
from ..core.display import UNKNOWN
from ..core.errors import ConfigError, ConfigIssue
from .offline import SECRET, OfflineMocks, OfflineRun, RecordingMonitor, Registration
from .replacements import REPLACEMENTS, forces_replacement, recomputed_outputs, rolls_instances
from .urn import STACK_TYPE
from .wire import plain

__all__ = [
    "Base",
    "BaseResource",
    "Change",
    "Diff",
    "DiffMonitor",
    "KeyChange",
    "diff_run",
    "load_base",
    "read_base",
]

_MISSING: Any = object()

KIND_SKYWEAVE = "skyweave preview"
KIND_EXPORT = "pulumi stack export"
KIND_PREVIEW = "pulumi preview --json"


class BaseResource(NamedTuple):
    """One resource of the base: what the diff compares against."""

    type: str
    inputs: dict[str, Any]
    protect: bool


@dataclass(frozen=True)
class BaseState:
    """What a deployed resource's state adds: its id, outputs and provider (a URN)."""

    id: str | None
    outputs: Mapping[str, Any]
    provider: str | None


@dataclass(frozen=True)
class Base:
    """A base file, read."""

    label: str
    kind: str
    resources: dict[str, BaseResource]
    states: dict[str, BaseState] = field(default_factory=dict)
    stack: str | None = None
    project: str | None = None

    @property
    def is_state(self) -> bool:
        """Ids and inputs come from a real deployment (not an offline preview's stand-ins)."""
        return self.kind != KIND_SKYWEAVE


def _error(path: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue(path, message, has_value=False)])


def _provider_urn(reference: Any) -> str | None:
    if not isinstance(reference, str) or not reference:
        return None
    urn, sep, _ = reference.rpartition("::")
    # ``<urn>::<id>``: a URN has ``::`` separators itself, so only strip a trailing id.
    return urn if sep and urn.count("::") >= 3 else reference


def _check_row(row: Any, where: str, *, need: Sequence[str] = ("urn", "type")) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise _error(where, "must be an object")
    for key in need:
        if not isinstance(row.get(key), str) or not row[key]:
            raise _error(f"{where}.{key}", "missing (a non-empty string is required)")
    for key, kind in (("inputs", dict), ("outputs", dict)):
        if row.get(key) is not None and not isinstance(row[key], kind):
            raise _error(f"{where}.{key}", "must be an object")
    if row.get("protect") is not None and not isinstance(row["protect"], bool):
        raise _error(f"{where}.protect", "must be true or false")
    return row


def _add(base: Base, row: dict[str, Any], *, state: bool) -> None:
    urn = row["urn"]
    inputs = {k: plain(v) for k, v in (row.get("inputs") or {}).items() if not k.startswith("__")}
    base.resources[urn] = BaseResource(row["type"], inputs, bool(row.get("protect")))
    if state:
        outputs = {k: plain(v) for k, v in (row.get("outputs") or {}).items() if not k.startswith("__")}
        base.states[urn] = BaseState(
            str(row["id"]) if row.get("id") is not None else None, outputs, _provider_urn(row.get("provider"))
        )
    elif row.get("provider"):
        base.states[urn] = BaseState(None, {}, _provider_urn(row.get("provider")))


def load_base(path: Path) -> Base:
    """Read and check ``path``; every problem is a :class:`ConfigError` naming the file and the
    JSON path (``base.json: deployment.resources[3].urn``)."""
    label = str(path)
    doc = files.read_json(path, label)
    if not isinstance(doc, dict):
        raise _error(label, _WHAT)
    if "deployment" in doc or "checkpoint" in doc:
        version = doc.get("version")
        if version != 3:
            raise _error(f"{label}: version", f"expected 3 (a `pulumi stack export`), got {version!r}")
        deployment = doc.get("deployment")
        if not isinstance(deployment, dict):
            raise _error(f"{label}: deployment", "must be an object")
        rows = deployment.get("resources")
        rows = [] if rows is None else rows  # an empty stack's export has none
        if not isinstance(rows, list):
            raise _error(f"{label}: deployment.resources", "must be a list")
        base = Base(label, KIND_EXPORT, {})
        for i, row in enumerate(rows):
            _add(base, _check_row(row, f"{label}: deployment.resources[{i}]"), state=True)
        return base
    if "steps" in doc:
        steps = doc["steps"]
        if not isinstance(steps, list):
            raise _error(f"{label}: steps", "must be a list")
        base = Base(label, KIND_PREVIEW, {})
        for i, step in enumerate(steps):
            where = f"{label}: steps[{i}]"
            if not isinstance(step, dict) or not isinstance(step.get("op"), str):
                raise _error(f"{where}.op", "missing (every step has an op)")
            old = step.get("oldState")
            if old is None or step["op"] in ("read", "create", "import"):
                continue
            _add(base, _check_row(old, f"{where}.oldState"), state=True)
        return base
    if isinstance(doc.get("resources"), list):
        base = Base(label, KIND_SKYWEAVE, {}, stack=_str(doc.get("stack")), project=_str(doc.get("project")))
        for i, row in enumerate(doc["resources"]):
            _add(base, _check_row(row, f"{label}: resources[{i}]"), state=False)
        return base
    raise _error(label, _WHAT)


_WHAT = (
    "not a base this diff can read: expected `skyweave preview --format json`, `pulumi stack export` "
    "or `pulumi preview --json` output"
)


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


def read_base(path: Path) -> dict[str, BaseResource]:
    """URN → (type, inputs, protect) of a base file (see the module docstring for the formats)."""
    return load_base(path).resources


class DiffMonitor(RecordingMonitor):
    """The offline recorder, also keeping which input of a resource came from which resource.

    The diff needs both: a property that refers to a replaced resource changes with it.
    """

    def __init__(self) -> None:
        super().__init__(OfflineMocks())
        self.property_dependencies: dict[str, dict[str, tuple[str, ...]]] = {}
        #: Each resource's ``ignore_changes``, as the engine receives them (wire names).
        self.ignore_changes: dict[str, tuple[str, ...]] = {}

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        self.property_dependencies[urn] = {
            k: tuple(sorted(set(d.urns))) for k, d in request.propertyDependencies.items() if d.urns
        }
        if request.ignoreChanges:
            self.ignore_changes[urn] = tuple(request.ignoreChanges)
        return super().RegisterResource(request)

    def computed(self) -> dict[str, dict[str, str]]:
        """Per resource, the values the offline run made up for it (its id, provider-computed
        outputs): where they appear in another's inputs, that input refers to this resource."""
        out: dict[str, dict[str, str]] = {}
        recorded = {r.urn: r for r in self.registrations}
        for urn, registration in self.resources.items():
            reg = recorded.get(urn)
            if reg is None or not reg.custom:
                continue
            values = {"id": str(registration.id)} if registration.id else {}
            for key, value in (registration.state or {}).items():
                if key not in reg.inputs and isinstance(value, str) and len(value) >= 6:
                    values[key] = value
            out[urn] = values
        return out


@dataclass(frozen=True)
class KeyChange:
    """One input that changes."""

    key: str
    old: Any
    new: Any
    replaces: bool = False
    why: str = ""


@dataclass(frozen=True)
class Change:
    """One resource that changes."""

    op: str  # create | update | replace | delete
    urn: str
    type: str
    name: str
    protect: bool = False
    keys: tuple[KeyChange, ...] = ()
    reasons: tuple[str, ...] = ()
    note: str = ""

    @property
    def refused(self) -> bool:
        """``pulumi up`` refuses to delete or replace a protected resource."""
        return self.protect and self.op in ("delete", "replace")

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "protect": self.protect,
            "refused": self.refused,
            "keys": [
                {"key": k.key, "old": _show(k.old), "new": _show(k.new), "replaces": k.replaces, "why": k.why}
                for k in self.keys
            ],
            "reasons": list(self.reasons),
            **({"note": self.note} if self.note else {}),
        }


def _show(value: Any) -> Any:
    return None if value is _MISSING else value


OPS = ("create", "update", "replace", "delete")


@dataclass(frozen=True)
class Diff:
    """Every change, in a stable order (deletes and creates by URN, others by URN too)."""

    base: Base
    stack: str
    project: str
    changes: tuple[Change, ...]
    unchanged: int
    notes: tuple[str, ...] = ()

    def count(self, op: str) -> int:
        return sum(1 for c in self.changes if c.op == op)

    @property
    def refused(self) -> list[Change]:
        return [c for c in self.changes if c.refused]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        return {**{op: self.count(op) for op in OPS}, "same": self.unchanged}


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def alias_urns(urn: str, type_: str, aliases: Sequence[Any]) -> list[str]:
    """The URNs a registration's aliases name, worked out as the engine does (``collapseAliasToUrn``
    in pulumi's ``step_generator.go``): ``{"urn": …}`` as given; a ``spec``'s name, type, stack and
    project where it gives them, else the resource's; its parent ``noParent`` (or the root stack)
    for none, a ``parentUrn`` for that parent's, else the resource's own parent."""
    out: list[str] = []
    parts = urn.split("::", 3)  # urn:pulumi:<stack> :: <project> :: <qualified type> :: <name>
    for alias in aliases:
        if not isinstance(alias, dict):
            continue
        if isinstance(alias.get("urn"), str):
            out.append(alias["urn"])
            continue
        spec = alias.get("spec")
        if not isinstance(spec, dict) or len(parts) != 4:
            continue
        stack, project, qualified, name = parts[0].removeprefix("urn:pulumi:"), *parts[1:]
        parents = qualified.rsplit("$", 1)[0] + "$" if "$" in qualified else ""
        parent_urn = spec.get("parentUrn")
        if spec.get("noParent"):
            parents = ""
        elif isinstance(parent_urn, str) and parent_urn:
            parent_parts = parent_urn.split("::", 3)
            if len(parent_parts) != 4:
                continue
            parents = "" if parent_parts[2] == STACK_TYPE else parent_parts[2] + "$"
        out.append(
            f"urn:pulumi:{spec.get('stack') or stack}::{spec.get('project') or project}::"
            f"{parents}{spec.get('type') or type_}::{spec.get('name') or name}"
        )
    return out


def _order(run: OfflineRun) -> list[str]:
    """URNs with every resource after what it depends on (parent, provider, dependencies)."""
    by_urn = run.by_urn()
    needs: dict[str, set[str]] = {}
    for reg in run.resources:
        deps = {*reg.dependencies, *(u for u in (reg.parent, reg.provider) if u)}
        needs[reg.urn] = {d for d in deps if d in by_urn and d != reg.urn}
    done: list[str] = []
    seen: set[str] = set()
    pending = sorted(needs)
    while pending:
        progressed = [u for u in pending if needs[u] <= seen]
        if not progressed:  # a cycle (cannot happen in a valid program): keep the rest in URN order
            progressed = pending
        for urn in progressed:
            seen.add(urn)
            done.append(urn)
        pending = [u for u in pending if u not in seen]
    return done


def _same(old: Any, new: Any) -> bool:
    """Equal as the engine sees input values: secrets are equal (their values are not known
    here), ``1 == 1.0``, a number equals its string form (a provider's string-typed number), and
    lists compare as multisets (a provider's sets come back in any order)."""
    if old == SECRET or new == SECRET:
        return True
    if isinstance(old, bool) or isinstance(new, bool):
        return bool(old == new)
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    if (isinstance(old, int | float) and isinstance(new, str)) or (
        isinstance(old, str) and isinstance(new, int | float)
    ):
        return str(old) == str(new) or _num(str(old)) == _num(str(new))
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return False
        if all(_same(a, b) for a, b in zip(old, new, strict=True)):
            return True
        key = _canonical
        return all(_same(a, b) for a, b in zip(sorted(old, key=key), sorted(new, key=key), strict=True))
    return bool(old == new)


def _num(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _contains(value: Any, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value
    if isinstance(value, dict):
        return any(_contains(v, needle) for v in value.values())
    if isinstance(value, list):
        return any(_contains(v, needle) for v in value)
    return False


def _substitute(value: Any, replacements: Mapping[str, str]) -> Any:
    """``value`` with each stand-in replaced by its real value, in one pass and longest first: a
    stand-in may hold another (an Azure id holds its group's and its parent's names)."""
    if not replacements:
        return value
    pattern = re.compile("|".join(re.escape(k) for k in sorted(replacements, key=len, reverse=True)))
    return _substitute_with(value, pattern, replacements)


def _substitute_with(value: Any, pattern: re.Pattern[str], replacements: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(lambda m: replacements[m.group(0)], value)
    if isinstance(value, dict):
        return {k: _substitute_with(v, pattern, replacements) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_with(v, pattern, replacements) for v in value]
    return value


def diff_run(run: OfflineRun, monitor: DiffMonitor, base: Base) -> Diff:
    """Compare what ``run`` registered with ``base``; see the module docstring for the rules."""
    current = run.by_urn()
    renamed = _renamed(run, base, current)
    walk = _Walk(
        base,
        monitor.computed(),
        monitor.property_dependencies,
        {v: k for k, v in renamed.items()},
        ignores=monitor.ignore_changes,
    )
    changes: list[Change] = []
    unchanged = 0
    for urn in _order(run):
        change = walk.change(current[urn])
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    for urn, old in sorted(base.resources.items()):
        if urn in current or urn in renamed:
            continue
        changes.append(Change("delete", urn, old.type, _name(urn), old.protect))
    notes = []
    if base.stack and base.stack != run.stack:
        notes.append(f"the base is a preview of stack '{base.stack}', this is '{run.stack}'")
    if base.is_state:
        notes.append(
            "inputs a provider filled in (defaults, auto-names) are in the state, not the program: "
            "only the inputs the program sets are compared"
        )
    notes += [f"ignored (ignore_changes: `pulumi up` keeps the old value): {what}" for what in walk.ignored]
    return Diff(base, run.stack, run.project, tuple(changes), unchanged, tuple(notes))


def _renamed(run: OfflineRun, base: Base, current: Mapping[str, Registration]) -> dict[str, str]:
    """Base URN → current URN, for resources the base knows under an alias of their new name."""
    renamed: dict[str, str] = {}
    for reg in run.resources:
        if reg.urn not in base.resources:
            for alias in alias_urns(reg.urn, reg.type, reg.aliases):
                if alias in base.resources and alias not in current:
                    renamed[alias] = reg.urn
    return renamed


@dataclass
class _Walk:
    """The comparison in registration order: what happened to each resource so far (``status``)
    decides whether a value that refers to it is known (a replaced VPC's id is not)."""

    base: Base
    computed: Mapping[str, Mapping[str, str]]
    deps: Mapping[str, Mapping[str, tuple[str, ...]]]
    old_of: Mapping[str, str]  # current URN → its URN in the base (an alias)
    status: dict[str, str] = field(default_factory=dict)
    #: per resource updated in place, the outputs the provider computes anew (unknown until up)
    recomputed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Each resource's ``ignore_changes`` (top-level inputs the engine leaves as they were).
    ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: The ignored changes found, "name: key, key", for the diff's notes.
    ignored: list[str] = field(default_factory=list)

    def change(self, reg: Registration) -> Change | None:
        """The resource's change, or ``None`` when it is the same."""
        urn = reg.urn
        base_urn = self.old_of.get(urn, urn)
        old = self.base.resources.get(base_urn)
        if old is None:
            self.status[urn] = "create"
            return Change("create", urn, reg.type, reg.name, reg.protect)
        reasons = self._provider_reasons(reg, base_urn)
        keys = [k for k in (self._key_change(reg, old, key) for key in self._keys(reg, old)) if k is not None]
        ignore = set(self.ignores.get(urn, ()))
        if ignore & {k.key for k in keys}:
            self.ignored.append(f"{reg.name}: {', '.join(k.key for k in keys if k.key in ignore)}")
            keys = [k for k in keys if k.key not in ignore]
        if reg.protect != old.protect:
            keys.append(KeyChange("protect", old.protect, reg.protect))
        replace = bool(reasons) or any(k.replaces for k in keys)
        if replace:
            reasons += [f"{k.key} changes" for k in keys if k.replaces]
        if not keys and not reasons:
            self.status[urn] = "same"
            return None
        op = "replace" if replace else "update"
        self.status[urn] = op
        changed = {k.key for k in keys}
        if op == "update":
            self.recomputed[urn] = recomputed_outputs(reg.type, changed)
        note = ""
        rolls = rolls_instances(reg.type, changed, reg.inputs) if op == "update" else ""
        if urn != base_urn:
            note = f"renamed from {base_urn} (an alias keeps it)"
        elif rolls:
            note = rolls
        elif op == "update" and reg.custom and reg.type not in REPLACEMENTS:
            note = "not in the replacement table: the provider decides whether this updates in place"
        if not reg.custom:
            note = "a component: its inputs change, nothing in the cloud does by that alone"
        return Change(
            op, urn, reg.type, reg.name, reg.protect or old.protect, tuple(keys), tuple(reasons), note
        )

    def _provider_reasons(self, reg: Registration, base_urn: str) -> list[str]:
        """A resource moved to a provider that is itself new or replaced goes with it."""
        old_provider = self.base.states.get(base_urn, BaseState(None, {}, None)).provider
        new_provider = reg.provider
        moved = new_provider and (old_provider != new_provider or self.status.get(new_provider) == "replace")
        if reg.custom and new_provider and moved and self.status.get(new_provider) in ("create", "replace"):
            return [f"its provider {_name(new_provider)} is {self.status[new_provider]}d"]
        return []

    def _keys(self, reg: Registration, old: BaseResource) -> list[str]:
        keys = set(reg.inputs) | (set(old.inputs) if not self.base.is_state else set())
        return [key for key in sorted(keys) if not key.startswith("__")]

    def _key_change(self, reg: Registration, old: BaseResource, key: str) -> KeyChange | None:
        new_value = reg.inputs.get(key, _MISSING)
        old_value = old.inputs.get(key, _MISSING)
        sources = self.deps.get(reg.urn, {}).get(key) or tuple(reg.dependencies)
        moving = [s for s in sources if self.status.get(s) in ("create", "replace")]
        refers = [
            s for s in sources if any(_contains(new_value, v) for v in self.computed.get(s, {}).values())
        ]
        # an output an in-place update recomputes (a new template version) is unknown as well
        moving += [
            s
            for s in sources
            if s not in moving
            and any(
                _contains(new_value, self.computed.get(s, {}).get(out, UNKNOWN))
                for out in self.recomputed.get(s, ())
            )
        ]
        if new_value is not _MISSING and (moving and (refers or _contains(new_value, UNKNOWN))):
            why = f"known after {_name(moving[0])} is {self.status[moving[0]]}d"
            rule = forces_replacement(reg.type, key, old_value, new_value, reg.inputs)
            return KeyChange(key, old_value, UNKNOWN, rule is not None, why)
        if new_value is not _MISSING and _contains(new_value, UNKNOWN):
            return None  # computed by a provider from unchanged resources: the engine knows it
        if new_value is not _MISSING and refers and self.base.is_state:
            stand_ins = {
                value: real
                for s in refers
                for k, value in self.computed.get(s, {}).items()
                if (real := _real(self.base, self.old_of.get(s, s), k)) is not None
            }
            if not stand_ins:
                return None  # refers to an unchanged resource whose state we cannot see
            new_value = _substitute(new_value, stand_ins)
        if (
            old_value is _MISSING
            and new_value is not _MISSING
            and self.base.is_state
            and new_value in (None, [], {})
        ):
            return None
        if old_value is not _MISSING and new_value is not _MISSING and _same(old_value, new_value):
            return None
        rule = forces_replacement(reg.type, key, old_value, new_value, reg.inputs)
        return KeyChange(key, old_value, new_value, rule is not None, rule.source if rule else "")


def _real(base: Base, urn: str, key: str) -> str | None:
    state = base.states.get(urn)
    if state is None:
        return None
    value = state.id if key == "id" else state.outputs.get(key)
    return value if isinstance(value, str) and value not in (SECRET, UNKNOWN) else None
