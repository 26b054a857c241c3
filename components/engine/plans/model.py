"""What every plan-file format becomes: neutral rows (:class:`PlanFile`), and the one error a
file that cannot be judged raises (:class:`PlanFileError`), with the bounds and step ops the
readers share. The formats themselves: :mod:`skyweave.engine.plans`; the value signatures:
:mod:`skyweave.engine.wire`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.errors import ConfigError, ConfigIssue

# Deepest nesting of JSON values, counted from the top of the file: every JSON file's bound (the
# reader refuses deeper files; a parsed document handed in directly is held to it value by value).
from ...files import MAX_DEPTH

__all__ = ["FORMATS", "MAX_BYTES", "MAX_DEPTH", "PlanFile", "PlanFileError"]

#: Largest plan file read (a 50,000-resource stack export is well under this).
MAX_BYTES = 256 * 1024 * 1024
#: At most this many problems are listed; the rest are counted.
MAX_ISSUES = 10

#: The formats, by the name messages use.
FORMATS = {
    "skyweave": "skyweave preview --format json",
    "preview": "pulumi preview --json",
    "export": "pulumi stack export",
    "deployment": "the .deployment of pulumi stack export",
    "plan": "pulumi preview --save-plan",
}


# Step ops (pkg/resource/deploy/step.go; apitype.OpType in sdk/go/common/apitype/history.go).
#: The resource exists after the update: its new state is judged.
_RESULT_OPS = frozenset(
    {"same", "create", "update", "replace", "create-replacement", "import", "import-replacement", "refresh"}
)
#: The resource is gone after the update.
_GONE_OPS = frozenset({"delete", "discard"})
#: Reads (``get``): the engine keeps them out of ``AnalyzeStack`` (``deployment.reads``, not ``news``).
_READ_OPS = frozenset({"read", "read-replacement"})
#: Steps that change nothing about which resources exist (the old copy of a replacement, internals).
_OTHER_OPS = frozenset(
    {"delete-replaced", "discard-replaced", "remove-pending-replace", "diff", "extend-parameterize"}
)
_ALL_OPS = _RESULT_OPS | _GONE_OPS | _READ_OPS | _OTHER_OPS

# Stack and project names (sdk/go/common/tokens/stack_name.go, project.go): they become the
# pack's PULUMI_STACK / PULUMI_PROJECT, so anything else is refused rather than passed on.
_NAME_RE = re.compile(r"[A-Za-z0-9_.\-/]{1,100}")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,40}")
_TOKEN_RE = re.compile(r"[a-z][a-z\-]{0,23}")
_SURROGATES = re.compile("[\ud800-\udfff]")


class PlanFileError(ConfigError):
    """A plan file cannot be read, or is not shaped like any format ``check --from-json`` reads.

    A :class:`~skyweave.errors.ConfigError`, so the CLI reports it as one message, exit code 1.
    """

    def __init__(
        self, issues: Sequence[ConfigIssue], *, source: str | None = None, fault: bool = False
    ) -> None:
        super().__init__(issues, source=source, fault=fault)
        if fault and len(self.issues) == 1 and source is None:
            self.message = self.issues[0].render()  # the file itself cannot be read: one line
            return
        noun = "problem" if len(self.issues) == 1 else "problems"
        where = f" {source}" if source else ""
        lines = [f"invalid plan file{where} ({len(self.issues)} {noun}):"]
        lines += [f"  {issue.render()}" for issue in self.issues]
        self.message = "\n".join(lines)


@dataclass
class PlanFile:
    """One plan file as neutral rows: what skyweave's own preview JSON holds, whatever the format.

    Each row has ``urn``, ``type``, ``name``, ``custom``, ``parent``, ``provider`` (a URN),
    ``dependencies``, ``protect`` and ``inputs`` (values as in skyweave's preview: secrets
    ``[secret]``, unknowns the engine's sentinel); a row from a Pulumi file also has ``outputs``
    (what ``AnalyzeStack`` judges) and ``additionalSecretOutputs``.
    """

    label: str
    format: str
    stack: str
    project: str
    rows: list[dict[str, Any]]
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    property_dependencies: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)


# -- messages --------------------------------------------------------------------------------------

_Path = tuple[str | int, ...]


def _render(path: _Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT_RE.fullmatch(part) and len(part) <= 80:
            out += f".{part}" if out else part
        else:
            shown = part if len(part) <= 200 else part[:200] + "…"
            out += f"[{json.dumps(_clean(shown))}]"
    return out


def _kind(value: Any) -> str:
    """What a value is, never the value itself (it may be a secret pasted in the wrong place)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        # Only what looks like an op or a keyword is shown: anything else may be key material.
        if _TOKEN_RE.fullmatch(value):
            return f"{value!r}"
        return f"a string of {len(value)} characters"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _clean(text: str) -> str:
    """A string protobuf and the environment accept: lone surrogates (legal as JSON escapes, not
    as Unicode) become U+FFFD, as Go's decoder does."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def _error(label: str, path: str, message: str) -> PlanFileError:
    return PlanFileError([ConfigIssue(path or "(file)", message, has_value=False)], source=label)


#: Components whose outputs the pack's rules read (skyweave's own).
_JUDGED_COMPONENTS = ("skyweave:",)

# ResourceV3's other fields (core.go), checked for type though the check does not use them.
_BOOL_FIELDS = ("taint", "external", "pendingReplacement", "retainOnDelete", "refreshBeforeUpdate")
_STRING_FIELDS = (
    "id", "importID", "deletedWith", "viewOf", "sourcePosition", "snippetID", "extensionRef", "created",
    "modified",
)  # fmt: skip
_STRING_LIST_FIELDS = ("initErrors", "ignoreChanges", "replaceOnChanges", "aliases", "replaceWith")
_OBJECT_FIELDS = ("customTimeouts", "resourceHooks")
_LIST_FIELDS = ("stackTrace", "hideDiff")
