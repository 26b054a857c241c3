"""`skyweave check` bounds a policy pack: a pack that floods its stdout cannot block on a full
pipe, and a rule that never returns ends the check with a message instead of a hang."""

from __future__ import annotations

from pathlib import Path

import pytest
from skyweave.engine.analyzer import PolicyEngineError, PolicyPackProcess, StackResource

MANIFEST = "runtime: python\nversion: 0.1.0\ndescription: test pack\n"

PACK = """
import sys, time
from pulumi_policy import EnforcementLevel, PolicyPack, ReportViolation, ResourceValidationPolicy

def check(args, report_violation: ReportViolation):
    {body}

PolicyPack(
    "bounds",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[ResourceValidationPolicy(name="bounded", description="a test rule", validate=check)],
)
"""


def _pack(tmp_path: Path, body: str) -> Path:
    (tmp_path / "PulumiPolicy.yaml").write_text(MANIFEST)
    (tmp_path / "__main__.py").write_text(PACK.format(body=body))
    return tmp_path


def _resource() -> StackResource:
    return StackResource(
        urn="urn:pulumi:s::p::aws:s3/bucket:Bucket::b", type="aws:s3/bucket:Bucket", name="b"
    )


def test_a_pack_that_floods_stdout_does_not_block(tmp_path: Path) -> None:
    body = "sys.stdout.write('x' * 1_000_000); sys.stdout.flush(); print('y' * 100_000, file=sys.stderr)"
    # A pack blocked on a full pipe would not answer: the call's deadline would raise.
    with PolicyPackProcess(_pack(tmp_path, body), call_timeout=60) as pack:
        pack.analyze(_resource())
        assert len(pack.stderr) <= (1 << 20) + 65536


def test_a_rule_that_never_returns_ends_the_check(tmp_path: Path) -> None:
    # The deadline, not a clock in the test, ends it (the rule sleeps an hour).
    with (
        PolicyPackProcess(_pack(tmp_path, "time.sleep(3600)"), call_timeout=3) as pack,
        pytest.raises(PolicyEngineError, match=r"Analyze did not answer within 3 s"),
    ):
        pack.analyze(_resource())


def test_a_rule_that_never_returns_ends_a_pipelined_check(tmp_path: Path) -> None:
    """`check` keeps many Analyze calls in flight; the first that does not answer still ends it."""
    with (
        PolicyPackProcess(_pack(tmp_path, "time.sleep(3600)"), call_timeout=3) as pack,
        pytest.raises(PolicyEngineError, match=r"Analyze did not answer within 3 s"),
    ):
        pack.analyze_each([_resource()] * 10, window=4)
