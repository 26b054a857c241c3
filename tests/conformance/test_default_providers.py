"""Defect 5: nothing uses a default provider, and the example stacks say so to the engine.

With ``pulumi:disable-default-providers: ["*"]`` the engine refuses any resource or invoke that
names no provider; the offline runner does the same (``skyweave.engine.offline``), so a registration on
a default provider fails every test that runs an example stack or a generated estate.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pytest
import yaml
from conformance_harness import GENERATED, STACKS, estate
from conftest import ROOT
from skyweave.engine.offline import DISABLE_DEFAULT_PROVIDERS, DefaultProviderError, run_program


def _default_random() -> None:
    random.RandomPassword("on-default", length=8)


def _default_invoke() -> None:
    provider = random.Provider("explicit")
    random.RandomPassword("fine", length=8, opts=pulumi.ResourceOptions(provider=provider))
    aws.get_availability_zones_output()


def test_the_offline_runner_refuses_a_default_provider_the_stack_disables() -> None:
    config = {DISABLE_DEFAULT_PROVIDERS: '["*"]'}
    with pytest.raises(
        DefaultProviderError, match=r"Default provider for 'random' disabled\. 'urn:.*::on-default'"
    ):
        run_program(_default_random, project="p", stack="s", config=config)
    with pytest.raises(DefaultProviderError, match=r"'aws' disabled\. 'aws:index/getAvailabilityZones"):
        run_program(_default_invoke, project="p", stack="s", config=config)
    # Only the packages listed are refused; without the key nothing is.
    run_program(_default_random, project="p", stack="s", config={DISABLE_DEFAULT_PROVIDERS: '["aws"]'})
    run_program(_default_random, project="p", stack="s")


@pytest.mark.parametrize("stack", STACKS)
def test_both_example_stacks_disable_every_default_provider(stack: str) -> None:
    config = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert config.get(DISABLE_DEFAULT_PROVIDERS) == ["*"]


@pytest.mark.parametrize("name", (*STACKS, *GENERATED))
def test_every_resource_names_its_provider(name: str) -> None:
    on_default = [
        r.name
        for r in estate(name).run.resources
        if r.custom and not r.type.startswith("pulumi:providers:") and r.provider is None
    ]
    assert not on_default


@pytest.mark.parametrize("name", ("prod", "gen-1"))
def test_random_and_command_providers_are_one_per_component_named_from_it(name: str) -> None:
    e = estate(name)
    for package in ("random", "command"):
        users = [r for r in e.run.resources if r.package == package]
        assert users, package
        for reg in users:
            provider = e.by_urn[reg.provider or ""]
            component = e.by_urn[provider.parent or ""]
            assert provider.type == f"pulumi:providers:{package}"
            assert provider.name == f"{component.name}-provider-{package}"
            ancestors, parent = [], reg.parent
            while parent:
                ancestors.append(parent)
                parent = e.by_urn[parent].parent
            assert component.urn in ancestors, (reg.name, component.name)


def test_a_component_uses_the_random_and_command_providers_it_is_given() -> None:
    import pulumi_command as command
    from skyweave.metal.bare_metal_pool import BareMetalPool
    from skyweave.network.hybrid_vpc import HybridVpc

    sites = [
        {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "cidr": "10.1.0.0/16"},
        {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "p-123456"},
        {"name": "dc", "vendor": "onprem", "region": "fra", "cidrs": ["10.200.0.0/16"]},
    ]
    byon = {
        "kind": "byon",
        "site": "dc",
        "ssh_user": "ops",
        "ssh_private_key_config": "byon:key",
        "servers": [{"name": "s1", "address": "10.200.0.5"}],
    }

    def program() -> None:
        mine = random.Provider("my-random")
        ssh = command.Provider("my-command")
        network = HybridVpc(
            "core",
            {"sites": sites, "connectivity": {"exclude": [["dc", "aws-use1"], ["dc", "gcp-euw1"]]}},
            opts=pulumi.ResourceOptions(providers=[mine]),
        )
        BareMetalPool(
            "metal",
            {"count": 1, "sources": [byon], "bootstrap": {"script": "true\n"}},
            opts=pulumi.ResourceOptions(providers=[ssh]),
            network=network,
            ssh_keys={"byon:key": "k"},
        )

    run = run_program(program, project="p", stack="s", config={DISABLE_DEFAULT_PROVIDERS: '["*"]'})
    providers = {r.urn: r.name for r in run.resources if r.type.startswith("pulumi:providers:")}
    assert "core-provider-random" not in providers.values()
    assert "metal-provider-command" not in providers.values()
    assert {providers[r.provider or ""] for r in run.resources if r.package == "random"} == {"my-random"}
    assert {providers[r.provider or ""] for r in run.resources if r.package == "command"} == {"my-command"}
