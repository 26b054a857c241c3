"""What both ways of serving the rules share: the engine's resources as a rule's
:class:`~skyweave.policy.rule.Resource`, a rule's declaration (name, description, level, config
schema, remediation, severity, docs), and how waivers turn a finding advisory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ResourceValidationArgs,
    Severity,
)

from .rule import Finding, Resource, Rule
from .waivers import Waiver, apply_waivers, parse_waivers

__all__ = [
    "DeclaredRule",
    "declaration",
    "effective",
    "resource_from_args",
    "resource_from_policy_resource",
    "waivers_of",
]


def declaration(rule: Rule) -> dict[str, Any]:
    """The keyword arguments every SDK policy of ``rule`` is built with."""
    schema = rule.config_schema()
    return {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": EnforcementLevel(rule.level.value),
        "config_schema": PolicyConfigSchema(properties=schema) if schema else None,
        "remediation_steps": rule.remediation or None,
        "severity": Severity(rule.severity.value),
        "url": rule.url,
    }


def waivers_of(config: Mapping[str, Any] | None) -> list[Waiver]:
    return parse_waivers(config.get("waivers")) if config else []


def effective(finding: Finding, waivers: list[Waiver]) -> tuple[str, bool]:
    """A finding's message as reported (a waiver's justification first) and whether it must be
    advisory whatever the rule's level (a value unknown in this preview, or a waiver covers it)."""
    waived, message = apply_waivers(finding.message, finding.urn, waivers)
    return message, finding.unknown or waived


class DeclaredRule(Policy):
    """A rule as the engine sees it: name, description, level, config schema — no callback.

    The SDK's servicer only runs ``ResourceValidationPolicy`` / ``StackValidationPolicy``
    objects, so it never decodes anything for this one; a runner of the fast path evaluates it.
    """

    def __init__(self, rule: Rule) -> None:
        super().__init__(**declaration(rule))
        self.rule = rule


def resource_from_args(args: ResourceValidationArgs) -> Resource:
    provider = args.provider
    return Resource(
        urn=args.urn,
        type=args.resource_type,
        name=args.name,
        props=args.props,
        protect=bool(args.opts.protect),
        parent=args.opts.parent,
        provider_type=provider.resource_type if provider is not None else None,
        provider_urn=provider.urn if provider is not None else None,
        secret_outputs=frozenset(args.opts.additional_secret_outputs or ()),
    )


def resource_from_policy_resource(res: Any) -> Resource:
    provider = res.provider
    return Resource(
        urn=res.urn,
        type=res.resource_type,
        name=res.name,
        props=res.props,
        protect=bool(res.opts.protect),
        parent=res.parent.urn if res.parent is not None else None,
        provider_type=provider.resource_type if provider is not None else None,
        provider_urn=provider.urn if provider is not None else None,
        dependencies=tuple(d.urn for d in res.dependencies),
        property_dependencies={k: tuple(d.urn for d in v) for k, v in res.property_dependencies.items()},
        secret_outputs=frozenset(res.opts.additional_secret_outputs or ()),
    )
