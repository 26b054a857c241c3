"""Building resources by hand for policy tests, as the engine would describe them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from skyweave.engine.analyzer import ProviderRef, StackResource
from skyweave.policy import Finding, Resource, Rule, StackIndex

STACK = "urn:pulumi:test::proj::pulumi:pulumi:Stack::proj-test"

#: A user's own small pack (not skyweave's): the harness must drive any Python pack.
USER_PACK = """
from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def validate(args, report):
    for rule in args.props.get("ingress", []):
        if "0.0.0.0/0" in rule.get("cidrBlocks", []):
            report("open to the world")


PolicyPack("mine", [ResourceValidationPolicy(name="my-policy", description="No open groups.",
                                             validate=validate, enforcement_level=EnforcementLevel.ADVISORY)])
"""


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::proj::{type_}::{name}"


def provider_urn(vendor: str, site: str) -> str:
    return urn(f"pulumi:providers:{vendor}", site)


def res(
    type_: str,
    name: str,
    props: Mapping[str, Any] | None = None,
    *,
    site: str | None = None,
    protect: bool = False,
    deps: Sequence[str] = (),
    prop_deps: Mapping[str, Sequence[str]] | None = None,
    secret_outputs: Iterable[str] = (),
    parent: str = STACK,
) -> Resource:
    vendor = type_.split(":", 1)[0]
    return Resource(
        urn=urn(type_, name),
        type=type_,
        name=name,
        props=dict(props or {}),
        protect=protect,
        parent=parent,
        provider_type=f"pulumi:providers:{vendor}" if site else None,
        provider_urn=provider_urn(vendor, site) if site else None,
        dependencies=tuple(deps),
        property_dependencies={k: tuple(v) for k, v in (prop_deps or {}).items()},
        secret_outputs=frozenset(secret_outputs),
    )


def check_resource(rule: Rule, resource: Resource, **config: Any) -> list[Finding]:
    return rule.run_resource(resource, config or None)


def check_stack(rule: Rule, resources: Iterable[Resource], **config: Any) -> list[Finding]:
    return rule.run_stack(StackIndex.build(resources), config or None)


def wire(resource: Resource) -> StackResource:
    """The same resource as the engine puts it on the wire."""
    provider = None
    if resource.provider_urn and resource.provider_type:
        provider = ProviderRef(
            urn=resource.provider_urn,
            type=resource.provider_type,
            name=resource.provider_urn.rsplit("::", 1)[-1],
            properties={},
        )
    return StackResource(
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        properties=dict(resource.props),
        parent=resource.parent,
        provider=provider,
        dependencies=resource.dependencies,
        property_dependencies=resource.property_dependencies,
        protect=resource.protect,
        additional_secret_outputs=tuple(resource.secret_outputs),
    )
