"""One explicit provider per site, shared by every component that builds on that site.

Never the default provider: a site's region, project or Keystone endpoint lives on its own
provider, so two AWS sites in two regions cannot silently end up in one, and the stack runs the
same whatever ``aws:region`` the shell happens to have.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pulumi
from pydantic import ConfigDict

from ..core.errors import ConfigIssue, InvalidArgsError
from ..core.naming import child_name
from ..core.sites import SiteArgs
from ..core.validation import ArgsModel, coerce_args
from .registry import get_driver
from .scope import in_scope

__all__ = ["SiteProviders", "component_provider", "require_providers"]


class SiteProviders(Mapping[str, pulumi.ProviderResource | None]):
    """Site name → that site's provider (``None`` for vendors without one, such as on-prem).

    Args:
        sites: the sites to create providers for: site models, or the mappings ``HybridVpcArgs``
            takes (validated the same way; a bad one is an ``InvalidArgsError`` naming its key).
        name: how to name each provider resource; default: the site's name.
        opts: options for every provider (e.g. ``parent`` when a component owns them).
    """

    def __init__(
        self,
        sites: Iterable[SiteArgs | Mapping[str, Any]],
        *,
        name: Callable[[SiteArgs], str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        self._providers: dict[str, pulumi.ProviderResource | None] = {}
        for site in _site_models(sites):
            if not in_scope([site.name]):
                continue  # a unit's program: only the sites the unit builds on (drivers/scope.py)
            resource_name = name(site) if name else site.name
            self._providers[site.name] = get_driver(site.vendor).create_provider(site, resource_name, opts)

    def __getitem__(self, site: str) -> pulumi.ProviderResource | None:
        return self._providers[site]

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)


@functools.cache
def _site_list() -> type[_SiteList]:
    # the vendors' site models are built from the registry, whose drivers import this module
    from .site_models import Sites

    class SiteList(_SiteList):
        sites: Sites

    return SiteList


class _SiteList(ArgsModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    sites: tuple[SiteArgs, ...]


def _site_models(sites: Iterable[SiteArgs | Mapping[str, Any]]) -> tuple[SiteArgs, ...]:
    """``sites`` as site models; mappings are validated as ``HybridVpcArgs.sites`` are."""
    given = tuple(sites)
    if all(isinstance(site, SiteArgs) for site in given):
        return given  # type: ignore[return-value]  # narrowed by the check above
    try:
        return coerce_args(_site_list(), {"sites": given}).sites
    except InvalidArgsError as exc:
        raise InvalidArgsError(exc.issues, source="SiteProviders") from None


def require_providers(providers: Mapping[str, pulumi.ProviderResource | None], sites: Iterable[str]) -> None:
    """Refuse, before anything registers, when a site a component builds on has no provider."""
    missing = [site for site in in_scope(sites) if site not in providers]
    if missing:
        raise InvalidArgsError(
            [ConfigIssue("providers", f"no provider given for site(s) {', '.join(missing)}", list(providers))]
        )


#: Each component's providers of site-less packages (random, command), by component and package.
_COMPONENT_PROVIDERS: weakref.WeakKeyDictionary[pulumi.Resource, dict[str, pulumi.ProviderResource]] = (
    weakref.WeakKeyDictionary()
)


def component_provider(
    component: pulumi.Resource,
    component_name: str,
    resource_type: str,
    make: Callable[[str, pulumi.ResourceOptions], pulumi.ProviderResource],
) -> pulumi.ProviderResource:
    """The component's provider for ``resource_type``'s package: the one it was given
    (``opts.providers``), else one it creates as its child, ``{component}-provider-{package}``, on
    first use and shares after.

    Why per component and not per site or per stack: these packages (random, command) have no
    site configuration, so nothing ties them to a site; one per component keeps the component
    whole wherever it runs (a stack, or another language through the component provider) and the
    provider named from the component. Never the default provider: a stack may disable them all.
    """
    package = resource_type.split(":", 1)[0]
    made = _COMPONENT_PROVIDERS.setdefault(component, {})
    if package not in made:
        given = component.get_provider(resource_type)
        made[package] = given or make(
            child_name(component_name, "provider", package), pulumi.ResourceOptions(parent=component)
        )
    return made[package]
