"""Turn skyweave's rules into the policy objects a CrossGuard pack serves.

Two ways, with the same findings (``tests/test_policy_pack.py`` runs prod through both):

* **The public path** — the default of :func:`build_policies` — uses only pulumi-policy's public
  API: each rule is its own ``ResourceValidationPolicy`` / ``StackValidationPolicy`` under its own
  name, description, default level and config schema, so the SDK itself applies the configured
  level (``remediate`` → ``mandatory``, ``disabled``) and hands each rule its settings and waivers
  (``args.get_config()``). The public API has no per-violation level, yet a finding whose value
  is unknown until the update runs, or that a waiver covers, must be advisory whatever its rule's
  level: those go through one more policy, ``skyweave-advisory-notes`` (advisory, listed after
  every rule, so the SDK runs it last in each call), as ``[<rule>] <message>``. The cost: the SDK
  decodes the stack once per stack policy (docs/benchmarks.md: ~16 s at 10,000 resources).
* **The fast path** — ``build_policies(fast=True)``, opt-in, what skyweave's own pack
  (``policies/``, ``skyweave check``) uses — runs every rule over one decode and reports each
  finding under its rule's name through SDK internals (:mod:`skyweave.policy.fast`): 0.7 s at
  10,000 resources. When the installed SDK lacks those internals it builds the public path.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import (
    addresses,
    aws,
    azure,
    backups,
    claims,
    coverage,
    data,
    database,
    fast,
    keys,
    kubernetes,
    redundancy,
    security,
    storage,
    workloads,
)
from .adapter import (
    DeclaredRule,
    declaration,
    effective,
    resource_from_args,
    resource_from_policy_resource,
    waivers_of,
)
from .fast import RESOURCE_RUNNER, STACK_RUNNER
from .index import StackIndex
from .rule import Finding, Kind, Rule
from .scope import deployed_unit, unit_note

__all__ = [
    "ADVISORY_NOTES",
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
    *database.RULES,
    *claims.RULES,
    *azure.RULES,
    *aws.RULES,
    *kubernetes.RULES,
    *keys.RULES,
    *backups.RULES,
    *coverage.RULES,
)
#: The public path's advisory policies (see the module docstring), for resource and stack rules.
ADVISORY_NOTES = "skyweave-advisory-notes"
ADVISORY_RESOURCE_NOTES = "skyweave-advisory-resource-notes"


def rule_by_name(name: str, rules: Iterable[Rule] = ALL_RULES) -> Rule:
    for rule in rules:
        if rule.name == name:
            return rule
    raise KeyError(name)


class _Notes(threading.local):
    """The advisory findings of the call running on this thread, until its notes policy reports
    them. The SDK runs a call's policies in the order the pack lists them, on one thread: a rule
    earlier in the list than the last one seen means a new call (so nothing carries over, even
    when the notes policy is disabled)."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str, str | None]] = []
        self.last = -1

    def start(self, position: int) -> None:
        if position <= self.last:
            self.found.clear()
        self.last = position

    def drain(self, report: ReportViolation) -> None:
        for rule, message, urn in self.found:
            report(f"[{rule}] {message}", urn)
        self.found.clear()
        self.last = -1


def _public_report(
    rule: Rule, finding: Finding, waivers: Any, report: ReportViolation, notes: _Notes
) -> None:
    message, advisory = effective(finding, waivers)
    if advisory:
        notes.found.append((rule.name, message, finding.urn))
    else:
        report(message, finding.urn)


def _public_policy(rule: Rule, position: int, notes: _Notes) -> Policy:
    """``rule`` as its own SDK policy: the SDK applies its configured level and settings."""
    if rule.kind is Kind.RESOURCE:

        def validate_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
            notes.start(position)
            if args.resource_type.startswith("pulumi:") or not rule.applies_to(args.resource_type):
                return
            config = args.get_config()
            waivers = waivers_of(config)
            for finding in rule.run_resource(resource_from_args(args), config):
                _public_report(rule, finding, waivers, report, notes)

        return ResourceValidationPolicy(validate=validate_resource, **declaration(rule))

    def validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
        notes.start(position)
        config = args.get_config()
        waivers = waivers_of(config)
        unit = deployed_unit()
        if unit is not None:  # one unit of an estate: no stack rule sees enough to judge (scope.py)
            _public_report(rule, Finding(unit_note(unit), unknown=True), waivers, report, notes)
            return
        index = StackIndex.build(resource_from_policy_resource(r) for r in args.resources)
        for finding in rule.run_stack(index, config):
            _public_report(rule, finding, waivers, report, notes)

    return StackValidationPolicy(validate=validate_stack, **declaration(rule))


def _drainer(notes: _Notes) -> Callable[[Any, ReportViolation], None]:
    def drain(args: Any, report: ReportViolation) -> None:
        notes.drain(report)

    return drain


def _public_policies(rules: list[Rule]) -> list[Policy]:
    notes = {Kind.RESOURCE: _Notes(), Kind.STACK: _Notes()}
    policies: list[Policy] = [_public_policy(r, i, notes[r.kind]) for i, r in enumerate(rules)]
    about = (
        "Findings of skyweave's {} rules that are advisory whatever the rule's level — a value not known "
        "until the update runs, or a finding a waiver covers; each message names its rule."
    )
    kinds: tuple[tuple[Kind, str, type[ResourceValidationPolicy] | type[StackValidationPolicy]], ...] = (
        (Kind.RESOURCE, ADVISORY_RESOURCE_NOTES, ResourceValidationPolicy),
        (Kind.STACK, ADVISORY_NOTES, StackValidationPolicy),
    )
    for kind, name, policy_type in kinds:
        if any(r.kind is kind for r in rules):
            drain = _drainer(notes[kind])
            policies.append(
                policy_type(
                    name=name,
                    description=about.format(kind.value),
                    validate=drain,
                    enforcement_level=EnforcementLevel.ADVISORY,
                )
            )
    return policies


def _fast_policies(rules: list[Rule]) -> list[Policy]:
    declared = [DeclaredRule(rule) for rule in rules]
    resource_rules = [d for d in declared if d.rule.kind is Kind.RESOURCE]
    stack_rules = [d for d in declared if d.rule.kind is Kind.STACK]
    policies: list[Policy] = list(declared)
    if resource_rules:
        policies.append(
            ResourceValidationPolicy(
                name=RESOURCE_RUNNER,
                description="Runs every skyweave resource rule (each reports under its own name).",
                validate=fast.resource_runner(resource_rules),
                enforcement_level=EnforcementLevel.MANDATORY,
            )
        )
    if stack_rules:
        policies.append(
            StackValidationPolicy(
                name=STACK_RUNNER,
                description="Runs every skyweave stack rule over one shared index of the stack "
                "(each reports under its own name).",
                validate=fast.stack_runner(stack_rules),
                enforcement_level=EnforcementLevel.MANDATORY,
            )
        )
    return policies


def tune_gc() -> None:
    """Collect garbage far less often in this (short-lived, allocation-heavy) pack process.

    Decoding a stack allocates hundreds of thousands of small objects that all stay alive until
    the call returns; the default thresholds make the collector rescan them again and again
    (docs/benchmarks.md). ``gc.freeze()`` first moves everything imported so far out of its reach.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 50, 1000)


def build_policies(
    rules: Iterable[Rule] = ALL_RULES, *, tune_collector: bool = True, fast_path: bool = False
) -> list[Policy]:
    """The policies for ``PolicyPack(name, policies=build_policies())``. Pass your own ``rules``
    to build a pack of a subset or with extra rules.

    Args:
        fast_path: run every rule over one decode through pulumi-policy internals (the module
            docstring says why and what it costs); falls back to the public path, saying so on
            stderr, when the installed SDK lacks them.
    """
    rules = list(rules)
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"rule names must be unique; repeated: {', '.join(duplicates)}")
    if fast_path and not fast.available():
        print(
            "skyweave policy pack: this pulumi-policy SDK lacks the internals of the fast path; serving "
            "each rule as its own policy instead (the same findings, one decode per rule)",
            file=sys.stderr,
        )
        fast_path = False
    policies = _fast_policies(rules) if fast_path else _public_policies(rules)
    if tune_collector:
        tune_gc()
    return policies
