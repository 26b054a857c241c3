"""One explicit provider per site, shared by every component that builds on that site.

Never the default provider: a site's region, project or Keystone endpoint lives on its own
provider, so two AWS sites in two regions cannot silently end up in one, and the stack runs the
same whatever ``aws:region`` the shell happens to have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import pulumi

from ..core.errors import ConfigIssue, InvalidArgsError
from ..core.sites import SiteArgs
from .registry import get_driver

__all__ = ["SiteProviders", "require_providers"]


class SiteProviders(Mapping[str, pulumi.ProviderResource | None]):
    """Site name → that site's provider (``None`` for vendors without one, such as on-prem).

    Args:
        sites: the sites to create providers for.
        name: how to name each provider resource; default: the site's name.
        opts: options for every provider (e.g. ``parent`` when a component owns them).
    """

    def __init__(
        self,
        sites: Iterable[SiteArgs],
        *,
        name: Callable[[SiteArgs], str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        self._providers: dict[str, pulumi.ProviderResource | None] = {}
        for site in sites:
            resource_name = name(site) if name else site.name
            self._providers[site.name] = get_driver(site.vendor).create_provider(site, resource_name, opts)

    def __getitem__(self, site: str) -> pulumi.ProviderResource | None:
        return self._providers[site]

    def __iter__(self) -> Iterator[str]:
        return iter(self._providers)

    def __len__(self) -> int:
        return len(self._providers)


def require_providers(providers: Mapping[str, pulumi.ProviderResource | None], sites: Iterable[str]) -> None:
    """Refuse, before anything registers, when a site a component builds on has no provider."""
    missing = [site for site in sites if site not in providers]
    if missing:
        raise InvalidArgsError(
            [ConfigIssue("providers", f"no provider given for site(s) {', '.join(missing)}", list(providers))]
        )
