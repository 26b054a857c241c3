"""The unit graph's invariants: valid names, known prerequisites, no cycle, topological layers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from skyweave.core.errors import PlanningError
from skyweave.planning.units import Unit, UnitCycleError, UnitGraph, unit_name_problems


@st.composite
def dags(draw: st.DrawFn) -> list[Unit]:
    n = draw(st.integers(1, 12))
    names = [f"prod.u{i}" for i in range(n)]
    units = []
    for i, name in enumerate(names):
        before = draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else []
        units.append(Unit(name, "site", prerequisites=tuple(before)))
    return draw(st.permutations(units))


@given(dags())
def test_every_prerequisite_comes_first_and_layers_respect_it(units: list[Unit]) -> None:
    graph = UnitGraph.of("prod", units)
    seen: set[str] = set()
    for unit in graph.units:
        assert set(unit.prerequisites) <= seen
        seen.add(unit.name)
    depth = {u.name: i for i, layer in enumerate(graph.layers()) for u in layer}
    assert sorted(depth) == sorted(u.name for u in units)
    for unit in units:
        assert all(depth[p] < depth[unit.name] for p in unit.prerequisites)
        # each unit sits in the earliest layer its prerequisites allow
        assert depth[unit.name] == 1 + max((depth[p] for p in unit.prerequisites), default=-1)


@given(dags())
def test_order_does_not_depend_on_the_order_units_are_given(units: list[Unit]) -> None:
    assert UnitGraph.of("prod", units).names() == UnitGraph.of("prod", list(reversed(units))).names()


def test_a_cycle_is_named() -> None:
    units = [
        Unit("prod.a", "site", prerequisites=("prod.c",)),
        Unit("prod.b", "link", prerequisites=("prod.a",)),
        Unit("prod.c", "edge", prerequisites=("prod.b",)),
    ]
    with pytest.raises(UnitCycleError, match=r"circle: prod\.\w -> prod\.\w -> prod\.\w -> prod\.\w"):
        UnitGraph.of("prod", units)


def test_an_unknown_prerequisite_is_named() -> None:
    with pytest.raises(PlanningError, match=r"'prod\.a' depends on 'prod\.x', which is not a unit"):
        UnitGraph.of("prod", [Unit("prod.a", "site", prerequisites=("prod.x",))])


def test_a_repeated_name_is_refused() -> None:
    with pytest.raises(PlanningError, match=r"two units are named 'prod\.a'"):
        UnitGraph.of("prod", [Unit("prod.a", "site"), Unit("prod.a", "link")])


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("prod.aws_use1", "Kubernetes object name"),  # a valid stack name, not a Kubernetes name
        ("Prod.aws", "Kubernetes object name"),
        ("prod.aws-", "Kubernetes object name"),
        ("prod/aws", "Pulumi stack name"),
        ("p" * 101, "1 to 100 characters"),
        ("", "1 to 100 characters"),
    ],
)
def test_a_name_neither_pulumi_nor_kubernetes_accepts_is_refused(name: str, why: str) -> None:
    assert any(why in p for p in unit_name_problems(name))
    with pytest.raises(PlanningError, match="cannot be deployed"):
        UnitGraph.of("prod", [Unit(name, "site")])


@pytest.mark.parametrize("name", ["prod.aws-use1", "prod.link.aws-use1.gcp-euw1", "a", "0.1-b"])
def test_names_both_accept_pass(name: str) -> None:
    assert unit_name_problems(name) == []
