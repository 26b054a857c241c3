"""The registered vendors' models as tagged unions, for validating configuration.

``AnySite`` validates a site mapping into the model of the vendor its ``vendor`` key names;
``AnyBareMetalSource`` validates a pool's source into the model its ``kind`` names. Both are
built from the driver registry when this module is imported, so a vendor added by a plugin
driver (found through its entry point) is accepted without editing any component.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import AfterValidator, Field

from ..core.sites import SiteArgs
from ..core.validation import FieldValueError, first_duplicate
from .bare_metal import BareMetalSourceArgs
from .registry import all_drivers

__all__ = ["AnyBareMetalSource", "AnySite", "Sites", "site_models", "source_kinds", "source_models"]


def site_models() -> tuple[type[SiteArgs], ...]:
    """Each registered vendor's site model, in vendor-name order."""
    return tuple(driver.site_model for driver in all_drivers())


def source_models() -> tuple[type[BareMetalSourceArgs], ...]:
    """Each registered vendor's bare-metal source models, in vendor-name order."""
    return tuple(model for driver in all_drivers() for model in driver.bare_metal_sources)


def source_kinds(models: tuple[type[BareMetalSourceArgs], ...] | None = None) -> tuple[str, ...]:
    """The ``kind`` of each source model (default: every registered one)."""
    return tuple(str(m.model_fields["kind"].default) for m in (source_models() if models is None else models))


def _tagged(models: tuple[type[Any], ...], tag: str, empty: type[Any]) -> Any:
    """One model, or a union of several that pydantic picks from by ``tag``."""
    if not models:
        return empty
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator=tag)]  # noqa: UP007 - a runtime tuple


if TYPE_CHECKING:
    AnySite = SiteArgs
    AnyBareMetalSource = BareMetalSourceArgs
else:
    AnySite = _tagged(site_models(), "vendor", SiteArgs)
    AnyBareMetalSource = _tagged(source_models(), "kind", BareMetalSourceArgs)


def _unique_names(sites: tuple[SiteArgs, ...]) -> tuple[SiteArgs, ...]:
    duplicate = first_duplicate(site.name for site in sites)
    if duplicate is not None:
        first, second = duplicate
        raise FieldValueError(
            f"[{second}].name",
            f"already the name of sites[{first}]; site names must be unique (they name every "
            "resource of the site)",
        )
    return sites


#: A non-empty list of sites with unique names.
Sites = Annotated[tuple[AnySite, ...], Field(min_length=1), AfterValidator(_unique_names)]
