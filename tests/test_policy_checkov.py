"""What checkov catches on the same programs, caught here too; what checkov passes, passed here too
(issue 24 item 4). Each case goes through the real Analyzer protocol: the pack runs as its own
process and judges resources shaped as the engine sends them, with inputs valid against the
installed provider SDK's declarations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

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


# -- a listener without a protocol on an application load balancer is HTTP ------------------------

HTTP = "skyweave-security-no-plain-http-listeners"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # an output of the load balancer, in a preview
TARGETS = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/50dc6c495c0c9188"


def _listener(lb: Resource, name: str = "web", **props: Any) -> Resource:
    body = {
        "loadBalancerArn": UNKNOWN,
        "port": 80,
        "defaultActions": [{"type": "forward", "targetGroupArn": TARGETS}],
    }
    return res(LISTENER, name, {**body, **props}, deps=[lb.urn], prop_deps={"loadBalancerArn": [lb.urn]})


@pytest.mark.parametrize("lb_type", [None, "application"])
def test_a_listener_without_a_protocol_on_an_alb_serves_http(
    pack: PolicyPackProcess, lb_type: str | None
) -> None:
    """pulumi-aws's Listener.protocol: "For Application Load Balancers, valid values are HTTP and
    HTTPS, with a default of HTTP"; the provider sends HTTP when the ARN is an ALB's
    (terraform-provider-aws, internal/service/elbv2/listener.go). aws-py-fargate's listener is
    this; checkov CKV_AWS_2 catches its twin."""
    lb = res(LB, "web", {} if lb_type is None else {"loadBalancerType": lb_type})
    [diag] = _named(_stack(pack, [lb, _listener(lb)]), HTTP)
    assert diag.mandatory and "protocol is unset" in diag.detail and "port 80" in diag.detail


def test_a_listener_without_a_protocol_on_an_nlb_is_not_http(pack: PolicyPackProcess) -> None:
    lb = res(LB, "net", {"loadBalancerType": "network"})
    assert _named(_stack(pack, [lb, _listener(lb, "net")]), HTTP) == []


def test_an_alb_listener_without_a_protocol_that_redirects_to_https_passes(pack: PolicyPackProcess) -> None:
    lb = res(LB, "web", {})
    redirect = [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]
    assert _named(_stack(pack, [lb, _listener(lb, defaultActions=redirect)]), HTTP) == []
