"""The order every component follows (coerce → plan → providers → register), held for each one.

A component refuses what it cannot build before it registers anything, including a site it would
build on without a provider: the engine would otherwise get half a component, and a library user
a ``KeyError`` instead of a message naming the key.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import run
from skyweave import (
    HybridVpc,
    HybridVpcArgs,
    InvalidArgsError,
    MultiCloudApp,
    MultiCloudBucket,
    SiteProviders,
)

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
APP: dict[str, Any] = {
    "sites": ["gcp-euw1"],
    "images": {"gcp": "debian-cloud/debian-12"},
    "sizes": {"gcp": "e2-small"},
    "min_healthy": 1,
    "survive": "zone",
    "dns": {"vendor": "aws", "zone": "Z0123456789EXAMPLE", "record_name": "app.example.com"},
}


def _registered_under(component: str, build: Any) -> tuple[list[str], BaseException | None]:
    """Run ``build`` in a program; the names registered that start with ``component`` and the error."""
    caught: list[BaseException] = []

    def program() -> None:
        try:
            build()
        except InvalidArgsError as exc:
            caught.append(exc)

    result = run(program)
    names = [r.name for r in result.resources if r.name.startswith(component)]
    return names, caught[0] if caught else None


def test_an_app_without_a_provider_for_its_dns_site_registers_nothing() -> None:
    def build() -> None:
        parsed = HybridVpcArgs.model_validate({"sites": [AWS, GCP], "connectivity": {"topology": "none"}})
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        only_gcp = {"gcp-euw1": providers["gcp-euw1"]}
        MultiCloudApp("web", APP, network=net, providers=only_gcp)

    names, error = _registered_under("web", build)
    assert error is not None and error.issues[0].path == "providers"
    assert "no provider given for the DNS site 'aws-use1'" in str(error)
    assert names == [], f"registered before refusing: {names}"


def test_a_bucket_without_a_provider_for_one_of_its_sites_registers_nothing() -> None:
    def build() -> None:
        sites = HybridVpcArgs.model_validate({"sites": [AWS, GCP]}).sites
        providers = SiteProviders(sites[:1])  # none for gcp-euw1
        MultiCloudBucket(
            "assets", {"s3_site": "aws-use1", "gcs_site": "gcp-euw1"}, sites=sites, providers=providers
        )

    names, error = _registered_under("assets", build)
    assert error is not None and error.issues[0].path == "providers"
    assert "no provider given for site(s) gcp-euw1" in str(error)
    assert names == [], f"registered before refusing: {names}"


@pytest.mark.parametrize("component", ["HybridVpc", "MultiCloudApp", "MultiCloudBucket", "BareMetalPool"])
def test_a_bad_mapping_is_one_invalid_args_error_naming_the_key(component: str) -> None:
    import skyweave

    cls = getattr(skyweave, component)
    with pytest.raises(InvalidArgsError) as e:
        cls("x", {"no_such_key": 1}, network=None) if component != "HybridVpc" else cls(
            "x", {"no_such_key": 1}
        )
    assert "no_such_key" in [i.path for i in e.value.issues]
