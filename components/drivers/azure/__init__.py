"""The Azure driver: VNets, active-active VPN gateways, zone-spread scale sets, Traffic Manager, Blob.

Built on pulumi-azure-native, an optional extra (``pip install 'skyweave[azure]'``): the driver
module imports without it (site model, capabilities, limits), and an ``azure`` site in a stack
file without it installed is a configuration error naming the extra.
"""

from .driver import AzureDriver

__all__ = ["AzureDriver"]
