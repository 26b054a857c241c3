"""(b) The program under a monitor that answers as a real ``pulumi preview`` does.

In a real preview the engine returns no id and no outputs for a resource it has not created yet,
so every output the program reads is unknown. A component that registers resources inside an
``apply`` (or decides what to build from a provider-computed value) would register fewer — or
other — resources than the offline run shows. This runs every estate both ways and requires the
same resources, parents, providers and dependencies.
"""

from __future__ import annotations

import pulumi
import pulumi_random as random
import pytest
from conformance_harness import GENERATED, STACKS, PreviewMocks, graph, normal, preview_faithful
from skyweave.engine.offline import RecordingMonitor, run_program


@pytest.mark.parametrize("name", (*STACKS, *GENERATED))
def test_a_real_preview_registers_exactly_the_same_graph(name: str) -> None:
    offline, faithful = graph(normal(name)), graph(preview_faithful(name))
    assert set(offline) == set(faithful), sorted(set(offline) ^ set(faithful))
    differ = {urn: (offline[urn], faithful[urn]) for urn in offline if offline[urn] != faithful[urn]}
    assert not differ, differ


def _builds_inside_apply() -> None:
    provider = random.Provider("random")
    password = random.RandomPassword("a", length=8, opts=pulumi.ResourceOptions(provider=provider))
    password.result.apply(
        lambda _: random.RandomPassword("b", length=8, opts=pulumi.ResourceOptions(provider=provider))
    )


def test_the_comparison_catches_a_resource_built_inside_an_apply() -> None:
    names = {r.name for r in run_program(_builds_inside_apply, project="p", stack="s").resources}
    preview = run_program(
        _builds_inside_apply, project="p", stack="s", monitor=RecordingMonitor(PreviewMocks())
    )
    assert "b" in names and "b" not in {r.name for r in preview.resources}
