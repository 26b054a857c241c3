"""The fast path: every rule of a call run over one decode, through pulumi-policy internals.

Why (measured in docs/benchmarks.md): the SDK's ``AnalyzeStack`` decodes the whole stack —
``MessageToDict``, secret unwrapping, unknown-checking proxies, parent and dependency links —
once *per stack policy* before calling it, and ``Analyze`` decodes a resource once per resource
policy: 22 stack rules as 22 ``StackValidationPolicy`` objects decode 10,000 resources 22 times
(16 s instead of 0.7 s). So each rule is **declared** to the engine under its own name,
description, default level and config schema (a metadata-only
:class:`~skyweave.policy.adapter.DeclaredRule`, which the SDK lists in ``GetAnalyzerInfo`` and
configures in ``Configure`` but never decodes anything for), and two runners do the work: one
resource policy and one stack policy, each decoding once, building one
:class:`~skyweave.policy.index.StackIndex` and running every rule over it.

Each violation is still reported under its rule's own name, description and *effective* level
(the engine's per-policy config), through the SDK's own violation factory of the servicer that
called the runner. That servicer is reached through the ``report_violation`` callback it passed
(its closure holds it), and placement rows are read through the proxy's own dict — SDK
internals, pinned by ``pulumi-policy<2`` and ``tests/test_policy_protocol.py``. That is why this
path is opt-in (``build_policies(fast=True)``, as skyweave's own pack does): the default,
:mod:`skyweave.policy.pack`'s public path, uses only the SDK's public API, and
``tests/test_policy_pack.py`` proves both give the same findings. Should the SDK lack these
internals when the pack is built, :func:`~skyweave.policy.pack.build_policies` builds the public
path instead; should a call's callback not lead to a servicer after all, the runners report
under the runner's name with the rule's name in the message and the rules' defaults.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
)

from ..core.naming import RESOURCE_RULES_RUNNER, STACK_RULES_RUNNER
from .adapter import DeclaredRule, effective, resource_from_args, resource_from_policy_resource, waivers_of
from .index import StackIndex
from .rule import Finding
from .scope import deployed_unit, unit_note
from .waivers import Waiver

__all__ = ["RESOURCE_RUNNER", "STACK_RUNNER", "available", "resource_runner", "stack_runner", "unwrap"]

RESOURCE_RUNNER = RESOURCE_RULES_RUNNER
STACK_RUNNER = STACK_RULES_RUNNER
_NEEDED = ("_create_report_violation", "_get_enforcement_level", "_get_policy_config")


def available() -> bool:
    """Whether this pulumi-policy has the internals the fast path reaches for."""
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    return all(callable(getattr(_PolicyAnalyzerServicer, name, None)) for name in _NEEDED)


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
        if not all(callable(getattr(servicer, name, None)) for name in _NEEDED):
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
    message, advisory = effective(finding, waivers)
    context.reporter(declared, EnforcementLevel.ADVISORY if advisory else level)(message, finding.urn)


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
            active.append((policy, level, config, waivers_of(config)))
    return active


ResourceRunner = Callable[[ResourceValidationArgs, ReportViolation], None]
StackRunner = Callable[[StackValidationArgs, ReportViolation], None]


def resource_runner(declared: Sequence[DeclaredRule]) -> ResourceRunner:
    #: The rules that apply to each resource type met so far: the engine calls ``Analyze`` once
    #: per resource, and a type's rules do not change while the pack runs (the readers' types are
    #: registered when it loads).
    by_type: dict[str, list[DeclaredRule]] = {}

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type.startswith("pulumi:"):
            return
        relevant = by_type.get(args.resource_type)
        if relevant is None:
            relevant = [d for d in declared if d.rule.applies_to(args.resource_type)]
            by_type[args.resource_type] = relevant
        if not relevant:
            return
        context = _Servicer.behind(report)
        resource = resource_from_args(args)
        for active in _active(context, relevant):
            for finding in active[0].rule.run_resource(resource, active[2]):
                _report(context, report, active, finding)

    return validate


def stack_runner(declared: Sequence[DeclaredRule]) -> StackRunner:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        context = _Servicer.behind(report)
        active = _active(context, declared)
        if not active:
            return
        unit = deployed_unit()
        if unit is not None:  # one unit of an estate: no stack rule sees enough to judge (scope.py)
            for entry in active:
                _report(context, report, entry, Finding(unit_note(unit), unknown=True))
            return
        index = StackIndex.build((resource_from_policy_resource(r) for r in args.resources), unwrap=unwrap)
        for entry in active:
            for finding in entry[0].rule.run_stack(index, entry[2]):
                _report(context, report, entry, finding)

    return validate


def unwrap(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """A placement row's underlying dict when the SDK handed an unknown-checking proxy
    (``proxy["__target"]``, the SDK's own way to unwrap one, an internal): the stack index checks
    its values itself, once, instead of paying a proxied read per key."""
    from pulumi_policy.proxy import _DictProxy

    return row["__target"] if isinstance(row, _DictProxy) else row
