"""The registered vendors' site models as one tagged union, for validating configuration.

``AnySite`` validates a site mapping into the model of the vendor its ``vendor`` key names. It is
built from the driver registry, so a vendor added by a plugin driver is accepted without editing
any component.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Union

from pydantic import Field

from ..core.sites import SiteArgs
from .registry import all_drivers

__all__ = ["AnySite", "site_models"]


def site_models() -> tuple[type[SiteArgs], ...]:
    """Each registered vendor's site model, in vendor-name order."""
    return tuple(driver.site_model for driver in all_drivers())


if TYPE_CHECKING:
    AnySite = SiteArgs
else:
    _models = site_models()
    AnySite = (
        Annotated[Union[_models], Field(discriminator="vendor")]  # noqa: UP007 - a runtime tuple
        if len(_models) > 1
        else _models[0]
    )
