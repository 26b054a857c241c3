"""skyweave: Pulumi components for estates spread over AWS, GCP, OpenStack and on-prem sites.

The public API is ``__all__``; everything else is internal and may change without notice.
"""

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time each name loads on first use
    from .bare_metal_pool import BareMetalPool, BareMetalPoolArgs, PoolConfig, plan_pool
    from .bootstrap import BootstrapArgs
    from .config import StackConfig, config_schema, load_stack_config, parse_stack_config
    from .drivers import (
        Capability,
        CloudDriver,
        SiteContext,
        SiteNetwork,
        get_driver,
        register_driver,
        vendors,
    )
    from .errors import (
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
    from .hybrid_vpc import HybridVpc, HybridVpcArgs, HybridVpcPlan, IpamArgs, plan_hybrid_vpc
    from .inventory import ansible_inventory
    from .multi_cloud_app import AppDnsArgs, AppPlan, MultiCloudApp, MultiCloudAppArgs, plan_multi_cloud_app
    from .multi_cloud_bucket import MultiCloudBucket, MultiCloudBucketArgs, plan_multi_cloud_bucket
    from .providers import SiteProviders
    from .sites import CloudSiteArgs, SiteArgs

#: Public name → the module (relative to this package) that defines it. Importing a submodule
#: such as ``skyweave.cli`` must not load every provider SDK (pulumi_aws alone takes about a
#: second), so the package namespace resolves these lazily (PEP 562); docs/benchmarks.md.
_EXPORTS: dict[str, str] = {
    "AddressSpaceExhaustedError": "errors",
    "AppDnsArgs": "multi_cloud_app",
    "AppPlan": "multi_cloud_app",
    "BareMetalPool": "bare_metal_pool",
    "BareMetalPoolArgs": "bare_metal_pool",
    "BootstrapArgs": "bootstrap",
    "Capability": "drivers",
    "CloudDriver": "drivers",
    "CloudSiteArgs": "sites",
    "ConfigError": "errors",
    "ConfigIssue": "errors",
    "DriverError": "errors",
    "HybridVpc": "hybrid_vpc",
    "HybridVpcArgs": "hybrid_vpc",
    "HybridVpcPlan": "hybrid_vpc",
    "InvalidArgsError": "errors",
    "IpamArgs": "hybrid_vpc",
    "MultiCloudApp": "multi_cloud_app",
    "MultiCloudAppArgs": "multi_cloud_app",
    "MultiCloudBucket": "multi_cloud_bucket",
    "MultiCloudBucketArgs": "multi_cloud_bucket",
    "OverlappingCidrError": "errors",
    "PlanningError": "errors",
    "PoolConfig": "bare_metal_pool",
    "ProjectError": "errors",
    "SiteArgs": "sites",
    "SiteContext": "drivers",
    "SiteNetwork": "drivers",
    "SiteProviders": "providers",
    "SkyweaveError": "errors",
    "StackConfig": "config",
    "UnknownDriverError": "errors",
    "UnsupportedCapabilityError": "errors",
    "ansible_inventory": "inventory",
    "config_schema": "config",
    "get_driver": "drivers",
    "load_stack_config": "config",
    "parse_stack_config": "config",
    "plan_hybrid_vpc": "hybrid_vpc",
    "plan_multi_cloud_app": "multi_cloud_app",
    "plan_multi_cloud_bucket": "multi_cloud_bucket",
    "plan_pool": "bare_metal_pool",
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
    "MultiCloudApp",
    "MultiCloudAppArgs",
    "MultiCloudBucket",
    "MultiCloudBucketArgs",
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
    "plan_multi_cloud_app",
    "plan_multi_cloud_bucket",
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

    ``skyweave.vendors`` is the function listing registered vendors, and also the name of the
    module holding the site union; importing that module later would otherwise rebind the
    package attribute to the module (the eager imports used to run in an order that avoided it).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
