"""The library path: what a Pulumi program that imports skyweave gets (README, docs/api/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import skyweave

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: skyweave.HybridVpcArgs(sites=[{**AWS, "cidr": "bad"}]), "sites[0].cidr"),
        (lambda: skyweave.HybridVpcArgs(sites=[AWS], ipam={"site_prefix": 40}), "ipam.site_prefix"),
        (lambda: skyweave.IpamArgs(supernet="8.0.0.0/8"), "supernet"),
        (
            lambda: skyweave.MultiCloudAppArgs(
                sites=["aws-use1"],
                images={"aws": "ami-0a1b2c3d4e5f60718"},
                sizes={"aws": "t3.micro"},
                min_healthy=-1,
            ),
            "min_healthy",
        ),
        (lambda: skyweave.BareMetalPoolArgs(count=2, sources=[], role="worker"), "sources"),
        (lambda: skyweave.MultiCloudBucketArgs(s3_site="aws-use1", gcs_site="gcp", typo=1), "typo"),
        (lambda: skyweave.BootstrapArgs(script=3), "script"),
    ],
    ids=["cidr", "nested", "ipam", "app", "pool", "bucket", "bootstrap"],
)
def test_args_built_directly_raise_invalid_args_error(build: Callable[[], Any], path: str) -> None:
    with pytest.raises(skyweave.InvalidArgsError) as raised:
        build()
    # one problem, the real one: no pydantic "tuple should have at least 1 item" echo after it
    assert [issue.path for issue in raised.value.issues] == [path]
    assert "validation error" not in str(raised.value)


def test_valid_args_built_directly_are_still_models() -> None:
    args = skyweave.HybridVpcArgs(sites=[{**AWS, "cidr": "10.1.0.0/16"}])
    assert str(args.sites[0].cidr) == "10.1.0.0/16" and args.ipam.site_prefix == 16


def test_the_network_shares_its_providers_with_apps_and_pools() -> None:
    from conftest import run

    def program() -> None:
        net = skyweave.HybridVpc("core", {"sites": [{**AWS, "cidr": "10.1.0.0/16"}]})
        assert set(net.providers) == {"aws-use1"}
        skyweave.MultiCloudApp(
            "web",
            {
                "sites": ["aws-use1"],
                "images": {"aws": "ami-0a1b2c3d4e5f60718"},
                "sizes": {"aws": "t3.micro"},
                "min_healthy": 1,
                "survive": "zone",
            },
            network=net,
        )

    result = run(program)
    providers = [r for r in result.resources if r.type.startswith("pulumi:providers:")]
    assert [p.name for p in providers] == ["core-provider-aws-use1"]
    assert all(
        r.provider == providers[0].urn
        for r in result.resources
        if r.custom and r.package == "aws" and not r.type.startswith("pulumi:providers:")
    )


def test_a_bucket_takes_sites_and_providers_from_the_network() -> None:
    from conftest import run

    gcp = {
        "name": "gcp-euw1",
        "vendor": "gcp",
        "region": "europe-west1",
        "project": "my-project",
        "cidr": "10.2.0.0/16",
    }

    def program() -> None:
        net = skyweave.HybridVpc("core", {"sites": [{**AWS, "cidr": "10.1.0.0/16"}, gcp]})
        skyweave.MultiCloudBucket("assets", {"s3_site": "aws-use1", "gcs_site": "gcp-euw1"}, network=net)

    result = run(program)
    providers = {
        r.urn
        for r in result.resources
        if r.type.startswith("pulumi:providers:") and r.type != "pulumi:providers:random"
    }
    assert len(providers) == 2  # the network's two site providers (random's is the VPN keys')
    bucket_children = [
        r for r in result.resources if r.custom and r.parent and "MultiCloudBucket" in r.parent
    ]
    assert bucket_children and all(r.provider in providers for r in bucket_children)


def test_a_bucket_without_network_needs_sites_and_providers() -> None:
    from conftest import run

    with pytest.raises(skyweave.InvalidArgsError, match="providers: required without network="):
        run(lambda: skyweave.MultiCloudBucket("assets", {"s3_site": "aws-use1"}, sites=[]))
