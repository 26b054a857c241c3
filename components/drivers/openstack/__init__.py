"""The OpenStack driver: Neutron networks and VPNaaS, Nova server groups, Octavia, Swift, Ironic."""

from .driver import OpenStackDriver

__all__ = ["OpenStackDriver"]
