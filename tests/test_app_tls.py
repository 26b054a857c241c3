"""MultiCloudApp hardening the policy pack asks for: an encrypted root volume on AWS, and HTTPS with
an HTTP-to-HTTPS redirect wherever a load balancer terminates TLS (``tls_certificates``)."""

from __future__ import annotations

from typing import Any

import pytest
from skyweave import InvalidArgsError
from skyweave.engine.offline import OfflineRun, Registration
from test_multi_cloud_app import AWS, BASE, GCP, OPENSTACK, OS_SLA, build

CERTS = {
    "aws": "arn:aws:acm:us-east-1:123456789012:certificate/2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d",
    "openstack": "https://barbican.dc1.example.net:9311/v1/containers/6f1c8a52-3e1b-4c4e-9a7d-2b3c4d5e6f70",
}
DNS = {"vendor": "aws", "zone": "Z0123456789EXAMPLE", "record_name": "shop.example.com"}


def _by_name(result: OfflineRun) -> dict[str, Registration]:
    return {r.name: r for r in result.resources}


def _of_type(result: OfflineRun, type_: str) -> list[Registration]:
    return [r for r in result.resources if r.type == type_]


def test_the_launch_template_encrypts_the_amis_root_device() -> None:
    result = build([AWS, GCP], {**BASE, "sites": ["aws-use1", "gcp-euw1"], "min_healthy": 2})
    lt = _by_name(result)["web-lt-aws-use1"].inputs
    # The AMI's own root device (looked up, /dev/xvda offline), so the mapping encrypts the root
    # volume rather than attaching a second one.
    assert lt["blockDeviceMappings"] == [
        {
            "deviceName": "/dev/xvda",
            "ebs": {"encrypted": "true", "volumeType": "gp3", "deleteOnTermination": "true"},
        }
    ]


def test_without_certificates_nothing_changes_but_the_root_volume() -> None:
    result = build([AWS, GCP], {**BASE, "sites": ["aws-use1", "gcp-euw1"], "min_healthy": 2})
    [listener] = _of_type(result, "aws:lb/listener:Listener")
    assert listener.inputs["protocol"] == "HTTP" and listener.inputs["defaultActions"][0]["type"] == "forward"


def _tls_app(**extra: Any) -> OfflineRun:
    app = {
        **BASE,
        **OS_SLA,
        "sites": ["aws-use1", "gcp-euw1", "os-dc1"],
        "min_healthy": 4,
        "tls_certificates": CERTS,
        "dns": DNS,
        **extra,
    }
    return build([AWS, GCP, OPENSTACK], app)


def test_aws_serves_https_and_the_service_port_only_redirects() -> None:
    result = _tls_app()
    res = _by_name(result)
    http = res["web-listener-aws-use1"].inputs
    assert http["protocol"] == "HTTP" and http["port"] == 8080
    assert http["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]
    https = res["web-https-listener-aws-use1"].inputs
    assert https["protocol"] == "HTTPS" and https["port"] == 443
    assert https["certificateArn"] == CERTS["aws"]
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert https["defaultActions"][0]["type"] == "forward"
    ports = {rule["fromPort"] for rule in res["web-lb-sg-aws-use1"].inputs["ingress"]}
    assert ports == {8080, 443}
    assert res["web-dns-check-aws-use1"].inputs["type"] == "HTTPS"
    assert res["web-dns-check-aws-use1"].inputs["port"] == 443


def test_openstack_terminates_https_and_redirects_http_with_an_l7_policy() -> None:
    result = _tls_app()
    res = _by_name(result)
    https = res["web-https-listener-os-dc1"].inputs
    assert https["protocol"] == "TERMINATED_HTTPS" and https["protocolPort"] == 443
    assert https["defaultTlsContainerRef"] == CERTS["openstack"]
    pool = res["web-pool-os-dc1"]
    assert any(d.endswith("web-https-listener-os-dc1") for d in pool.dependencies)
    redirect = res["web-https-redirect-os-dc1"].inputs
    assert (
        redirect["action"] == "REDIRECT_PREFIX" and redirect["redirectPrefix"] == "https://shop.example.com"
    )
    check = res["web-dns-check-os-dc1"].inputs
    assert (check["type"], check["port"]) == ("HTTPS", 443)


def test_gcp_forwards_the_https_port_to_instances_that_terminate_tls() -> None:
    result = _tls_app()
    res = _by_name(result)
    assert res["web-fr-gcp-euw1"].inputs["ports"] == ["8080", "443"]
    allows = res["web-fw-service-gcp-euw1"].inputs["allows"]
    assert allows == [{"protocol": "tcp", "ports": ["8080", "443"]}]


def test_every_tls_terminating_site_needs_a_certificate() -> None:
    with pytest.raises(InvalidArgsError) as info:
        _tls_app(tls_certificates={"aws": CERTS["aws"]})
    assert "tls_certificates" in str(info.value) and "os-dc1" in str(info.value)
    with pytest.raises(InvalidArgsError, match="https_port"):
        _tls_app(https_port=8080)
    with pytest.raises(InvalidArgsError, match="dns"):
        _tls_app(dns=None)
