"""The AWS driver: VPCs, VPN gateways, Auto Scaling groups behind load balancers, S3, metal."""

from .driver import AwsDriver

__all__ = ["AwsDriver"]
