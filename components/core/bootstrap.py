"""One bootstrap for every bare-metal node, whichever source it came from.

A pool's user gives a shell script and a few files once. Cloud nodes (OpenStack Ironic, AWS
metal) receive them as cloud-init user-data: the files are written, then the script runs as root
on first boot. Servers someone brought themselves receive the same files and script over SSH
(``pulumi_command.remote.CopyToRemote`` + ``remote.Command``). Either way the script sees the
same ``SKYWEAVE_*`` environment, so it cannot tell (and need not care) where it runs.

Over SSH the copies are *staged*: ``CopyToRemote`` writes over SFTP with the SSH user's rights
(no sudo), so it can neither write ``/etc`` nor safely use a fixed name in ``/tmp`` (another local
user could create it first). Each server gets a private staging directory from ``mktemp -d``
(:func:`stage_command`: mode 0700, owned by the SSH user, an unpredictable name); the copies go
there under neutral names, and the bootstrap command installs each file to its path with
``sudo -n install`` (root-owned, 0644, as cloud-init writes them), runs the staged script and
removes the directory (:meth:`BootstrapArgs.ssh_install_command`).

The bootstrap's digest (script + files) is what re-runs it: a changed script changes the
user-data (a new cloud server) or the remote command's ``triggers`` (the script runs again).
"""

from __future__ import annotations

import hashlib
import posixpath
import shlex
from collections.abc import Mapping

import yaml
from pydantic import ConfigDict, Field, field_validator

from .validation import ArgsModel

__all__ = [
    "CLOUD_SCRIPT_PATH",
    "STAGED_SCRIPT",
    "STAGE_CLEANUP",
    "BootstrapArgs",
    "node_environment",
    "stage_command",
    "staged_file",
]

#: Where cloud-init writes the script on cloud nodes (root-owned, survives reboots for inspection).
CLOUD_SCRIPT_PATH = "/var/lib/skyweave/bootstrap.sh"

#: The script's name inside a server's staging directory.
STAGED_SCRIPT = "bootstrap.sh"

#: The staging command's ``delete``: remove the directory it made (its path is the command's
#: previous stdout, which pulumi-command passes as ``PULUMI_COMMAND_STDOUT``), and only a
#: directory of the shape :func:`stage_command` makes.
STAGE_CLEANUP = (
    'd=$(printf %s "$PULUMI_COMMAND_STDOUT" | head -n 1); '
    'case "$d" in /*/skyweave-*.*) rm -rf -- "$d" ;; esac'
)


def staged_file(index: int) -> str:
    """The staged name of the ``index``-th file (files in path order): never its final path."""
    return f"file-{index}"


def stage_command(pool: str) -> str:
    """Make a private staging directory for ``pool`` and print its path (the command's stdout).

    ``mktemp -d`` creates it with mode 0700, owned by the SSH user, under an unpredictable name;
    ``umask 077`` keeps whatever SFTP creates inside it private too.
    """
    return f'umask 077 && mktemp -d "${{TMPDIR:-/tmp}}/skyweave-{pool}.XXXXXXXXXX"'


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

    def ssh_install_command(self, stage: str, env: Mapping[str, str]) -> str:
        """What runs over SSH once the files and script are staged in ``stage``.

        Install every file to its path as root (``sudo -n``: fail rather than wait for a password),
        mode 0644 like cloud-init's ``write_files``; run the staged script as the SSH user with
        ``env``; then remove the staging directory. Steps are joined with ``&&``: a failed step
        stops the rest and leaves the staged files for the retry.
        """
        quote = shlex.quote
        parents = sorted({posixpath.dirname(path) for path in self.files})
        steps = [f"sudo -n mkdir -p -- {quote(parent)}" for parent in parents]
        steps += [
            f"sudo -n install -m 0644 -o root -g root {quote(f'{stage}/{staged_file(i)}')} {quote(path)}"
            for i, path in enumerate(sorted(self.files))
        ]
        steps.append(self.ssh_command(f"{stage}/{STAGED_SCRIPT}", env))
        steps.append(f"rm -rf -- {quote(stage)}")
        return " && ".join(steps)


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
