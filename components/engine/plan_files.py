"""Read every plan file ``skyweave check --from-json`` accepts, whichever tool wrote it.

Why this module: a CI gate is handed whatever the pipeline already has — skyweave's own offline
preview, ``pulumi preview --json``, a ``pulumi stack export`` or a ``pulumi preview --save-plan``
file — and must judge the resources each describes as the engine would, or refuse the file with
one message that names the file, the JSON path and what would be valid. So the format is
detected from the content; every field the check uses is validated for type and shape before
anything reaches the pack (a wrong type would otherwise surface as a traceback in protobuf or in
the pack); and every format becomes the same neutral rows skyweave's own preview has, which
:func:`skyweave.engine.check.resources_from_rows` turns into Analyzer requests — one path from
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

import json
import math
import os
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import ConfigError, ConfigIssue
from ..files import os_problem

if TYPE_CHECKING:
    from .analyzer import StackResource

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "PlanFile",
    "PlanFileError",
    "parse_plan",
    "plan_from_document",
    "read_plan",
    "urn_name",
    "urn_type",
]

#: Largest plan file read (a 50,000-resource stack export is well under this).
MAX_BYTES = 256 * 1024 * 1024
#: Deepest nesting of JSON values (counted from the top of the file). Real property values nest a
#: few levels; far deeper ones blow Python's recursion limit in protobuf and the pack.
MAX_DEPTH = 64
#: Longest integer literal parsed (a float64 holds at most 309 integer digits).
MAX_NUMBER_DIGITS = 400
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

# Property-value signatures (sdk/go/common/resource/sig/sig.go, pkg/resource/stack/deployment.go).
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
BYTE_STRING_SIG = "803fd3297a5875dc03ca845dda5d2a98"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
FLOAT_SIG = "8ad145fe-0d11-4827-bfd7-1abcbf086f5c"
#: ``computedValuePlaceholder``: a value not known until the update runs.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
#: How every secret reaches the pack (skyweave's offline convention; check.py sends it as a secret).
SECRET = "[secret]"

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

_URN_PREFIX = "urn:pulumi:"
_PROVIDER_TYPE = "pulumi:providers:"
_ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
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

    def resources(self) -> tuple[list[StackResource], list[StackResource]]:
        """(for ``Analyze``, for ``AnalyzeStack``), built exactly as for ``check --stack``."""
        from .check import resources_from_rows

        return resources_from_rows(self.rows, self.component_outputs, self.property_dependencies)


# -- reading -----------------------------------------------------------------------------------


def read_plan(path: Path) -> PlanFile:
    """Read, decode, parse and validate a plan file.

    Raises:
        PlanFileError: the file is missing, too large, not UTF-8, not JSON, or not a plan.
    """
    label = str(path)
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size > MAX_BYTES:
                raise _too_large(label)
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:  # the environment's fault: one line naming the file
        raise PlanFileError([ConfigIssue(label, os_problem(exc), has_value=False)], fault=True) from None
    return parse_plan(data, label)


def parse_plan(data: bytes, label: str) -> PlanFile:
    """:func:`read_plan` of bytes already read (``label`` names them in messages)."""
    if len(data) > MAX_BYTES:
        raise _too_large(label)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _error(
            label,
            "",
            "is UTF-16 (PowerShell's `>` writes that); save it as UTF-8, e.g. "
            "`pulumi preview --json | Out-File -Encoding utf8 plan.json`",
        )
    bom = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        raise _error(
            label,
            "",
            f"not UTF-8: byte {offset} (0x{data[offset]:02x}) cannot be decoded; JSON files are UTF-8",
        ) from None
    try:
        doc = json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise _error(
            label, "", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except _NotJson as exc:
        raise _error(label, "", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise _error(
            label, "", f"nested too deeply to read; plan files nest at most {MAX_DEPTH} levels"
        ) from None
    return plan_from_document(doc, label)


def _too_large(label: str) -> PlanFileError:
    return _error(
        label, "", f"larger than {MAX_BYTES // (1024 * 1024)} MiB; skyweave reads plan files up to that"
    )


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value (Pulumi never writes it)")


@dataclass(frozen=True)
class _HugeNumber:
    """An integer literal too long to be a number: reported with its JSON path if it is used."""

    digits: int


def _bounded_int(literal: str) -> Any:
    if len(literal) > MAX_NUMBER_DIGITS:
        return _HugeNumber(len(literal))
    return int(literal)


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
    reader = _Reader(label)
    converter = {
        "skyweave": reader.skyweave,
        "preview": reader.preview,
        "export": reader.export,
        "deployment": reader.deployment,
        "plan": reader.plan,
    }[kind]
    plan = converter(doc)
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


# -- URNs --------------------------------------------------------------------------------------


def urn_type(urn: str) -> str:
    """The type of a URN: the last ``$``-separated part of its third ``::`` component (urn.go)."""
    qualified = urn[len(_URN_PREFIX) :].split("::", 3)[2] if urn.count("::") >= 3 else ""
    return qualified.rsplit("$", 1)[-1]


def urn_name(urn: str) -> str:
    """The name of a URN: everything after its third ``::`` (names may contain ``::``; urn.go)."""
    parts = urn[len(_URN_PREFIX) :].split("::", 3)
    return parts[3] if len(parts) == 4 else ""


def _urn_parts(urn: str) -> tuple[str, str]:
    stack, project = urn[len(_URN_PREFIX) :].split("::", 2)[:2]
    return stack, project


def _valid_urn(value: str) -> bool:
    """``urn.IsValid`` (sdk/go/common/resource/urn/urn.go): the prefix and at least three ``::``."""
    return value.startswith(_URN_PREFIX) and value.count("::") >= 3


# -- validation and conversion ------------------------------------------------------------------

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
    if isinstance(value, _HugeNumber):
        return f"an integer of {value.digits} digits"
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


class _Reader:
    """Validates one document while converting it, collecting up to :data:`MAX_ISSUES` problems."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.issues: list[ConfigIssue] = []
        self.extra = 0

    # - problems -

    def issue(self, path: _Path, message: str) -> None:
        self.add(_render(path) or "(top level)", message)

    def add(self, where: str, message: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(ConfigIssue(where, message, has_value=False))
        else:
            self.extra += 1

    def wrong(self, path: _Path, value: Any, expected: str) -> None:
        self.issue(path, f"must be {expected}, got {_kind(value)}")

    def raise_issues(self) -> None:
        if not self.issues:
            return
        issues = list(self.issues)
        if self.extra:
            issues.append(ConfigIssue("…", f"and {self.extra} more problem(s)", has_value=False))
        raise PlanFileError(issues, source=self.label)

    # - typed fields -

    def obj(self, value: Any, path: _Path, *, required: bool = False) -> dict[str, Any] | None:
        """An object (``null`` and absent count as empty unless ``required``)."""
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            self.wrong(path, value, "an object")
            return None
        return value

    def text(self, value: Any, path: _Path, *, required: bool = False, what: str = "a string") -> str | None:
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.wrong(path, value, what)
            return None
        return _clean(value)

    def flag(self, value: Any, path: _Path) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.wrong(path, value, "true or false")
            return False
        return value

    def count(self, value: Any, path: _Path) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.wrong(path, value, "a whole number of resources")
            return 0
        return value

    def strings(self, value: Any, path: _Path) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong(path, value, "a list of strings")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                out.append(_clean(item))
            else:
                self.wrong((*path, i), item, "a string")
        return out

    def urn(self, value: Any, path: _Path, *, required: bool = False) -> str | None:
        """A URN (``urn:pulumi:<stack>::<project>::<type>::<name>``); ``""``/``null`` = none."""
        if value is None or value == "":
            if required:
                self.wrong(path, value, "a URN (urn:pulumi:<stack>::<project>::<type>::<name>)")
            return None
        if not isinstance(value, str) or not _valid_urn(value):
            self.wrong(path, value, "a URN (urn:pulumi:<stack>::<project>::<type>::<name>)")
            return None
        return _clean(value)

    def urns(self, value: Any, path: _Path) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong(path, value, "a list of URNs")
            return []
        out = []
        for i, item in enumerate(value):
            urn = self.urn(item, (*path, i), required=True)
            if urn is not None:
                out.append(urn)
        return out

    def property_dependencies(self, value: Any, path: _Path) -> dict[str, tuple[str, ...]]:
        deps = self.obj(value, path)
        if not deps:
            return {}
        out: dict[str, tuple[str, ...]] = {}
        for key, urns in deps.items():
            found = self.urns(urns, (*path, key))
            if found:
                out[_clean(key)] = tuple(sorted(set(found)))
        return out

    def provider_urn(self, value: Any, path: _Path, *, reference: bool) -> str | None:
        """A provider: a reference ``<provider URN>::<id>`` (Pulumi files) or a URN (skyweave's)."""
        if value is None or value == "":
            return None
        expected = (
            "a provider reference (<provider URN>::<id>, the URN of type pulumi:providers:<package>)"
            if reference
            else "a provider URN (of type pulumi:providers:<package>)"
        )
        if not isinstance(value, str):
            self.wrong(path, value, expected)
            return None
        # providers.ParseReference: split at the last "::"; the part before must be a provider URN.
        urn = value.rpartition("::")[0] if reference else value
        if (
            not _valid_urn(urn)
            or not urn_type(urn).startswith(_PROVIDER_TYPE)
            or urn_type(urn) == _PROVIDER_TYPE
        ):
            self.wrong(path, value, expected)
            return None
        return _clean(urn)

    def value(self, value: Any, path: _Path) -> Any:
        """A property value, as skyweave's preview shows one.

        Recursive, but never deeper than :data:`MAX_DEPTH`; the path is one list kept up to date
        (a tuple per value made 10,000 resources take seconds) and rendered only for a message.
        """
        return self._convert(value, list(path), len(path))

    def _convert(self, src: Any, trail: list[str | int], start: int) -> Any:
        if isinstance(src, str):
            return src if src.isascii() else _clean(src)
        if len(trail) > MAX_DEPTH:
            shown = _render(tuple(trail[: start + 3])) + "…"  # where it starts, not 64 levels of it
            self.add(shown, f"nested deeper than {MAX_DEPTH} levels; plan files nest at most that")
            return None
        if isinstance(src, dict):
            if SIG_KEY in src:
                special = self._signature(src, tuple(trail))
                if special is not _PLAIN:
                    return special
            out: dict[str, Any] = {}
            for key, inner in src.items():
                if key == SIG_KEY:
                    continue  # an unknown signature: never pass a marker on the pack could misread
                trail.append(key)
                out[key if key.isascii() else _clean(key)] = self._convert(inner, trail, start)
                trail.pop()
            return out
        if isinstance(src, list):
            items: list[Any] = []
            for i, inner in enumerate(src):
                trail.append(i)
                items.append(self._convert(inner, trail, start))
                trail.pop()
            return items
        if isinstance(src, bool) or src is None:
            return src
        if isinstance(src, int):
            try:
                float(src)
            except OverflowError:
                self.wrong(tuple(trail), src, "a number a 64-bit float can hold")
            return src
        if isinstance(src, float):
            if not math.isfinite(src):
                self.wrong(tuple(trail), "", "a number a 64-bit float can hold (at most about 1.8e308)")
            return src
        if isinstance(src, _HugeNumber):
            self.wrong(tuple(trail), src, "a number a 64-bit float can hold (at most 309 digits)")
            return None
        self.wrong(tuple(trail), src, "a JSON value")  # pragma: no cover - json.loads makes nothing else
        return None

    def _signature(self, src: dict[str, Any], where: _Path) -> Any:
        """A value with Pulumi's signature key (pkg/resource/stack/deployment.go,
        ``DeserializePropertyValue``): secrets of every form become ``[secret]``, never their
        contents; a resource reference its URN; other markers plain values."""
        sig = src.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET  # ciphertext, plaintext or malformed alike: masked, never read
        if sig == OUTPUT_VALUE_SIG:
            if src.get("secret") is True:
                return SECRET
            if src.get("known") is False or "value" not in src:
                return UNKNOWN
            return self.value(src.get("value"), (*where, "value"))
        if sig == RESOURCE_REFERENCE_SIG:
            return self.text(src.get("urn"), (*where, "urn"), required=True, what="a URN string")
        if sig == BYTE_STRING_SIG:
            encoded = self.text(src.get("value"), (*where, "value"), required=True, what="base64 text")
            return f'b"{encoded}"' if encoded is not None else None  # as the CLI displays bytes
        if sig == FLOAT_SIG:
            hex_bits = src.get("value")
            if isinstance(hex_bits, str) and re.fullmatch(r"[0-9a-fA-F]{16}", hex_bits):
                number: float = struct.unpack(">d", bytes.fromhex(hex_bits))[0]
                if math.isfinite(number):
                    return number
                # NaN and the infinities (the only floats Go writes this way) as text: JSON reports
                # and every rule handle a string; a NaN compares unequal even to itself.
                return "NaN" if math.isnan(number) else ("+Inf" if number > 0 else "-Inf")
            self.wrong((*where, "value"), hex_bits, "16 hexadecimal digits (a float64's bits)")
            return None
        if sig in (ASSET_SIG, ARCHIVE_SIG):
            return _PLAIN
        return _PLAIN

    # - shared pieces -

    def names(self, rows: Sequence[Mapping[str, Any]], where: Sequence[_Path]) -> tuple[str, str]:
        """Stack and project: from the root stack's URN (or the first), else ``stack``/``project``."""
        if not rows:
            return "stack", "project"
        index = next((i for i, r in enumerate(rows) if r["type"] == _ROOT_STACK_TYPE), 0)
        stack, project = _urn_parts(rows[index]["urn"])
        path = (*where[index], "urn")
        return self.stack_name(stack, path), self.stack_name(project, path)

    def stack_name(self, value: str, path: _Path) -> str:
        if not _NAME_RE.fullmatch(value):
            self.issue(
                path,
                f"stack and project names are 1-100 letters, digits, '_', '.', '-' (got {_kind(value)})",
            )
            return "stack"
        return value

    def resource_v3(self, res: Any, path: _Path, *, outputs_fallback: bool) -> dict[str, Any] | None:
        """A row from an ``apitype.ResourceV3`` (core.go). ``outputs_fallback``: a custom
        resource with no outputs is judged on its inputs (a preview's state before the provider ran)."""
        res = self.obj(res, path, required=True)
        if res is None:
            return None
        urn = self.urn(res.get("urn"), (*path, "urn"), required=True)
        type_ = self.text(
            res.get("type"), (*path, "type"), required=True, what="a type token (e.g. aws:s3/bucket:Bucket)"
        )
        if urn is not None and type_ is not None and urn_type(urn) != type_:
            self.issue((*path, "type"), f"must be the type in its URN, {urn_type(urn)[:80]!r}")
        for key in _BOOL_FIELDS:
            if key in res:
                self.flag(res[key], (*path, key))
        delete = self.flag(res.get("delete"), (*path, "delete"))
        protect = self.flag(res.get("protect"), (*path, "protect"))
        for key in _STRING_FIELDS:
            if key in res:
                self.text(res[key], (*path, key))
        for key in _STRING_LIST_FIELDS:
            if key in res:
                self.strings(res[key], (*path, key))
        for key in _OBJECT_FIELDS:
            if key in res:
                self.obj(res[key], (*path, key))
        for key in _LIST_FIELDS:
            if key in res and res[key] is not None and not isinstance(res[key], list):
                self.wrong((*path, key), res[key], "a list")
        inputs = self.obj(res.get("inputs"), (*path, "inputs"))
        outputs = self.obj(res.get("outputs"), (*path, "outputs"))
        parent = self.urn(res.get("parent"), (*path, "parent"))
        dependencies = self.urns(res.get("dependencies"), (*path, "dependencies"))
        provider = self.provider_urn(res.get("provider"), (*path, "provider"), reference=True)
        prop_deps = self.property_dependencies(
            res.get("propertyDependencies"), (*path, "propertyDependencies")
        )
        secret_outputs = self.strings(res.get("additionalSecretOutputs"), (*path, "additionalSecretOutputs"))
        custom = self.flag(res.get("custom"), (*path, "custom"))
        if urn is None or type_ is None or inputs is None or outputs is None:
            return None
        converted_inputs = self.value(inputs, (*path, "inputs"))
        if outputs or not (outputs_fallback and custom):
            converted_outputs = self.value(outputs, (*path, "outputs"))
        else:
            converted_outputs = converted_inputs
        return {
            "urn": urn,
            "type": type_,
            "name": urn_name(urn),
            "custom": custom,
            "parent": parent,
            "provider": provider,
            "dependencies": sorted(set(dependencies)),
            "protect": protect,
            "inputs": converted_inputs,
            "outputs": converted_outputs,
            "additionalSecretOutputs": secret_outputs,
            "delete": delete,
            "_property_dependencies": prop_deps,
        }

    def finish(self, kind: str, rows: list[dict[str, Any]], where: Sequence[_Path]) -> PlanFile:
        property_dependencies = {}
        for row in rows:
            deps = row.pop("_property_dependencies", {})
            row.pop("delete", None)
            if deps:
                property_dependencies[row["urn"]] = deps
        stack, project = self.names(rows, where)
        return PlanFile(
            label=self.label,
            format=kind,
            stack=stack,
            project=project,
            rows=rows,
            property_dependencies=property_dependencies,
        )

    def unique(self, rows: list[dict[str, Any]], where: Sequence[_Path]) -> None:
        """The engine refuses a snapshot with two resources of one URN (``VerifyIntegrity``)."""
        seen: dict[str, int] = {}
        for i, row in enumerate(rows):
            if row["urn"] in seen:
                self.issue(
                    (*where[i], "urn"), f"the same URN as {_render(where[seen[row['urn']]])}; URNs are unique"
                )
            seen.setdefault(row["urn"], i)

    # - the formats -

    def skyweave(self, doc: dict[str, Any]) -> PlanFile | None:
        """``skyweave preview --format json`` (components/preview.py ``render_json``)."""
        for key in ("project", "stack", "mode"):
            if key in doc:
                self.text(doc[key], (key,))
        for key in ("outputs", "summary"):
            if key in doc:
                self.obj(doc[key], (key,))
        if "warnings" in doc:
            self.strings(doc["warnings"], ("warnings",))
        raw_rows = doc.get("resources")
        if not isinstance(raw_rows, list):
            self.wrong(("resources",), raw_rows, "a list of resources")
            return None
        rows: list[dict[str, Any]] = []
        where: list[_Path] = []
        for i, raw in enumerate(raw_rows):
            path: _Path = ("resources", i)
            row = self.skyweave_row(raw, path)
            if row is not None:
                rows.append(row)
                where.append(path)
        self.unique(rows, where)
        outputs: dict[str, dict[str, Any]] = {}
        given = self.obj(doc.get("component_outputs"), ("component_outputs",)) or {}
        for urn, values in given.items():
            path = ("component_outputs", urn)
            if self.urn(urn, path, required=True) is None:
                continue
            values = self.obj(values, path)
            if values is not None:
                outputs[_clean(urn)] = self.value(values, path)
        stack = self.text(doc.get("stack"), ("stack",)) or ""
        project = self.text(doc.get("project"), ("project",)) or ""
        return PlanFile(
            label=self.label,
            format="skyweave",
            stack=self.stack_name(stack, ("stack",)) if stack else "stack",
            project=self.stack_name(project, ("project",)) if project else "project",
            rows=rows,
            component_outputs=outputs,
        )

    def skyweave_row(self, raw: Any, path: _Path) -> dict[str, Any] | None:
        row = self.obj(raw, path, required=True)
        if row is None:
            return None
        urn = self.urn(row.get("urn"), (*path, "urn"), required=True)
        type_ = self.text(
            row.get("type"), (*path, "type"), required=True, what="a type token (e.g. aws:s3/bucket:Bucket)"
        )
        name = self.text(row.get("name"), (*path, "name"), required=True)
        custom = self.flag(row.get("custom", True), (*path, "custom"))
        parent = self.urn(row.get("parent"), (*path, "parent"))
        provider = self.provider_urn(row.get("provider"), (*path, "provider"), reference=False)
        dependencies = self.urns(row.get("dependencies"), (*path, "dependencies"))
        protect = self.flag(row.get("protect"), (*path, "protect"))
        if "aliases" in row and row["aliases"] is not None and not isinstance(row["aliases"], list):
            self.wrong((*path, "aliases"), row["aliases"], "a list")
        inputs = self.obj(row.get("inputs"), (*path, "inputs"))
        prop_deps = self.property_dependencies(
            row.get("propertyDependencies"), (*path, "propertyDependencies")
        )
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
            "inputs": self.value(inputs, (*path, "inputs")),
            "propertyDependencies": {k: list(v) for k, v in prop_deps.items()},
        }

    def preview(self, doc: dict[str, Any]) -> PlanFile | None:
        """``pulumi preview --json``: the resources the update leaves, from the steps in order."""
        self.obj(doc.get("config"), ("config",))
        summary = self.obj(doc.get("changeSummary"), ("changeSummary",))
        counts = {str(op): self.count(n, ("changeSummary", op)) for op, n in (summary or {}).items()}
        diagnostics = doc.get("diagnostics")
        errors = 0
        if diagnostics is not None and not isinstance(diagnostics, list):
            self.wrong(("diagnostics",), diagnostics, "a list")
        for i, diag in enumerate(diagnostics if isinstance(diagnostics, list) else []):
            diag = self.obj(diag, ("diagnostics", i), required=True)
            if diag is None:
                continue
            for key in ("urn", "prefix", "message", "severity"):
                if key in diag:
                    self.text(diag[key], ("diagnostics", i, key))
            errors += diag.get("severity") == "error"
        steps = doc.get("steps")
        if steps is not None and not isinstance(steps, list):
            self.wrong(("steps",), steps, "a list of steps")
            return None
        state: dict[str, dict[str, Any]] = {}
        where: dict[str, _Path] = {}
        unrecorded: dict[str, _Path] = {}
        same_steps = 0
        for i, step in enumerate(steps or []):
            path: _Path = ("steps", i)
            step = self.obj(step, path, required=True)
            if step is None:
                continue
            op = step.get("op")
            if not isinstance(op, str) or op not in _ALL_OPS:
                self.wrong((*path, "op"), op, "a step op (" + ", ".join(sorted(_ALL_OPS)) + ")")
                continue
            urn = self.urn(step.get("urn"), (*path, "urn"), required=True)
            self.provider_urn(step.get("provider"), (*path, "provider"), reference=True)
            for key in ("diffReasons", "replaceReasons"):
                if key in step:
                    self.strings(step[key], (*path, key))
            if "detailedDiff" in step:
                self.obj(step["detailedDiff"], (*path, "detailedDiff"))
            if "oldState" in step and step["oldState"] is not None:
                self.obj(step["oldState"], (*path, "oldState"))
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
                    self.issue(
                        (*path, "newState"),
                        f"a {op!r} step must have the resource's new state (a ResourceV3 object)",
                    )
                continue
            row = self.resource_v3(new, (*path, "newState"), outputs_fallback=True)
            if row is None:
                continue
            if row["urn"] != urn:
                self.issue((*path, "newState", "urn"), "must be the step's URN")
                continue
            state[urn] = row
            where[urn] = path
            if not row["custom"] and row["type"].startswith(_JUDGED_COMPONENTS) and not row["outputs"]:
                unrecorded[urn] = path
            else:
                unrecorded.pop(urn, None)
        if doc.get("changeSummary") is None:
            self.issue(
                ("changeSummary",),
                "missing: a complete `pulumi preview --json` always ends with it (a preview that stopped "
                "early leaves it out, and would be judged on part of the estate)",
            )
        elif counts.get("same", 0) > same_steps:
            self.issue(
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
            self.issue(
                (*first, "newState", "outputs"),
                f"{len(unrecorded)} skyweave component(s) ({names}{more}) have no outputs here: "
                "`pulumi preview --json` writes a step when it starts, before a component created or "
                "changed in the preview registers its outputs, and the pack's rules judge those outputs "
                "(tunnels, placements, on-prem ranges). skyweave refuses it rather than judge claims it "
                "cannot see: check a `pulumi preview --save-plan` file (it records them) or the stack "
                "export after the update",
            )
        if errors:
            self.issue(
                ("diagnostics",),
                f"the preview reported {errors} error(s), so its steps are incomplete; fix those and "
                "preview again",
            )
        urns = list(state)
        return self.finish("preview", [state[u] for u in urns], [where[u] for u in urns])

    def export(self, doc: dict[str, Any]) -> PlanFile | None:
        """``pulumi stack export``: ``apitype.UntypedDeployment`` around a ``DeploymentV3``."""
        version = doc.get("version")
        if isinstance(version, bool) or version not in (3, 4):
            self.issue(
                ("version",),
                f"must be 3 or 4 (the deployment versions a current CLI writes), got {_kind(version)}; "
                "export the stack again with a current Pulumi CLI",
            )
            return None
        if "features" in doc:
            self.strings(doc["features"], ("features",))
        deployment = self.obj(doc.get("deployment"), ("deployment",), required=True)
        if deployment is None:
            return None
        return self.deployment(deployment, ("deployment",), kind="export")

    def deployment(self, doc: dict[str, Any], base: _Path = (), kind: str = "deployment") -> PlanFile | None:
        """An ``apitype.DeploymentV3``: every resource not marked ``delete`` (``AnalyzeSnapshot``)."""
        self.obj(doc.get("manifest"), (*base, "manifest"), required=True)
        if "secrets_providers" in doc:
            self.obj(doc["secrets_providers"], (*base, "secrets_providers"))
        pending = doc.get("pending_operations")
        if pending is not None and not isinstance(pending, list):
            self.wrong((*base, "pending_operations"), pending, "a list")
        raw = doc.get("resources")
        if raw is not None and not isinstance(raw, list):
            self.wrong((*base, "resources"), raw, "a list of resources")
            return None
        rows: list[dict[str, Any]] = []
        where: list[_Path] = []
        for i, res in enumerate(raw or []):
            path: _Path = (*base, "resources", i)
            row = self.resource_v3(res, path, outputs_fallback=False)
            if row is not None and not row["delete"]:
                rows.append(row)
                where.append(path)
        self.unique(rows, where)
        return self.finish(kind, rows, where)

    def plan(self, doc: dict[str, Any]) -> PlanFile | None:
        """``pulumi preview --save-plan``: ``apitype.DeploymentPlanV1``.

        A resource plan with a goal is a resource the program registered, so it exists after the
        update (a deleted one has no goal). The plan records inputs only as a diff from the old
        ones (``GoalV1.inputDiff``): complete for a create, partial for an update, empty for a
        ``same``. So a create's inputs are its ``adds``; any other's are the planned outputs
        (``state``) with the diff applied — a provider's outputs hold its inputs. ``AnalyzeStack``
        judges ``state``, the outputs the engine predicted (for a component, what it registered).
        """
        self.obj(doc.get("manifest"), ("manifest",), required=True)
        self.obj(doc.get("config"), ("config",))
        plans = self.obj(doc.get("resourcePlans"), ("resourcePlans",))
        found: list[tuple[dict[str, Any], _Path]] = []
        for key, plan in (plans or {}).items():
            path: _Path = ("resourcePlans", key)
            urn = self.urn(key, path, required=True)
            plan = self.obj(plan, path, required=True)
            if urn is None or plan is None:
                continue
            steps = self.strings(plan.get("steps"), (*path, "steps"))
            for i, op in enumerate(steps):
                if op not in _ALL_OPS:
                    self.wrong((*path, "steps", i), op, "a step op (" + ", ".join(sorted(_ALL_OPS)) + ")")
            if "seed" in plan:
                self.text(plan["seed"], (*path, "seed"), what="base64 text")
            outputs = self.obj(plan.get("state"), (*path, "state"))
            goal = plan.get("goal")
            if goal is None:
                continue  # a delete: nothing registered it
            if steps and not any(op in _RESULT_OPS for op in steps):
                continue  # a read
            created = bool(steps) and set(steps) <= {"create", "import"}
            row = self.goal(urn, goal, outputs, (*path, "goal"), path, created=created)
            if row is not None:
                found.append((row, path))
        found.sort(key=lambda item: item[0]["urn"])
        return self.finish("plan", [row for row, _ in found], [path for _, path in found])

    def goal(
        self,
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
        goal = self.obj(goal, path, required=True)
        if goal is None:
            return None
        type_ = self.text(
            goal.get("type"), (*path, "type"), required=True, what="a type token (e.g. aws:s3/bucket:Bucket)"
        )
        name = self.text(goal.get("name"), (*path, "name"))
        if type_ is not None and urn_type(urn) != type_:
            self.issue((*path, "type"), f"must be the type in its URN, {urn_type(urn)[:80]!r}")
        if name and name != urn_name(urn):
            self.issue((*path, "name"), "must be the name in its URN")
        custom = self.flag(goal.get("custom"), (*path, "custom"))
        protect = self.flag(goal.get("protect"), (*path, "protect"))
        parent = self.urn(goal.get("parent"), (*path, "parent"))
        dependencies = self.urns(goal.get("dependencies"), (*path, "dependencies"))
        provider = self.provider_urn(goal.get("provider"), (*path, "provider"), reference=True)
        prop_deps = self.property_dependencies(
            goal.get("propertyDependencies"), (*path, "propertyDependencies")
        )
        secret_outputs = self.strings(goal.get("additionalSecretOutputs"), (*path, "additionalSecretOutputs"))
        self.urns(goal.get("aliases"), (*path, "aliases"))
        for key in ("ignoreChanges",):
            if key in goal:
                self.strings(goal[key], (*path, key))
        for key in ("structuredAliases",):
            if key in goal and goal[key] is not None and not isinstance(goal[key], list):
                self.wrong((*path, key), goal[key], "a list")
        if "deleteBeforeReplace" in goal:
            self.flag(goal["deleteBeforeReplace"], (*path, "deleteBeforeReplace"))
        if "id" in goal:
            self.text(goal["id"], (*path, "id"))
        if "customTimeouts" in goal:
            self.obj(goal["customTimeouts"], (*path, "customTimeouts"))
        diff = self.obj(goal.get("inputDiff"), (*path, "inputDiff"))
        if "outputDiff" in goal:
            self.obj(goal["outputDiff"], (*path, "outputDiff"))
        if type_ is None or diff is None or outputs is None:
            return None
        adds = self.obj(diff.get("adds"), (*path, "inputDiff", "adds"))
        updates = self.obj(diff.get("updates"), (*path, "inputDiff", "updates"))
        deletes = self.strings(diff.get("deletes"), (*path, "inputDiff", "deletes"))
        if adds is None or updates is None:
            return None
        state = self.value(outputs, (*plan_path, "state"))
        changed = self.value({**adds, **updates}, (*path, "inputDiff"))
        base = {} if created or not custom else {k: v for k, v in state.items() if k not in deletes}
        inputs = {**base, **changed}
        return {
            "urn": urn,
            "type": type_,
            "name": urn_name(urn),
            "custom": custom,
            "parent": parent,
            "provider": provider,
            "dependencies": sorted(set(dependencies)),
            "protect": protect,
            "inputs": inputs,
            "outputs": state if (state or not custom) else inputs,
            "additionalSecretOutputs": secret_outputs,
            "_property_dependencies": prop_deps,
        }


_PLAIN = object()

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
