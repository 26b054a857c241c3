"""The contract every registered driver keeps: the shipped ``skyweave.testing.DriverContract``,
run over each one (and over the shipped fake), plus what only skyweave itself can check.

The contract lives in the package so a plugin vendor runs the same tests (docs/vendors.md;
tests/test_new_vendor.py runs it against the dummy vendor's own distribution).
"""

from __future__ import annotations

import ast
import inspect

import pytest
from skyweave.core.errors import UnknownDriverError
from skyweave.drivers import Capability, CloudDriver, get_driver, vendors
from skyweave.testing import DriverContract, FakeDriver, FakeReader
from skyweave.testing import contract as contract_module


class TestEveryRegisteredDriver(DriverContract):
    @pytest.fixture(params=vendors())
    def contract_driver(self, request: pytest.FixtureRequest) -> CloudDriver:
        return get_driver(request.param)


class TestTheFakeDriver(DriverContract):
    driver_class = FakeDriver
    reader_class = FakeReader


def test_builtin_vendors_are_registered() -> None:
    assert set(vendors()) >= {"aws", "azure", "gcp", "openstack", "onprem", "vsphere"}


def test_unknown_vendor_lists_the_known_ones() -> None:
    with pytest.raises(
        UnknownDriverError, match="registered vendors: aws, azure, gcp, onprem, openstack, vsphere"
    ):
        get_driver("oracle")


def test_the_fake_is_not_a_vendor_outside_the_contract() -> None:
    assert "fake" not in vendors()


def test_a_capability_nobody_reads_does_not_exist() -> None:
    """Each capability decides something: a planner or component outside the drivers (which only
    declare them) reads every one, or it is a service's (read through the protocol)."""
    import re

    from conftest import ROOT
    from skyweave.drivers.services import SERVICES

    source = "\n".join(
        p.read_text()
        for p in (ROOT / "components").rglob("*.py")
        if not {"drivers", "testing"} & set(p.relative_to(ROOT).parts)
    )
    for capability in Capability:
        read = re.search(rf"Capability\.{capability.name}\b", source) is not None
        assert read or capability in SERVICES.values(), f"{capability} is declared but nothing decides on it"


def test_capability_gates_skip_and_never_return() -> None:
    """A gated check that returns counts as a pass (Libcloud's mixin does this); every test of the
    contract asserts, skips or raises — none has a return statement."""
    tree = ast.parse(inspect.getsource(contract_module))
    (contract,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "DriverContract"]
    tests = [f for f in contract.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test_")]
    assert len(tests) >= 8
    for test in tests:
        assert not [n for n in ast.walk(test) if isinstance(n, ast.Return)], test.name
