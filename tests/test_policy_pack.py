"""The runners in-process: the SDK objects they are handed, and the fallback when the SDK changes."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import (
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.policy import PolicyCustomTimeouts, StackValidationArgs
from skyweave.policy import ALL_RULES, build_policies
from skyweave.policy.pack import STACK_RUNNER, DeclaredRule


def _resource(type_: str, name: str, props: dict[str, Any]) -> PolicyResource:
    opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    return PolicyResource(type_, props, f"urn:pulumi:s::p::{type_}::{name}", name, opts, None, None, [], {})


def test_build_policies_declares_each_rule_once_plus_two_runners() -> None:
    policies = build_policies(tune_collector=False)
    declared = [p for p in policies if isinstance(p, DeclaredRule)]
    assert [p.name for p in declared] == [r.name for r in ALL_RULES]
    assert sum(isinstance(p, StackValidationPolicy) for p in policies) == 1
    assert sum(isinstance(p, ResourceValidationPolicy) for p in policies) == 1
    with pytest.raises(ValueError, match="repeated: skyweave-security-imdsv2-required"):
        imds = next(r for r in ALL_RULES if r.name == "skyweave-security-imdsv2-required")
        build_policies([imds, imds], tune_collector=False)


def test_without_the_sdk_servicer_the_runner_falls_back_to_prefixed_messages(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A report callback that is not the SDK's (no servicer in its closure): still reports."""
    runner = next(p for p in build_policies(tune_collector=False) if p.name == STACK_RUNNER)
    assert isinstance(runner, StackValidationPolicy)
    reported: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None = None) -> None:
        reported.append((message, urn))

    args = StackValidationArgs([_resource("aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.0.0.0/16"})])
    runner.validate(args, report)
    assert [m for m, _ in reported] == [
        "[skyweave-redundancy-min-vendors] the estate spans 1 vendor(s) (aws); at least 2 are required so "
        "losing one vendor does not take everything down"
    ]
    assert "reported under the runner's name" in capsys.readouterr().err
