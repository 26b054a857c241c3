"""One bootstrap for every bare-metal node, whichever source it came from.

A pool's user gives a shell script and a few files once. Cloud nodes (OpenStack Ironic, AWS
metal) receive them as cloud-init user-data: the files are written, then the script runs as root
on first boot. Servers someone brought themselves receive the same files and script over SSH
(``pulumi_command.remote.CopyToRemote`` + ``remote.Command``). Either way the script sees the
same ``SKYWEAVE_*`` environment, so it cannot tell (and need not care) where it runs.

The bootstrap's digest (script + files) is what re-runs it: a changed script changes the
user-data (a new cloud server) or the remote command's ``triggers`` (the script runs again).
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Mapping

import yaml
from pydantic import ConfigDict, Field, field_validator

from .validation import ArgsModel

__all__ = ["CLOUD_SCRIPT_PATH", "BootstrapArgs", "node_environment"]

#: Where cloud-init writes the script on cloud nodes (root-owned, survives reboots for inspection).
CLOUD_SCRIPT_PATH = "/var/lib/skyweave/bootstrap.sh"


class BootstrapArgs(ArgsModel):
    """What runs on every node of a pool once it exists."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    script: str = Field(
        default="",
        description="Shell script run once per node (as root by cloud-init; as the SSH user on "
        "servers you bring, so use sudo there). Omitted: nothing runs and nothing is copied.",
    )
    files: dict[str, str] = Field(
        default_factory=dict,
        description="Files written before the script runs: absolute path on the node → content. "
        "Omitted: none.",
    )

    @field_validator("files")
    @classmethod
    def _absolute(cls, files: dict[str, str]) -> dict[str, str]:
        for path in files:
            if not path.startswith("/") or "\n" in path:
                raise ValueError(
                    f"file path {path!r} must be an absolute path on the node, e.g. /etc/app.conf"
                )
        return files

    @property
    def enabled(self) -> bool:
        return bool(self.script.strip())

    def digest(self) -> str:
        """SHA-256 over the script and every file (path and content), in a fixed order."""
        h = hashlib.sha256()
        for part in (self.script, *(f"{p}\0{c}" for p, c in sorted(self.files.items()))):
            h.update(part.encode())
            h.update(b"\0\0")
        return h.hexdigest()

    def cloud_init(self, env: Mapping[str, str]) -> str:
        """``#cloud-config`` user-data: write the files and the script, then run it with ``env``."""
        write_files = [
            {"path": p, "content": c, "permissions": "0644"} for p, c in sorted(self.files.items())
        ]
        write_files.append({"path": CLOUD_SCRIPT_PATH, "content": self.script, "permissions": "0700"})
        doc = {
            "write_files": write_files,
            "runcmd": [["env", *(f"{k}={v}" for k, v in sorted(env.items())), "sh", CLOUD_SCRIPT_PATH]],
        }
        body: str = yaml.dump(doc, Dumper=_LiteralDumper, sort_keys=False, default_flow_style=False)
        return "#cloud-config\n" + body

    def ssh_command(self, script_path: str, env: Mapping[str, str]) -> str:
        """The command line that runs the copied script over SSH with the same ``env``."""
        assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in sorted(env.items()))
        return f"{assigns} sh {shlex.quote(script_path)}"


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings (scripts, files) as ``|`` blocks, so user-data reads like the script."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str)


def node_environment(pool: str, node: str, role: str, site: str, zone: str) -> dict[str, str]:
    """The ``SKYWEAVE_*`` variables the bootstrap script sees on every node."""
    return {
        "SKYWEAVE_POOL": pool,
        "SKYWEAVE_NODE": node,
        "SKYWEAVE_ROLE": role,
        "SKYWEAVE_SITE": site,
        "SKYWEAVE_FAILURE_DOMAIN": zone,
    }
