"""The on-prem driver: sites that exist already, their VPN devices and the servers you bring."""

from .driver import OnPremDriver

__all__ = ["OnPremDriver"]
