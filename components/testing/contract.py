"""The driver contract as a pytest mixin: what skyweave's own drivers are held to, for any driver.

Mix it into a test class and name the driver (Libcloud's ``TestCaseMixin`` pattern)::

    from skyweave.testing import DriverContract
    from my_vendor.driver import MyDriver

    class TestMyDriver(DriverContract):
        driver_class = MyDriver

pytest then runs every ``test_*`` below against it. A check that does not apply to the driver (no
VPN endpoint, no peering, a pair skyweave refuses) calls ``pytest.skip`` with the reason — never a
bare ``return``, which would count as a pass. Each test is one check of
:mod:`skyweave.testing.checks`, whose functions say everything that is wrong at once.

Class attributes a vendor may set:

* ``driver_class`` (required): the driver under test. It need not be installed: it is registered
  for the duration of each test (``driver_registered``) when its vendor is not served by it.
* ``link_peer``: the site the driver's example site is linked to (default: an AWS site, whose
  managed gateway pairs with every kind); ``None`` skips the link check.
* ``reader_class``: the vendor's policy reader (a ``skyweave.policy.reading.Reader``), served for
  the reader check when it is not installed (``reader_registered``); default: the installed one.
* ``reader_claim``: a function saying whether the pack judges a resource type; default: the
  pack's registry (:func:`~skyweave.testing.checks.policy_reader_claim`): a type of a package some
  reader reads.

skyweave's own suite overrides the ``contract_driver`` fixture to run every registered driver
(tests/test_driver_contract.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import ClassVar

import pytest

from ..core.errors import InvalidArgsError, UnsupportedCapabilityError
from ..drivers.base import Capability, CloudDriver
from ..network.hybrid_vpc import plan_hybrid_vpc
from ..policy.readers import reader_registered
from ..policy.reading import Reader
from .checks import (
    DEFAULT_LINK_PEER,
    OfflineBuild,
    ReaderClaim,
    build_differences,
    build_offline,
    capability_problems,
    created_types,
    endpoint_kinds,
    endpoint_problems,
    example_site,
    identity_problems,
    link_build_problems,
    link_sites,
    network_args,
    policy_reader_claim,
    serving,
    signature_problems,
    site_build_problems,
    unclaimed_types,
)

__all__ = ["DriverContract"]


def _holds(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


class DriverContract:
    """The contract every skyweave driver keeps; see the module docstring for how to use it."""

    driver_class: ClassVar[type[CloudDriver]]
    link_peer: ClassVar[Mapping[str, object] | None] = DEFAULT_LINK_PEER
    reader_claim: ClassVar[ReaderClaim | None] = None
    reader_class: ClassVar[type[Reader] | None] = None

    @pytest.fixture
    def contract_driver(self) -> Iterator[CloudDriver]:
        """The driver under test, served under its vendor name for the test."""
        with serving(self.driver_class) as driver:
            yield driver

    # --- declarations -----------------------------------------------------------------------

    def test_declares_identity_limits_and_subnet_slots(self, contract_driver: CloudDriver) -> None:
        _holds(identity_problems(contract_driver))

    def test_honours_every_capability_it_declares(self, contract_driver: CloudDriver) -> None:
        _holds(capability_problems(contract_driver))

    def test_require_refuses_what_it_lacks(self, contract_driver: CloudDriver) -> None:
        missing = [c for c in Capability if c not in contract_driver.capabilities]
        if not missing:
            pytest.skip(f"{contract_driver.vendor} declares every capability")
        with pytest.raises(
            UnsupportedCapabilityError, match=f"vendor '{contract_driver.vendor}' does not support"
        ):
            contract_driver.require(missing[0], needed_for="the contract")

    def test_every_declared_endpoint_kind_has_its_protocol(self, contract_driver: CloudDriver) -> None:
        if not endpoint_kinds(contract_driver) and not contract_driver.supports(Capability.PEERING):
            pytest.skip(f"{contract_driver.vendor} declares no VPN endpoint and no peering")
        _holds(endpoint_problems(contract_driver))

    def test_methods_take_the_base_parameters(self, contract_driver: CloudDriver) -> None:
        _holds(signature_problems(contract_driver))

    # --- offline builds ---------------------------------------------------------------------

    def test_a_site_builds_offline(self, contract_driver: CloudDriver) -> None:
        _holds(site_build_problems(contract_driver, self._alone(contract_driver)))

    def test_builds_are_deterministic(self, contract_driver: CloudDriver) -> None:
        again = build_offline(contract_driver, (example_site(contract_driver),), cached=False)
        _holds(build_differences(self._alone(contract_driver), again))

    def test_a_link_builds_offline(self, contract_driver: CloudDriver) -> None:
        _holds(endpoint_problems(contract_driver))
        linked = self._linked(contract_driver)
        _holds(link_build_problems(contract_driver, linked, self._alone(contract_driver)))

    def test_every_created_type_has_a_policy_reader(self, contract_driver: CloudDriver) -> None:
        """Every type the driver creates is one the pack judges (``skyweave check`` would name the
        others as not judged): its vendor's policy reader reads the type's package."""
        builds = [self._alone(contract_driver)]
        with contextlib.suppress(pytest.skip.Exception):  # no link: the site's own types still count
            builds.append(self._linked(contract_driver))
        types = created_types(contract_driver, builds)
        served = reader_registered(self.reader_class) if self.reader_class else contextlib.nullcontext()
        with served:
            # Read from the class: a function stored on it would be bound to the instance.
            claim = type(self).reader_claim or policy_reader_claim()
            assert claim is not None
            unclaimed = unclaimed_types(types, claim)
        assert not unclaimed, f"no policy reader claims {unclaimed}: the pack would not judge them"

    # --- shared builds ------------------------------------------------------------------------

    def _alone(self, driver: CloudDriver) -> OfflineBuild:
        return build_offline(driver, (example_site(driver),))

    def _linked(self, driver: CloudDriver) -> OfflineBuild:
        """The example site linked to ``link_peer``; skips when there is none or the pair is refused."""
        if self.link_peer is None:
            pytest.skip("link_peer is None: no link to build")
        sites = link_sites(driver, self.link_peer)
        try:
            plan_hybrid_vpc(network_args(sites))
        except InvalidArgsError as exc:
            pytest.skip(f"{sites[0].name} and {sites[1].name} are not joined: {exc}")
        return build_offline(driver, sites)
