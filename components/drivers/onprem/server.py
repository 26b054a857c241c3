"""What a server someone brought is, written on the resource that stands for it.

Why: the policy pack judges resources, never what a component says about them. A BYON server is
not created by anything, and the commands that configure it connect through a secret (the SSH
key makes the whole ``connection`` secret), so nothing in the plan would say which server a
command reaches, which site it is on or which rack it sits in. The on-prem driver therefore
registers, per server, a remote command with nothing to run (the provider then neither connects
nor runs anything: pulumi-command's ``remote/commandController.go`` returns at once when
``create`` / ``delete`` are unset) whose ``environment`` holds these facts in plain text; the
on-prem policy reader (:mod:`skyweave.drivers.onprem.reader`) counts one server per such record,
in its failure domain, and the commands that depend on it as its configuration.

The variables are the ``SKYWEAVE_*`` ones the bootstrap script sees
(:func:`skyweave.core.bootstrap.node_environment`) plus the server's address, region, room and
rack. Pure: no Pulumi, so the reader can import it.
"""

from __future__ import annotations

from ...core.bootstrap import node_environment

__all__ = ["ADDRESS", "FAILURE_DOMAIN", "NODE", "REGION", "SITE", "server_environment"]

NODE = "SKYWEAVE_NODE"
SITE = "SKYWEAVE_SITE"
FAILURE_DOMAIN = "SKYWEAVE_FAILURE_DOMAIN"
ADDRESS = "SKYWEAVE_ADDRESS"
REGION = "SKYWEAVE_REGION"
ROOM = "SKYWEAVE_ROOM"
RACK = "SKYWEAVE_RACK"


def server_environment(
    pool: str,
    node: str,
    role: str,
    site: str,
    region: str,
    zone: str,
    address: str,
    room: str | None,
    rack: str | None,
) -> dict[str, str]:
    """The facts a server's record carries (see the module docstring)."""
    env = node_environment(pool, node, role, site, zone)
    env.update({ADDRESS: address, REGION: region})
    env.update({key: value for key, value in ((ROOM, room), (RACK, rack)) if value is not None})
    return env
