"""The GCP driver: VPC networks, HA VPN + Cloud Router, regional instance groups, GCS."""

from .driver import GcpDriver

__all__ = ["GcpDriver"]
