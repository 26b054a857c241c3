"""The VMware vSphere driver: distributed port groups, cloned VMs, DRS rules, the VPN appliance pair."""

from .driver import VsphereDriver

__all__ = ["VsphereDriver"]
