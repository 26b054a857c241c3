"""The skeleton every skyweave component follows, written once.

Each component (HybridVpc, MultiCloudApp, BareMetalPool, MultiCloudBucket) takes the same steps in
the same order, so that nothing is registered unless the whole plan succeeded (CONTRIBUTING.md):

1. :meth:`Component.prepare` — coerce the args (its pydantic model, or a mapping validated into
   one), check the component's name against its limit, and take the plan the stack loader made
   (checked against the args) or plan now; every problem is an ``InvalidArgsError``;
2. :meth:`Component.register` — register the component under its frozen type token with the
   providers it builds on (the network's unless given others: one provider per site);
3. :meth:`Component.site_context` — a :class:`~skyweave.drivers.base.SiteContext` per site for the
   drivers, which create the children;
4. ``register_outputs``.

It lives in the drivers' layer because it hands drivers their :class:`SiteContext`; components
subclass it, drivers never import it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypeVar

import pulumi
from pydantic import BaseModel

from ..core.errors import ConfigError, ConfigIssue, InvalidArgsError
from ..core.naming import SITE_PROVIDERS, check_component_name
from ..core.sites import SiteArgs
from ..core.validation import called_from, check_plan, coerce_args
from .base import SiteContext
from .providers import require_providers

__all__ = ["Component", "HasProviders", "Providers", "network_providers"]

#: Site name → that site's provider (``None`` for vendors without one).
Providers = Mapping[str, pulumi.ProviderResource | None]


class _Planned(Protocol):
    @property
    def args(self) -> Any: ...


_A = TypeVar("_A", bound=BaseModel)
_P = TypeVar("_P", bound=_Planned)


class HasProviders(Protocol):
    """What a component built on a network reads from it (a HybridVpc, without importing it)."""

    @property
    def providers(self) -> Providers: ...


def network_providers(
    given: Providers | None, network: HasProviders | None, sites: Iterable[str], *, needs: str = "providers"
) -> Providers:
    """The providers a component builds ``sites`` with: those given, else the network's (so one
    site keeps one provider whichever component builds on it); refuse a site without one."""
    providers = given if given is not None else network.providers if network is not None else None
    if providers is None:
        raise InvalidArgsError(
            [ConfigIssue(needs, "required without network= (pass the estate's HybridVpc)", has_value=False)]
        )
    require_providers(providers, sites)
    return providers


def _naming_errors(kind: str, init: Callable[..., None]) -> Callable[..., None]:
    """``init`` whose configuration errors name the component and the line that built it
    (``MultiCloudApp 'web' (__main__.py line 33)``): a library program has no stack file to name,
    and "min_healthy: 0" alone does not say of which app. An error that already names its source
    (the stack file the loader read) keeps it."""

    @functools.wraps(init)
    def named(self: Any, name: str, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, name, *args, **kwargs)
        except ConfigError as exc:
            if exc.source is not None:
                raise
            raise exc.with_source(called_from(f"{kind} {name!r}")) from None

    return named


class Component(pulumi.ComponentResource, Generic[_A, _P]):
    """A skyweave component: declare the type token and the name limit as class keywords,
    ``class HybridVpc(Component[HybridVpcArgs, HybridVpcPlan], token=..., name_limit=24)``.

    Attributes:
        plan: what the component builds, decided before it registered (pure data).
        providers: site name → the provider each site's children use.
    """

    plan: _P
    providers: Providers
    _token: str
    _name_limit: int
    _name_why: str

    def __init_subclass__(cls, *, token: str = "", name_limit: int = 0, why: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if token:
            cls._token, cls._name_limit, cls._name_why = token, name_limit, why
        if "__init__" in cls.__dict__:
            setattr(cls, "__init__", _naming_errors(cls.__name__, cls.__dict__["__init__"]))  # noqa: B010

    def prepare(
        self,
        name: str,
        model: type[_A],
        args: _A | Mapping[str, Any],
        plan: _P | None,
        make_plan: Callable[[_A], _P],
    ) -> _A:
        """Step 1: the args as ``model``, the name checked, ``self.plan`` set; nothing registered."""
        coerced = coerce_args(model, args)
        check_component_name(name, self._name_limit, why=self._name_why)
        self.plan = check_plan(plan, coerced) if plan is not None else make_plan(coerced)
        return coerced

    def register(
        self,
        name: str,
        props: Mapping[str, Any] | None,
        opts: pulumi.ResourceOptions | None,
        providers: Providers | None = None,
    ) -> None:
        """Step 2: register the component; ``providers`` may come later (a network makes its own)."""
        super().__init__(self._token, name, dict(props) if props is not None else None, opts)
        self._component_name = name
        if providers is not None:
            self.providers = providers

    def register_outputs(self, outputs: pulumi.Inputs) -> None:
        """Step 4: the outputs, with :data:`~skyweave.core.naming.SITE_PROVIDERS` (site → provider
        URN), which the policy pack and the preview read a resource's site from."""
        record = {site: p.urn for site, p in self.providers.items() if p is not None}
        super().register_outputs({**outputs, SITE_PROVIDERS: record})

    def site_context(self, site: SiteArgs, tags: Mapping[str, str]) -> SiteContext:
        """Step 3: what a driver needs to build this component's children on ``site``."""
        return SiteContext(
            component=self._component_name,
            parent=self,
            site=site,
            provider=self.providers[site.name],
            tags=tags,
        )
