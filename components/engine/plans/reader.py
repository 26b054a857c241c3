"""The validating reader every format uses: typed fields, property values (Pulumi's signatures
unwrapped, secrets masked), Pulumi's ``ResourceV3`` and the rows a :class:`PlanFile` holds. It
collects up to :data:`~skyweave.engine.plans.model.MAX_ISSUES` problems before it raises, so one
run names every field to fix.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from ...core.display import ENGINE_UNKNOWN as UNKNOWN
from ...core.display import SECRET
from ...core.errors import ConfigIssue
from ..urn import PROVIDER_PREFIX, STACK_TYPE, urn_name, urn_parts, urn_type, valid_urn
from ..wire import (
    ARCHIVE_SIG,
    ASSET_SIG,
    BYTE_STRING_SIG,
    FLOAT_SIG,
    OUTPUT_VALUE_SIG,
    RESOURCE_REFERENCE_SIG,
    SECRET_SIG,
    SIG_KEY,
)
from .model import (
    _BOOL_FIELDS,
    _LIST_FIELDS,
    _NAME_RE,
    _OBJECT_FIELDS,
    _STRING_FIELDS,
    _STRING_LIST_FIELDS,
    MAX_DEPTH,
    MAX_ISSUES,
    PlanFile,
    PlanFileError,
    _clean,
    _kind,
    _Path,
    _render,
)

__all__ = ["Reader"]

_PLAIN = object()


class Reader:
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
        if not isinstance(value, str) or not valid_urn(value):
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

    def references(self, res: Mapping[str, Any], path: _Path) -> dict[str, Any]:
        """What a ``ResourceV3`` and a plan's ``GoalV1`` both say about a resource's place, read
        alike: parent, provider (a reference), dependencies, property dependencies and additional
        secret outputs, under a row's keys (``_property_dependencies`` until :meth:`finish`)."""
        parent = self.urn(res.get("parent"), (*path, "parent"))
        dependencies = self.urns(res.get("dependencies"), (*path, "dependencies"))
        provider = self.provider_urn(res.get("provider"), (*path, "provider"), reference=True)
        prop_deps = self.property_dependencies(
            res.get("propertyDependencies"), (*path, "propertyDependencies")
        )
        secret_outputs = self.strings(res.get("additionalSecretOutputs"), (*path, "additionalSecretOutputs"))
        return {
            "parent": parent,
            "provider": provider,
            "dependencies": sorted(set(dependencies)),
            "additionalSecretOutputs": secret_outputs,
            "_property_dependencies": prop_deps,
        }

    def provider_urn(self, value: Any, path: _Path, *, reference: bool) -> str | None:
        """A provider: a reference ``<provider URN>::<id>`` (Pulumi files) or a URN (skyweave's)."""
        if value is None or value == "":
            return None
        expected = (
            "a provider reference (<provider URN>::<id>, the URN of type pulumi:providers:<package>)"
            if reference
            else "a provider URN (of type pulumi:providers:<package>), or a reference <provider URN>::<id>"
        )
        if not isinstance(value, str):
            self.wrong(path, value, expected)
            return None
        # providers.ParseReference: split at the last "::"; the part before must be a provider URN.
        # skyweave's own rows name a URN, but a reference written there means the same provider:
        # its part before the last "::" is a whole provider URN (a URN alone is not: no name).
        before = value.rpartition("::")[0]
        urn = before if reference or _provider_urn(before) else value
        if not _provider_urn(urn):
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
        index = next((i for i, r in enumerate(rows) if r["type"] == STACK_TYPE), 0)
        stack, project = urn_parts(rows[index]["urn"])
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
        refs = self.references(res, path)
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
            "parent": refs["parent"],
            "provider": refs["provider"],
            "dependencies": refs["dependencies"],
            "protect": protect,
            "inputs": converted_inputs,
            "outputs": converted_outputs,
            "additionalSecretOutputs": refs["additionalSecretOutputs"],
            "delete": delete,
            "_property_dependencies": refs["_property_dependencies"],
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


def _provider_urn(text: str) -> bool:
    """Whether ``text`` is a whole provider URN (of type ``pulumi:providers:<package>``)."""
    return (
        valid_urn(text) and urn_type(text).startswith(PROVIDER_PREFIX) and urn_type(text) != PROVIDER_PREFIX
    )
