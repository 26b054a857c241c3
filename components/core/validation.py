"""Turn pydantic's validation errors into messages a platform engineer can act on.

Pydantic reports where a value failed in its own terms (union members, validator names,
"Value error, …"). A user needs the key path as written in their stack file, the value they
gave, and what would be valid. This module walks each error's location through the raw input,
drops pydantic's internal steps (union tags, validator names), and explains each error type.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError
from pydantic.fields import FieldInfo

from .errors import ABSENT as _ABSENT
from .errors import ConfigIssue, InvalidArgsError, did_you_mean
from .naming import NAME_PATTERN

__all__ = [
    "ArgsModel",
    "FieldValueError",
    "as_args",
    "called_from",
    "check_plan",
    "coerce_args",
    "entry_args",
    "first_duplicate",
    "issues_from_validation",
    "name_field",
    "render_path",
    "unique_entries",
]


class FieldValueError(ValueError):
    """A model-level check that blames one field (pydantic would report it at the model).

    Raise it from a ``model_validator``: ``raise FieldValueError("zones[1]", "…", value)``.
    """

    def __init__(self, field: str, message: str, value: Any = _ABSENT) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.value = value


class ArgsModel(BaseModel):
    """Base of the public argument models: building one with a bad value raises
    :class:`~skyweave.core.errors.InvalidArgsError`, as passing the same mapping to a component does.

    Why: a library user who writes ``HybridVpcArgs(sites=[...])`` should read the same message a
    stack-file user does (the key path, the value, what would be valid), not pydantic's raw report
    — which also echoes every failed item as its container being "too short". Only direct
    construction is converted; ``model_validate`` keeps raising ``ValidationError`` for the code
    (the stack loader, the component provider) that turns it into a message with its own prefix.
    Type checkers keep seeing pydantic's typed ``__init__``.
    """

    if not TYPE_CHECKING:

        def __init__(self, /, **data: Any) -> None:
            __tracebackhide__ = True
            try:
                super().__init__(**data)
            except ValidationError as exc:
                issues = issues_from_validation(exc, data, type(self))
                raise InvalidArgsError(issues, source=called_from(type(self).__name__)) from None

        # Pydantic calls a model's own __init__ for nested values too, unless marked as its base
        # init: nested models must keep failing with ValidationError, so the outermost one can
        # report each problem at its full path, once.
        __init__.__pydantic_base_init__ = True


def called_from(what: str, depth: int = 2) -> str:
    """``what`` and the line of the program that asked for it, ``"MultiCloudApp 'web' (__main__.py
    line 33)"``: the frame ``depth`` levels above this call (1: the caller's own line).

    Why: a library program has no stack file whose key would say where a problem is; the line
    that built the component or the args model does.
    """
    frame = sys._getframe(depth)
    return f"{what} ({os.path.basename(frame.f_code.co_filename)} line {frame.f_lineno})"


def first_duplicate(values: Iterable[Hashable]) -> tuple[int, int] | None:
    """Positions ``(first, second)`` of the first value seen twice, or ``None``. Linear.

    The one check behind every "names must be unique" rule, so each can name both entries.
    """
    seen: dict[Hashable, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            return seen[value], index
        seen[value] = index
    return None


def unique_entries(values: tuple[str, ...], key: str, what: str) -> tuple[str, ...]:
    """``values`` (the list under ``key``), refusing one listed twice: the error blames the second
    entry and names the first (``zones[2]: 'a': already listed as zones[0]``), never the whole
    list as Python would print it."""
    duplicate = first_duplicate(values)
    if duplicate is not None:
        first, second = duplicate
        raise FieldValueError(
            f"[{second}]", f"already listed as {key}[{first}]; list each {what} once", values[second]
        )
    return values


def render_path(keys: Sequence[str | int], prefix: str = "") -> str:
    """``["sites", 2, "zones", 0]`` → ``sites[2].zones[0]`` (after ``prefix``, e.g. ``skyweave:``)."""
    out = prefix
    for key in keys:
        if isinstance(key, int):
            out += f"[{key}]"
        elif not out or out.endswith(":"):
            out += key
        else:
            out += f".{key}"
    return out


def issues_from_validation(
    exc: ValidationError, raw: Any, model: type[BaseModel], *, prefix: str = ""
) -> list[ConfigIssue]:
    """One :class:`ConfigIssue` per distinct problem in ``exc``, paths as the user wrote them."""
    found: dict[str, list[tuple[Any, list[str | int], Any]]] = {}
    for error in exc.errors(include_url=False):
        keys, value = _walk(error["loc"], raw)
        ctx = error.get("ctx") or {}
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            discriminator = str(ctx.get("discriminator", "vendor")).strip("'")
            keys = [*keys, discriminator]
            value = ctx.get("tag", _ABSENT)
        err = ctx.get("error")
        if isinstance(err, FieldValueError):
            keys = keys + _parse_field(err.field)
            value = err.value if err.value is not _ABSENT else _lookup(raw, keys)
        found.setdefault(render_path(keys, prefix), []).append((error, keys, value))

    # A failure inside an item also makes its container fail ("too short after validation"):
    # the inner error is the one worth reading.
    paths = list(found)
    issues = []
    for path, errors in found.items():
        if any(other != path and other.startswith(path) and other[len(path)] in ".[" for other in paths):
            continue
        error, keys, value = errors[0]
        types_here = {e["type"] for e, _, _ in errors}
        if {"ip_v4_network", "ip_v6_network"} <= types_here:
            message = "expected an IPv4 or IPv6 network in CIDR form, e.g. 10.20.0.0/16, with host bits zero"
        else:
            message = _explain(error, keys, model, raw)
        issues.append(ConfigIssue(path, message, value, has_value=value is not _ABSENT))
    return issues


def _parse_field(field: str) -> list[str | int]:
    keys: list[str | int] = []
    for part in field.replace("]", "").split("."):
        name, *indexes = part.split("[")
        if name:
            keys.append(name)
        keys += [int(i) for i in indexes]
    return keys


def _lookup(raw: Any, keys: Sequence[str | int]) -> Any:
    node = raw
    for key in keys:
        if isinstance(key, int):
            if not (isinstance(node, Sequence) and not isinstance(node, str) and key < len(node)):
                return _ABSENT
            node = node[key]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            return _ABSENT
    return node


def _walk(loc: Sequence[str | int], raw: Any) -> tuple[list[str | int], Any]:
    """Follow ``loc`` through ``raw``; return the user's key path and the value there."""
    keys: list[str | int] = []
    node: Any = raw
    for elem in loc:
        if isinstance(elem, int):
            keys.append(elem)
            ok = isinstance(node, Sequence) and not isinstance(node, str) and elem < len(node)
            node = node[elem] if ok else _ABSENT
        elif isinstance(node, Mapping):
            if elem in node:
                keys.append(elem)
                node = node[elem]
            elif elem in (node.get("vendor"), node.get("kind")):
                continue  # the discriminated union's tag (sites: vendor, pool sources: kind), not a key
            else:
                keys.append(elem)
                node = _ABSENT
        else:
            continue  # a validator's internal step (union member, function name)
    return keys, node


def _explain(error: Mapping[str, Any], keys: list[str | int], model: type[BaseModel], raw: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    last = keys[-1] if keys else None
    if kind == "missing":
        info = _field_at(model, keys, raw)
        hint = f": {info.description}" if info is not None and info.description else ""
        return f"required key is missing{hint}"
    if kind == "extra_forbidden":
        valid = _fields_of(_model_at(model, keys[:-1], raw))
        return f"unknown key {last!r}; valid keys here: {', '.join(valid)}{did_you_mean(last, valid)}"
    if kind == "union_tag_invalid":
        return f"unknown {last}; valid: {ctx.get('expected_tags', '').replace(chr(39), '')}"
    if kind == "union_tag_not_found":
        # The valid tags come from the union the model declares at this key (built from the
        # registered drivers), so core needs no registry and a plugin vendor is listed too.
        tags = _union_tags(model, keys[:-1], raw, str(last))
        noun = "kinds" if last == "kind" else "vendors"
        return f"required key {last!r} is missing; valid {noun}: {', '.join(tags)}"
    if kind == "value_error":
        err = ctx.get("error")
        return str(err) if err is not None else str(error["msg"]).removeprefix("Value error, ")
    if kind == "ip_v4_network":
        return "expected an IPv4 network in CIDR form, e.g. 10.20.0.0/16, with host bits zero"
    if kind == "ip_v6_network":
        return "expected an IPv6 network in CIDR form, e.g. fd12:3456:789a::/48, with host bits zero"
    if kind in ("ip_v4_address", "ip_any_address"):
        return "expected an IPv4 address, e.g. 203.0.113.10"
    if kind == "string_pattern_mismatch":
        if last == "name":
            return (
                "names use lowercase letters, digits and '-', start with a letter and end with a "
                "letter or digit"
            )
        return f"does not match the required pattern {ctx.get('pattern')}"
    if kind in ("literal_error", "enum"):
        return f"expected one of: {str(ctx.get('expected', '')).replace(chr(39), '')}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        fields = _fields_of(_model_at(model, keys, raw))
        return f"expected a mapping with keys {', '.join(fields)}" if fields else str(error["msg"])
    return str(error["msg"])


def _fields_of(tp: Any) -> list[str]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _field_at(model: type[BaseModel], keys: list[str | int], raw: Any) -> FieldInfo | None:
    if not keys or not isinstance(keys[-1], str):
        return None
    parent = _model_at(model, keys[:-1], raw)
    if isinstance(parent, type) and issubclass(parent, BaseModel):
        return parent.model_fields.get(keys[-1])
    return None


def _model_at(model: type[BaseModel], keys: Sequence[str | int], raw: Any) -> Any:
    """The type the schema expects at ``keys`` (choosing union members by the input's ``vendor``)."""
    tp: Any = model
    node: Any = raw
    for key in keys:
        tp = _resolve(tp, node)
        if isinstance(key, int):
            args = get_args(tp)
            if get_origin(tp) not in (tuple, list) or not args:
                return None
            tp = args[0]
            node = _lookup(node, [key])
        else:
            if not (isinstance(tp, type) and issubclass(tp, BaseModel)) or key not in tp.model_fields:
                return None
            tp = tp.model_fields[key].annotation
            node = _lookup(node, [key])
    return _resolve(tp, node)


def _union_tags(model: type[BaseModel], keys: Sequence[str | int], raw: Any, tag: str) -> list[str]:
    """The values ``tag`` may take where the schema expects a tagged union (``keys`` ends at the item)."""
    tp: Any = model
    node: Any = raw
    for key in keys:
        tp = _resolve(tp, node)
        if isinstance(key, int):
            args = get_args(tp)
            tp = args[0] if get_origin(tp) in (tuple, list) and args else None
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and key in tp.model_fields:
            tp = tp.model_fields[key].annotation
        else:
            return []
        node = _lookup(node, [key])
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    members = get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)
    return sorted(
        str(m.model_fields[tag].default)
        for m in members
        if isinstance(m, type) and issubclass(m, BaseModel) and tag in m.model_fields
    )


def _resolve(tp: Any, node: Any) -> Any:
    origin = get_origin(tp)
    if origin is Annotated:
        return _resolve(get_args(tp)[0], node)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        if len(models) > 1 and isinstance(node, Mapping):
            for m in models:
                for tag in ("vendor", "kind"):
                    field = m.model_fields.get(tag)
                    if field is not None and field.default == node.get(tag):
                        return m
            return None
        if len(members) == 1:
            return _resolve(members[0], node)
    return tp


class _Planned(Protocol):
    @property
    def args(self) -> Any: ...


_P = TypeVar("_P", bound=_Planned)


def check_plan(plan: _P, args: BaseModel) -> _P:
    """``plan`` if it was made from ``args``; else a clear error (a plan for other arguments would
    build something other than what was asked). Plans come from ``estate.plan_estate``."""
    if plan.args != args:
        raise InvalidArgsError(
            [
                ConfigIssue(
                    "plan",
                    "was made for other arguments than the component was given; pass the plan made "
                    "from these arguments (StackConfig.plan) or none, and the component plans itself",
                    has_value=False,
                )
            ]
        )
    return plan


_M = TypeVar("_M", bound=BaseModel)


def coerce_args(model: type[_M], args: _M | Mapping[str, Any]) -> _M:
    """``args`` as ``model``: a component takes its args model or a plain mapping (a library
    user's dict, another language's inputs), and a bad mapping fails as
    :class:`~skyweave.core.errors.InvalidArgsError` naming each key, before anything registers."""
    if isinstance(args, model):
        return args
    try:
        return model.model_validate(args)
    except ValidationError as exc:
        raise InvalidArgsError(issues_from_validation(exc, args, model)) from None


def as_args(entry: BaseModel, model: type[_M], **updates: Any) -> _M:
    """A stack-file entry (a subclass of ``model`` that adds its own keys, such as ``name``) as the
    component's ``model``, with ``updates``.

    Why not dump and validate again: the entry's values were validated when the stack file was,
    and a second pass would be the same work, done once per component per run (and a place for
    the two to drift). ``model_construct`` takes the validated values as they are.
    """
    if not isinstance(entry, model):
        raise TypeError(f"{type(entry).__name__} is not a {model.__name__}")
    values = {name: getattr(entry, name) for name in model.model_fields}
    values.update(updates)
    return model.model_construct(**values)


def name_field(max_length: int, description: str, **field: Any) -> Any:
    """The ``name`` of a component's entry in a stack file: it prefixes every child's name, so it
    follows the names' pattern and the component's own length limit (its ``check_component_name``)."""
    return Field(pattern=NAME_PATTERN, max_length=max_length, description=description, **field)


def entry_args(entry: BaseModel, model: type[_M], estate_tags: Mapping[str, str] | None) -> _M:
    """A stack-file entry (``skyweave:apps[]`` …) as its component's ``model``, with the estate's
    tags (``skyweave:tags``) under the entry's own."""
    return as_args(entry, model, tags={**(estate_tags or {}), **getattr(entry, "tags", {})})
