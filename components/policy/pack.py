"""Turn skyweave's rules into the policy objects a CrossGuard pack serves.

Why this shape (measured in docs/benchmarks.md): the SDK's ``AnalyzeStack`` decodes the whole
stack — ``MessageToDict``, secret unwrapping, unknown-checking proxies, parent and dependency
links — once *per stack policy* before calling it, and ``Analyze`` decodes a resource once per
resource policy. Eight stack rules as eight ``StackValidationPolicy`` objects decode 10,000
resources eight times. So each rule is **declared** to the engine under its own name, description,
default level and config schema (a metadata-only :class:`DeclaredRule`, which the SDK lists in
``GetAnalyzerInfo`` and configures in ``Configure`` but never decodes anything for), and two
runners do the work: one resource policy and one stack policy, each decoding once, building one
:class:`~skyweave.policy.index.StackIndex` and running every rule over it.

Each violation is still reported under its rule's own name, description and *effective* level
(the engine's per-policy config, e.g. ``{"skyweave-redundancy-min-vendors": {"enforcementLevel":
"advisory", "minVendors": 3}}``), through the SDK's own violation factory of the servicer that
called the runner. That servicer is reached through the ``report_violation`` callback it passed
(its closure holds it) — SDK internals, pinned by ``pulumi-policy<2`` and by
``tests/test_policy_protocol.py``. Should a future SDK change them, the runners fall back to
reporting under the runner's name with the rule's name in the message and the rules' defaults.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import addresses, azure, claims, coverage, data, redundancy, security, storage, workloads
from .index import StackIndex
from .rule import Finding, Kind, Resource, Rule
from .waivers import Waiver, apply_waivers, parse_waivers

__all__ = [
    "ALL_RULES",
    "RESOURCE_RUNNER",
    "STACK_RUNNER",
    "DeclaredRule",
    "build_policies",
    "resource_from_args",
    "resource_from_policy_resource",
    "rule_by_name",
]

ALL_RULES: tuple[Rule, ...] = (
    *security.RULES,
    *workloads.RULES,
    *data.RULES,
    *storage.RULES,
    *addresses.RULES,
    *redundancy.RULES,
    *claims.RULES,
    *azure.RULES,
    *coverage.RULES,
)
RESOURCE_RUNNER = "skyweave-run-resource-rules"
STACK_RUNNER = "skyweave-run-stack-rules"


def rule_by_name(name: str, rules: Iterable[Rule] = ALL_RULES) -> Rule:
    for rule in rules:
        if rule.name == name:
            return rule
    raise KeyError(name)


class DeclaredRule(Policy):
    """A rule as the engine sees it: name, description, level, config schema — no callback.

    The SDK's servicer only runs ``ResourceValidationPolicy`` / ``StackValidationPolicy``
    objects, so it never decodes anything for this one; a runner evaluates the rule.
    """

    def __init__(self, rule: Rule) -> None:
        schema = rule.config_schema()
        super().__init__(
            name=rule.name,
            description=rule.description,
            enforcement_level=EnforcementLevel(rule.level.value),
            config_schema=PolicyConfigSchema(properties=schema) if schema else None,
            remediation_steps=rule.remediation or None,
            severity=Severity(rule.severity.value),
            url=rule.url,
        )
        self.rule = rule


@dataclass
class _Servicer:
    """The SDK servicer answering this call, found through the callback it passed the runner."""

    servicer: Any
    response: Any
    reporters: dict[tuple[str, EnforcementLevel], ReportViolation] = field(default_factory=dict)

    @classmethod
    def behind(cls, report: ReportViolation) -> _Servicer | None:
        code = getattr(report, "__code__", None)
        closure = getattr(report, "__closure__", None)
        if code is None or not closure:
            return None
        cells = dict(zip(code.co_freevars, closure, strict=False))
        try:
            servicer = cells["self"].cell_contents
            response = cells["response"].cell_contents
        except (KeyError, ValueError):
            return None
        needed = ("_create_report_violation", "_get_enforcement_level", "_get_policy_config")
        if not all(callable(getattr(servicer, name, None)) for name in needed):
            return None
        return cls(servicer, response)

    def level(self, declared: DeclaredRule) -> EnforcementLevel:
        level: EnforcementLevel = self.servicer._get_enforcement_level(declared)
        return EnforcementLevel.MANDATORY if level is EnforcementLevel.REMEDIATE else level

    def config(self, name: str) -> Mapping[str, Any] | None:
        config: Mapping[str, Any] | None = self.servicer._get_policy_config(name)
        return config

    def reporter(self, declared: DeclaredRule, level: EnforcementLevel) -> ReportViolation:
        key = (declared.name, level)
        if key not in self.reporters:
            self.reporters[key] = self.servicer._create_report_violation(
                self.response, declared.name, declared.description, level, declared.severity
            )
        return self.reporters[key]


_warned: list[bool] = []


def _warn_fallback() -> None:
    """Say once (on stderr, which the engine logs) that rules report under the runner's name."""
    if not _warned:
        _warned.append(True)
        print(
            "skyweave policy pack: this pulumi-policy SDK does not expose its violation factory the way "
            "skyweave expects; violations are reported under the runner's name with the rule's name in "
            "the message, and per-rule levels and settings from the policy config are not applied",
            file=sys.stderr,
        )


def _report(
    context: _Servicer | None,
    fallback: ReportViolation,
    active: _Active,
    finding: Finding,
) -> None:
    declared, level, _, waivers = active
    if context is None:
        _warn_fallback()
        fallback(f"[{declared.name}] {finding.message}", finding.urn)
        return
    waived, message = apply_waivers(finding.message, finding.urn, waivers)
    effective = EnforcementLevel.ADVISORY if finding.unknown or waived else level
    context.reporter(declared, effective)(message, finding.urn)


_Active = tuple[DeclaredRule, EnforcementLevel, Mapping[str, Any] | None, list[Waiver]]


def _active(context: _Servicer | None, declared: Sequence[DeclaredRule]) -> list[_Active]:
    active: list[_Active] = []
    for policy in declared:
        if context is None:
            level = EnforcementLevel(policy.rule.level.value)
            config = None
        else:
            level = context.level(policy)
            config = context.config(policy.name)
        if level is not EnforcementLevel.DISABLED:
            waivers = parse_waivers(config.get("waivers")) if config else []
            active.append((policy, level, config, waivers))
    return active


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


ResourceRunner = Callable[[ResourceValidationArgs, ReportViolation], None]
StackRunner = Callable[[StackValidationArgs, ReportViolation], None]


def _resource_runner(declared: Sequence[DeclaredRule]) -> ResourceRunner:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type.startswith("pulumi:"):
            return
        relevant = [d for d in declared if d.rule.applies_to(args.resource_type)]
        if not relevant:
            return
        context = _Servicer.behind(report)
        resource = resource_from_args(args)
        for active in _active(context, relevant):
            for finding in active[0].rule.run_resource(resource, active[2]):
                _report(context, report, active, finding)

    return validate


def _stack_runner(declared: Sequence[DeclaredRule]) -> StackRunner:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        context = _Servicer.behind(report)
        active = _active(context, declared)
        if not active:
            return
        index = StackIndex.build(resource_from_policy_resource(r) for r in args.resources)
        for entry in active:
            for finding in entry[0].rule.run_stack(index, entry[2]):
                _report(context, report, entry, finding)

    return validate


def tune_gc() -> None:
    """Collect garbage far less often in this (short-lived, allocation-heavy) pack process.

    Decoding a stack allocates hundreds of thousands of small objects that all stay alive until
    the call returns; the default thresholds make the collector rescan them again and again
    (docs/benchmarks.md). ``gc.freeze()`` first moves everything imported so far out of its reach.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 50, 1000)


def build_policies(rules: Iterable[Rule] = ALL_RULES, *, tune_collector: bool = True) -> list[Policy]:
    """The policies for ``PolicyPack(name, policies=build_policies())``: one declaration per rule
    plus the two runners. Pass your own ``rules`` to build a pack of a subset or with extra rules.
    """
    rules = list(rules)
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"rule names must be unique; repeated: {', '.join(duplicates)}")
    declared = [DeclaredRule(rule) for rule in rules]
    resource_rules = [d for d in declared if d.rule.kind is Kind.RESOURCE]
    stack_rules = [d for d in declared if d.rule.kind is Kind.STACK]
    policies: list[Policy] = list(declared)
    if resource_rules:
        policies.append(
            ResourceValidationPolicy(
                name=RESOURCE_RUNNER,
                description="Runs every skyweave resource rule (each reports under its own name).",
                validate=_resource_runner(resource_rules),
                enforcement_level=EnforcementLevel.MANDATORY,
            )
        )
    if stack_rules:
        policies.append(
            StackValidationPolicy(
                name=STACK_RUNNER,
                description="Runs every skyweave stack rule over one shared index of the stack "
                "(each reports under its own name).",
                validate=_stack_runner(stack_rules),
                enforcement_level=EnforcementLevel.MANDATORY,
            )
        )
    if tune_collector:
        tune_gc()
    return policies
