"""skyweave: Pulumi components for estates spread over AWS, GCP, OpenStack and on-prem sites.

The public API is ``__all__``; everything else is internal and may change without notice.
"""

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time each name loads on first use
    from .app.multi_cloud_app import MultiCloudApp
    from .app.plan import AppDnsArgs, AppPlan, MultiCloudAppArgs, plan_multi_cloud_app
    from .core.bootstrap import BootstrapArgs
    from .core.errors import (
        AddressSpaceExhaustedError,
        ConfigError,
        ConfigIssue,
        DriverError,
        InvalidArgsError,
        OverlappingCidrError,
        PlanningError,
        ProjectError,
        SkyweaveError,
        UnknownDriverError,
        UnsupportedCapabilityError,
    )
    from .core.sites import CloudSiteArgs, SiteArgs
    from .database.multi_cloud_database import MultiCloudDatabase
    from .database.plan import MultiCloudDatabaseArgs, plan_multi_cloud_database
    from .drivers import (
        Capability,
        CloudDriver,
        SiteContext,
        SiteNetwork,
        get_driver,
        register_driver,
        vendors,
    )
    from .drivers.providers import SiteProviders
    from .estate.config import StackConfig, config_schema, parse_stack_config
    from .estate.stack import load_stack_config
    from .kubernetes.fleet import KubernetesFleet, KubernetesFleetArgs, plan_kubernetes_fleet
    from .metal.bare_metal_pool import BareMetalPool, BareMetalPoolArgs, PoolConfig, plan_pool
    from .metal.inventory import ansible_inventory
    from .network.hybrid_vpc import HybridVpc, HybridVpcArgs, HybridVpcPlan, IpamArgs, plan_hybrid_vpc
    from .storage.multi_cloud_bucket import MultiCloudBucket, MultiCloudBucketArgs, plan_multi_cloud_bucket

#: Public name → the module (relative to this package) that defines it. Importing a submodule
#: such as ``skyweave.cli`` must not load every provider SDK (pulumi_aws alone takes about a
#: second), so the package namespace resolves these lazily (PEP 562); docs/benchmarks.md.
_EXPORTS: dict[str, str] = {
    "AddressSpaceExhaustedError": "core.errors",
    "AppDnsArgs": "app.plan",
    "AppPlan": "app.plan",
    "BareMetalPool": "metal.bare_metal_pool",
    "BareMetalPoolArgs": "metal.bare_metal_pool",
    "BootstrapArgs": "core.bootstrap",
    "Capability": "drivers",
    "CloudDriver": "drivers",
    "CloudSiteArgs": "core.sites",
    "ConfigError": "core.errors",
    "ConfigIssue": "core.errors",
    "DriverError": "core.errors",
    "HybridVpc": "network.hybrid_vpc",
    "HybridVpcArgs": "network.hybrid_vpc",
    "HybridVpcPlan": "network.hybrid_vpc",
    "InvalidArgsError": "core.errors",
    "IpamArgs": "network.hybrid_vpc",
    "KubernetesFleet": "kubernetes.fleet",
    "KubernetesFleetArgs": "kubernetes.fleet",
    "MultiCloudApp": "app.multi_cloud_app",
    "MultiCloudAppArgs": "app.plan",
    "MultiCloudBucket": "storage.multi_cloud_bucket",
    "MultiCloudBucketArgs": "storage.multi_cloud_bucket",
    "MultiCloudDatabase": "database.multi_cloud_database",
    "MultiCloudDatabaseArgs": "database.plan",
    "OverlappingCidrError": "core.errors",
    "PlanningError": "core.errors",
    "PoolConfig": "metal.bare_metal_pool",
    "ProjectError": "core.errors",
    "SiteArgs": "core.sites",
    "SiteContext": "drivers",
    "SiteNetwork": "drivers",
    "SiteProviders": "drivers.providers",
    "SkyweaveError": "core.errors",
    "StackConfig": "estate.config",
    "UnknownDriverError": "core.errors",
    "UnsupportedCapabilityError": "core.errors",
    "ansible_inventory": "metal.inventory",
    "config_schema": "estate.config",
    "get_driver": "drivers",
    "load_stack_config": "estate.stack",
    "parse_stack_config": "estate.config",
    "plan_hybrid_vpc": "network.hybrid_vpc",
    "plan_kubernetes_fleet": "kubernetes.fleet",
    "plan_multi_cloud_app": "app.plan",
    "plan_multi_cloud_bucket": "storage.multi_cloud_bucket",
    "plan_multi_cloud_database": "database.plan",
    "plan_pool": "metal.bare_metal_pool",
    "register_driver": "drivers",
    "vendors": "drivers",
}

__version__ = "0.2.0"

__all__ = [
    "AddressSpaceExhaustedError",
    "AppDnsArgs",
    "AppPlan",
    "BareMetalPool",
    "BareMetalPoolArgs",
    "BootstrapArgs",
    "Capability",
    "CloudDriver",
    "CloudSiteArgs",
    "ConfigError",
    "ConfigIssue",
    "DriverError",
    "HybridVpc",
    "HybridVpcArgs",
    "HybridVpcPlan",
    "InvalidArgsError",
    "IpamArgs",
    "KubernetesFleet",
    "KubernetesFleetArgs",
    "MultiCloudApp",
    "MultiCloudAppArgs",
    "MultiCloudBucket",
    "MultiCloudBucketArgs",
    "MultiCloudDatabase",
    "MultiCloudDatabaseArgs",
    "OverlappingCidrError",
    "PlanningError",
    "PoolConfig",
    "ProjectError",
    "SiteArgs",
    "SiteContext",
    "SiteNetwork",
    "SiteProviders",
    "SkyweaveError",
    "StackConfig",
    "UnknownDriverError",
    "UnsupportedCapabilityError",
    "__version__",
    "ansible_inventory",
    "config_schema",
    "get_driver",
    "load_stack_config",
    "parse_stack_config",
    "plan_hybrid_vpc",
    "plan_kubernetes_fleet",
    "plan_multi_cloud_app",
    "plan_multi_cloud_bucket",
    "plan_multi_cloud_database",
    "plan_pool",
    "register_driver",
    "vendors",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'skyweave' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


class _Package(types.ModuleType):
    """Keeps a public name bound to its object when a submodule of the same name is imported.

    No subpackage is named like a public name today; this guard keeps it so if one ever is
    (``skyweave.vendors`` once was both the function and the site-union module).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
