"""Defect 5: nothing uses a default provider, and the example stacks say so to the engine.

With ``pulumi:disable-default-providers: ["*"]`` the engine refuses any resource or invoke that
names no provider; the offline runner does the same (``skyweave.offline``), so a registration on
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
from skyweave.offline import DISABLE_DEFAULT_PROVIDERS, DefaultProviderError, run_program


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
