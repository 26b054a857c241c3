"""The driver contract and a fake vendor, shipped so a plugin vendor gets skyweave's guarantees.

``tests/test_driver_contract.py`` held the contract every in-tree driver keeps, but it was not
in the package: a vendor shipped as its own distribution could not run it. Here it is:

* :class:`DriverContract` — the contract as a pytest mixin (``class TestMyDriver(DriverContract):
  driver_class = MyDriver``); docs/vendors.md shows a plugin's test module.
* :class:`FakeDriver` — a deterministic fake vendor with the base's exact signatures, which passes
  the contract (skyweave's suite runs it), for tests that need a vendor with known answers; and
  :class:`FakeReader`, its policy reader (serve it with :func:`reader_registered`).
* :mod:`skyweave.testing.checks` — the checks as plain functions, for other test runners.

pytest is the optional extra ``skyweave[testing]``: a vendor's test suite has it anyway, and a
production install of skyweave should not carry a test runner. Only :class:`DriverContract`
needs it, so it is imported on first use (``import skyweave.testing`` and the fake work without
pytest; asking for the contract without it says which extra to install).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..drivers.registry import driver_registered
from ..policy.readers import reader_registered
from .fake import FakeDriver, FakeReader, FakeSiteArgs

if TYPE_CHECKING:
    from .contract import DriverContract

__all__ = [
    "DriverContract",
    "FakeDriver",
    "FakeReader",
    "FakeSiteArgs",
    "driver_registered",
    "reader_registered",
]


def __getattr__(name: str) -> Any:
    if name == "DriverContract":
        try:
            from .contract import DriverContract
        except ModuleNotFoundError as exc:
            if exc.name != "pytest":
                raise
            raise ModuleNotFoundError(
                "skyweave.testing.DriverContract runs under pytest: pip install 'skyweave[testing]'",
                name="pytest",
            ) from exc
        return DriverContract
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
