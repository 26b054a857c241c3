"""Generate ``arg_types.py``: the components' arguments as TypedDicts, from the pydantic models.

Pulumi's component provider host infers the package schema from type annotations, and only
understands TypedDicts (or plain classes) of str/int/float/bool/enums, lists, ``dict[str, …]``
and nested types of the same kind; it reads each property's description from the string
literal under its annotation. The components' arguments are pydantic models with richer
types (networks, addresses, discriminated unions by ``vendor``/``kind``). Rather than keep a
second, hand-written copy of ~80 fields in step, this module renders the TypedDicts from the
models, field descriptions included; ``tests/test_provider.py`` fails when the checked-in file
differs from the rendering. Regenerate with ``python -m skyweave.bridge.codegen``.

The mapping is lossy on purpose: addresses, networks and URLs become ``str``, ``Literal`` choices
``str``, and a union of site (or pool source) models one type holding every variant's fields,
optional unless every variant requires them. Enums are rendered into the file too (their values
and docs, the schema's enum types), so it imports nothing of skyweave: a vendor's enum reaches
the schema without the bridge importing the vendor's folder. Validation stays with the pydantic models: the
wrappers in :mod:`skyweave.bridge.provider` validate what arrives, so a bad value gets skyweave's error.
"""

from __future__ import annotations

import ast
import enum
import inspect
import ipaddress
import json
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import AnyHttpUrl, BaseModel

from ..app.plan import MultiCloudAppArgs
from ..core.sites import SiteArgs
from ..database.plan import MultiCloudDatabaseArgs
from ..drivers.bare_metal import BareMetalSourceArgs
from ..kubernetes.fleet import KubernetesFleetArgs
from ..metal.bare_metal_pool import BareMetalPoolArgs
from ..network.hybrid_vpc import HybridVpcArgs
from ..storage.multi_cloud_bucket import MultiCloudBucketArgs

__all__ = ["INPUTS", "render"]

TARGET = Path(__file__).with_name("arg_types.py")


def _type_name(model: type[BaseModel]) -> str:
    """A nested model's name in the schema (``skyweave:index:<name>``): every vendor's site model is
    a ``Site`` and every bare-metal source a ``PoolSource`` (merged, tagged by ``vendor`` / ``kind``),
    whichever vendors are registered; any other model is its class name without ``Args``
    (``IpamArgs`` → ``Ipam``), so a new vendor's nested model needs no entry here."""
    if issubclass(model, SiteArgs):
        return "Site"
    if issubclass(model, BareMetalSourceArgs):
        return "PoolSource"
    return model.__name__.removesuffix("Args")


@dataclass(frozen=True)
class Inputs:
    """A component's ``args`` TypedDict: its model's fields plus what the wrapper needs besides."""

    name: str
    model: type[BaseModel]
    doc: str
    #: Extra fields: (python name, annotation source, description).
    extra: tuple[tuple[str, str, str], ...] = ()


_NETWORK_DOC = (
    "The network the component runs on, as HybridVpc takes it; the component builds it as its own "
    "child named '<name>-net'."
)

INPUTS: tuple[Inputs, ...] = (
    Inputs("Network", HybridVpcArgs, "Arguments of HybridVpc: the sites, how they are addressed and joined."),
    Inputs(
        "MultiCloudAppInputs",
        MultiCloudAppArgs,
        "Arguments of MultiCloudApp, and the network it runs on.",
        (("network", "Network", _NETWORK_DOC),),
    ),
    Inputs(
        "MultiCloudBucketInputs",
        MultiCloudBucketArgs,
        "Arguments of MultiCloudBucket, and the sites its buckets are on.",
        (("sites", "list[Site]", "The estate's sites; the arguments name some of them."),),
    ),
    Inputs(
        "MultiCloudDatabaseInputs",
        MultiCloudDatabaseArgs,
        "Arguments of MultiCloudDatabase, and the network its members run on.",
        (("network", "Network", _NETWORK_DOC),),
    ),
    Inputs(
        "KubernetesFleetInputs",
        KubernetesFleetArgs,
        "Arguments of KubernetesFleet, and the network its clusters run on.",
        (("network", "Network", _NETWORK_DOC),),
    ),
    Inputs(
        "BareMetalPoolInputs",
        BareMetalPoolArgs,
        "Arguments of BareMetalPool, the network its servers are on, and SSH keys for servers you bring.",
        (
            ("network", "Network", _NETWORK_DOC),
            (
                "ssh_keys",
                "dict[str, pulumi.Input[str]]",
                "SSH private keys by the sources' ssh_private_key_config key (pass them as secrets). "
                "Required for every 'byon' source: a provider cannot read the calling program's config.",
            ),
        ),
    ),
)

_STRINGS = (
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    AnyHttpUrl,
    str,
)


@dataclass
class _Field:
    annotation: str
    required: bool
    description: str
    #: For a field of a union's variants: its description → the variants giving it.
    by_variant: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Type:
    name: str
    doc: str
    fields: dict[str, _Field] = field(default_factory=dict)
    variants: list[str] = field(default_factory=list)


class _Renderer:
    def __init__(self) -> None:
        self.types: dict[str, _Type] = {}
        self.enums: set[type[enum.Enum]] = set()

    def annotation(self, ann: Any) -> str:
        """The TypedDict annotation for a pydantic field's annotation (Optional already stripped)."""
        origin = typing.get_origin(ann)
        args = typing.get_args(ann)
        if origin is typing.Annotated:
            return self.annotation(args[0])
        if origin in (typing.Union, types.UnionType):
            members = [a for a in args if a is not type(None)]
            if all(self._is_string(m) for m in members):
                return "str"
            models = [
                typing.get_args(m)[0] if typing.get_origin(m) is typing.Annotated else m for m in members
            ]
            if all(isinstance(m, type) and issubclass(m, BaseModel) for m in models):
                names = {self.model(m) for m in models}
                (name,) = names
                return name
            if len(members) == 1:
                return self.annotation(members[0])
            raise TypeError(f"no schema type for the union {ann}")
        if origin is typing.Literal:
            if all(isinstance(a, str) for a in args):
                return "str"
            raise TypeError(f"no schema type for {ann}")
        if origin is tuple:
            items = [a for a in args if a is not Ellipsis]
            if len({self.annotation(i) for i in items}) != 1:
                raise TypeError(f"no schema type for the tuple {ann}")
            return f"list[{self.annotation(items[0])}]"
        if origin in (list, typing.Sequence):
            return f"list[{self.annotation(args[0])}]"
        if origin is dict:
            return f"dict[str, {self.annotation(args[1])}]"
        if isinstance(ann, type) and issubclass(ann, enum.Enum):
            self.enums.add(ann)
            return ann.__name__
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return self.model(ann)
        if ann in (bool, int, float):
            return str(ann.__name__)
        if self._is_string(ann):
            return "str"
        raise TypeError(f"no schema type for {ann}")

    @staticmethod
    def _is_string(ann: Any) -> bool:
        if typing.get_origin(ann) is typing.Annotated:
            ann = typing.get_args(ann)[0]
        if typing.get_origin(ann) is typing.Literal:
            return all(isinstance(a, str) for a in typing.get_args(ann))
        return isinstance(ann, type) and issubclass(ann, _STRINGS)

    def model(self, model: type[BaseModel]) -> str:
        name = _type_name(model)
        merged = self.types.setdefault(name, _Type(name, ""))
        discriminator = {"Site": "vendor", "PoolSource": "kind"}.get(name)
        if not discriminator:
            if not merged.fields:
                merged.doc = " ".join((model.__doc__ or name).split("\n\n")[0].split())
                for field_name, info in model.model_fields.items():
                    merged.fields[field_name] = _Field(
                        self.annotation(_strip_optional(info.annotation)),
                        info.is_required(),
                        " ".join((info.description or "").split()),
                    )
            return name
        variant = str(model.model_fields[discriminator].default)
        if variant in merged.variants:
            return name
        merged.variants.append(variant)
        merged.doc = {
            "Site": "A site of the estate; `vendor` selects which of the other fields apply.",
            "PoolSource": "Where a pool's servers come from; `kind` selects which of the other fields apply.",
        }[name]
        for field_name, info in model.model_fields.items():
            if field_name == discriminator:
                merged.fields.setdefault(field_name, _Field("str", True, ""))
                continue
            ann = self.annotation(_strip_optional(info.annotation))
            description = " ".join((info.description or "").split())
            seen = merged.fields.get(field_name)
            if seen is None:
                # Absent from the variants seen before: not required by them.
                first = len(merged.variants) == 1
                seen = merged.fields[field_name] = _Field(ann, info.is_required() and first, "")
            elif seen.annotation != ann:
                raise TypeError(f"{name}.{field_name}: {seen.annotation} in one variant, {ann} in another")
            seen.required = seen.required and info.is_required()
            seen.by_variant.setdefault(description, []).append(variant)
        for field_name, merged_field in merged.fields.items():
            if field_name not in model.model_fields:
                merged_field.required = False
        merged.fields[discriminator].description = f"One of: {', '.join(sorted(merged.variants))}. Required."
        for merged_field in merged.fields.values():
            if merged_field.by_variant:
                merged_field.description = _describe(merged_field.by_variant, merged.variants)
        return name


def _describe(by_variant: dict[str, list[str]], variants: list[str]) -> str:
    """One description when every variant has the field and says the same, else each variant's."""
    if len(by_variant) == 1 and sorted(next(iter(by_variant.values()))) == sorted(variants):
        return next(iter(by_variant))
    parts = [f"[{', '.join(who)}] {text}".strip() for text, who in by_variant.items()]
    return " ".join(parts)


def _strip_optional(ann: Any) -> Any:
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(ann) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return ann


def _class(name: str, doc: str, fields: dict[str, _Field]) -> list[str]:
    lines = ["", "", f"class {name}(TypedDict):", f"    {_docstring(doc)}", ""]
    for field_name, f in fields.items():
        ann = f.annotation if f.required else f"NotRequired[{f.annotation}]"
        lines.append(f"    {field_name}: {ann}")
        if f.description:
            lines.append(f"    {_docstring(f.description)}")
    return lines


def _in_dependency_order(classes: dict[str, tuple[str, dict[str, _Field]]]) -> list[str]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for f in classes[name][1].values():
            for other in classes:
                if other != name and re.search(rf"\b{other}\b", f.annotation):
                    visit(other)
        order.append(name)

    for name in classes:
        visit(name)
    return order


def _docstring(text: str) -> str:
    return '"""' + text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"') + '"""'


def _member_docs(enum_type: type[enum.Enum]) -> dict[str, str]:
    """Each member's docstring (the string under its assignment), as the schema analyser reads it."""
    docs: dict[str, str] = {}
    (cls,) = ast.parse(inspect.getsource(enum_type)).body
    assert isinstance(cls, ast.ClassDef)
    for stmt, after in zip(cls.body, cls.body[1:], strict=False):
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[stmt.targets[0].id] = after.value.value
    return docs


def _enum_class(enum_type: type[enum.Enum]) -> list[str]:
    if not issubclass(enum_type, enum.StrEnum):
        raise TypeError(f"no schema type for the enum {enum_type.__name__} (only StrEnum is rendered)")
    doc = _docstring(enum_type.__doc__ or "")
    lines = ["", "", f"class {enum_type.__name__}(StrEnum):", f"    {doc}", ""]
    docs = _member_docs(enum_type)
    for member in enum_type:
        lines.append(f"    {member.name} = {json.dumps(member.value)}")
        if member.name in docs:
            lines.append(f"    {_docstring(docs[member.name])}")
    return lines


def render() -> str:
    """The source of ``arg_types.py``."""
    renderer = _Renderer()
    tops: list[tuple[Inputs, dict[str, _Field]]] = []
    for inputs in INPUTS:
        fields: dict[str, _Field] = {}
        for name, info in inputs.model.model_fields.items():
            fields[name] = _Field(
                renderer.annotation(_strip_optional(info.annotation)),
                info.is_required(),
                " ".join((info.description or "").split()),
            )
        for name, ann, description in inputs.extra:
            fields[name] = _Field(ann, name != "ssh_keys", description)
        tops.append((inputs, fields))
    enums = sorted(renderer.enums, key=lambda e: e.__name__)
    lines = [
        '"""The components\' arguments as TypedDicts, for the Pulumi package schema. GENERATED: do not edit.',
        "",
        "Rendered from the pydantic models by ``python -m skyweave.bridge.codegen``;",
        "``tests/test_provider.py`` fails when this file differs from the rendering.",
        '"""',
        "",
        "# ruff: noqa: E501 (each description is one docstring line, as the schema analyser reads it)",
        "",
        "from enum import StrEnum",
        "from typing import NotRequired, TypedDict",
        "",
        "import pulumi",
    ]
    exported = sorted([i.name for i in INPUTS] + list(renderer.types) + [e.__name__ for e in enums])
    lines += ["", "__all__ = [", *[f'    "{name}",' for name in exported], "]"]
    # No postponed annotations: the schema analyser reads the classes themselves, so every type
    # is defined before the first class that uses it.
    for enum_type in enums:
        lines += _enum_class(enum_type)
    classes = {t.name: (t.doc, t.fields) for t in renderer.types.values()}
    classes.update({i.name: (i.doc, fields) for i, fields in tops})
    for name in _in_dependency_order(classes):
        lines += _class(name, *classes[name])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET}")
