"""skyweave: Pulumi components for estates spread over AWS, GCP, OpenStack and on-prem sites.

The public API is ``__all__``; everything else is internal and may change without notice.
"""

from .bare_metal_pool import BareMetalPool, BareMetalPoolArgs, PoolConfig, plan_pool
from .bootstrap import BootstrapArgs
from .config import StackConfig, config_schema, load_stack_config, parse_stack_config
from .drivers import Capability, CloudDriver, SiteContext, SiteNetwork, get_driver, register_driver, vendors
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
