"""What checkov catches on the same programs, caught here too; what checkov passes, passed here too
(issue 24 item 4). Each case goes through the real Analyzer protocol: the pack runs as its own
process and judges resources shaped as the engine sends them, with inputs valid against the
installed provider SDK's declarations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from policy_helpers import res, wire
from skyweave.engine.analyzer import Diagnostic, PolicyPackProcess
from skyweave.policy import Resource

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(ROOT / "policies", project="proj", stack="test") as process:
        process.configure({})
        yield process


def _stack(pack: PolicyPackProcess, resources: Iterable[Resource]) -> list[Diagnostic]:
    return pack.analyze_stack([wire(r) for r in [res("pulumi:pulumi:Stack", "proj-test"), *resources]])


def _named(diagnostics: Iterable[Diagnostic], name: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.policy_name == name]


# -- S3: encrypted by default since 5 January 2023 -----------------------------------------------


@pytest.mark.parametrize("type_", [BUCKET, BUCKET_V2])
def test_a_bucket_without_an_encryption_configuration_is_encrypted_by_s3(
    pack: PolicyPackProcess, type_: str
) -> None:
    """S3 applies SSE-S3 to every bucket (AWS S3 user guide, "Using server-side encryption with
    Amazon S3 managed keys"): checkov passes such a bucket (the five false positives of issue 24
    were all this); so does the pack."""
    bucket = res(type_, "site", {"bucket": "site-1234"})
    assert not [d for d in _stack(pack, [bucket]) if "encrypt" in d.policy_name or "encrypt" in d.detail]
