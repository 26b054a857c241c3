"""Which driver serves which vendor name.

Built-in drivers are listed by module path and imported on first use; third-party drivers
register with :func:`register_driver` or through the ``skyweave.drivers`` entry-point group
(``my_vendor = "my_pkg.driver:MyDriver"``), so a new vendor is a new module, not an edit here.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import TypeVar

from ..core.errors import UnknownDriverError
from .base import CloudDriver

_S = TypeVar("_S")

__all__ = [
    "all_drivers",
    "driver_registered",
    "get_driver",
    "offering",
    "per_vendor",
    "register_driver",
    "vendors",
]

_BUILTIN: dict[str, tuple[str, str]] = {
    "aws": ("skyweave.drivers.aws.driver", "AwsDriver"),
    # Its SDK is the optional extra skyweave[azure]; the site model says so when it is missing.
    "azure": ("skyweave.drivers.azure.driver", "AzureDriver"),
    "gcp": ("skyweave.drivers.gcp.driver", "GcpDriver"),
    "openstack": ("skyweave.drivers.openstack.driver", "OpenStackDriver"),
    "onprem": ("skyweave.drivers.onprem.driver", "OnPremDriver"),
    # Its SDK is the optional extra skyweave[vsphere]; the site model says so when it is missing.
    "vsphere": ("skyweave.drivers.vsphere.driver", "VsphereDriver"),
}
_EXTRA: dict[str, type[CloudDriver]] = {}
_INSTANCES: dict[str, CloudDriver] = {}
_ENTRY_POINTS_LOADED = False


def register_driver(driver: type[CloudDriver]) -> None:
    """Make ``driver`` serve sites whose ``vendor`` is ``driver.vendor``."""
    _EXTRA[driver.vendor] = driver
    _INSTANCES.pop(driver.vendor, None)


@contextlib.contextmanager
def driver_registered(driver: type[CloudDriver]) -> Iterator[CloudDriver]:
    """``driver`` serves its vendor inside the block, and whatever served it before after it.

    For tests (``skyweave.testing`` builds a driver that is not installed, such as its fake): a
    driver registered for good would change every later ``vendors()`` and error message.
    """
    _load_entry_points()
    vendor = driver.vendor
    saved_class, saved_instance = _EXTRA.get(vendor), _INSTANCES.get(vendor)
    register_driver(driver)
    try:
        yield get_driver(vendor)
    finally:
        _EXTRA.pop(vendor, None)
        _INSTANCES.pop(vendor, None)
        if saved_class is not None:
            _EXTRA[vendor] = saved_class
        if saved_instance is not None:
            _INSTANCES[vendor] = saved_instance


def _load_entry_points() -> None:
    global _ENTRY_POINTS_LOADED
    if _ENTRY_POINTS_LOADED:
        return
    _ENTRY_POINTS_LOADED = True
    for ep in entry_points(group="skyweave.drivers"):
        register_driver(ep.load())


def vendors() -> tuple[str, ...]:
    """Every vendor name a site may use, sorted."""
    _load_entry_points()
    return tuple(sorted({*_BUILTIN, *_EXTRA}))


def get_driver(vendor: str) -> CloudDriver:
    """The driver for ``vendor``; raises :class:`UnknownDriverError` listing the known ones."""
    found = _INSTANCES.get(vendor)
    if found is not None:
        return found
    _load_entry_points()
    cls = _EXTRA.get(vendor)
    if cls is None:
        if vendor not in _BUILTIN:
            raise UnknownDriverError(vendor, vendors())
        module, name = _BUILTIN[vendor]
        cls = getattr(importlib.import_module(module), name)
    instance = cls()
    _INSTANCES[vendor] = instance
    return instance


def all_drivers() -> tuple[CloudDriver, ...]:
    """One instance of every registered driver, in vendor-name order."""
    return tuple(get_driver(v) for v in vendors())


def offering(protocol: type[_S]) -> list[tuple[CloudDriver, _S]]:
    """Every registered driver that offers ``protocol``, with it as that service, in vendor order."""
    return [(driver, driver) for driver in all_drivers() if isinstance(driver, protocol)]


def per_vendor(protocol: type[_S], words: Callable[[_S], str]) -> str:
    """``aws: …; gcp: …`` over every registered driver offering ``protocol`` (empty words left out).

    What a field's description lists per vendor (an image is an AMI id on AWS …), built from the
    drivers' declarations when the model is defined, as the site union is: the text then names
    exactly the vendors whose sites validate, and no component spells a vendor out.
    """
    said = ((driver.vendor, words(offered)) for driver, offered in offering(protocol))
    return "; ".join(f"{vendor}: {text}" for vendor, text in said if text)
