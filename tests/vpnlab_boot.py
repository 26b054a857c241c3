"""What a rendered cloud-init user data makes a Debian instance do at its first boot and at every
boot after it, read the way the namespace lab (tests/vpnlab.py) replays it.

Why a model of boots: the appliance's configuration is only as good as what comes back after a
reboot. cloud-init runs ``runcmd`` once per instance (``cc_runcmd``: ``frequency: PER_INSTANCE``)
and ``write_files`` once too, but the files stay on disk; what runs on *every* boot is what the
operating system starts itself — ``systemd-sysctl`` applying ``/etc/sysctl.d`` (sysctl.d(5)),
the enabled systemd units — plus cloud-init's ``bootcmd`` and ``scripts-per-boot`` (``cc_bootcmd``,
``cc_scripts_per_boot``: ``PER_ALWAYS``). So the lab replays a first boot as "every-boot steps,
then the runcmd entries", and a reboot as the every-boot steps alone; anything in the user data
it cannot replay is an error, never skipped.

Enabled units are those a ``systemctl enable`` in ``runcmd`` names, and the services of the
packages installed: Debian's maintainer scripts enable a package's units on installation
(dh_installsystemd / dh_systemd_enable(1): "finds all unit files installed by a package … and
enables them") — which is why strongSwan, FRR and keepalived come back on every boot even when
nothing else does.
"""

from __future__ import annotations

import configparser
import json
import shlex
from dataclasses import dataclass

__all__ = ["DAEMONS", "PACKAGE_UNITS", "Unit", "UserData", "WrittenFile"]

#: The service each package enables on installation (Debian 12's unit files).
PACKAGE_UNITS = {
    "charon-systemd": "strongswan.service",
    "frr": "frr.service",
    "keepalived": "keepalived.service",
}
#: The services the lab runs as daemons of its own: charon then ``swanctl --load-all`` (the
#: ``ExecStartPost`` of Debian's strongswan.service), zebra + bgpd + staticd then the integrated
#: frr.conf (what ``frrinit.sh`` does through ``vtysh -b``), keepalived on its configuration.
DAEMONS = ("strongswan.service", "frr.service", "keepalived.service")


class BootError(AssertionError):
    """The user data asks for something the lab cannot replay."""


@dataclass(frozen=True)
class WrittenFile:
    """One ``write_files`` entry."""

    path: str
    content: str = ""
    mode: int = 0o644

    def __repr__(self) -> str:  # the content may hold keys
        return f"WrittenFile({self.path!r}, mode={self.mode:o})"


@dataclass(frozen=True)
class Unit:
    """A systemd service the user data writes (``/etc/systemd/system/NAME``)."""

    name: str
    exec_start: tuple[tuple[str, ...], ...]
    before: frozenset[str]
    wanted_by: frozenset[str]

    @classmethod
    def parse(cls, name: str, text: str) -> Unit:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(text)

        def values(section: str, key: str) -> list[str]:
            return parser.get(section, key, fallback="").split()

        if parser.get("Service", "Type", fallback="simple") != "oneshot":
            raise BootError(f"{name}: the lab replays oneshot units only")
        starts = [shlex.split(v) for v in parser.get("Service", "ExecStart", fallback="").splitlines() if v]
        return cls(
            name,
            tuple(tuple(s) for s in starts),
            frozenset(values("Unit", "Before")),
            frozenset(values("Install", "WantedBy")),
        )


@dataclass(frozen=True)
class UserData:
    """A ``#cloud-config`` user data (written as JSON, which is YAML) as the lab replays it."""

    files: dict[str, WrittenFile]
    packages: tuple[str, ...]
    runcmd: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, text: str) -> UserData:
        head, _, body = text.partition("\n")
        if head != "#cloud-config":
            raise BootError("user data must start with #cloud-config")
        config = json.loads(body)
        unknown = set(config) - {"package_update", "packages", "write_files", "runcmd"}
        if unknown:
            raise BootError(f"the lab cannot replay {sorted(unknown)}")
        files = {
            f["path"]: WrittenFile(f["path"], f.get("content", ""), int(f.get("permissions", "0644"), 8))
            for f in config.get("write_files", [])
        }
        runcmd = tuple(
            tuple(c) if isinstance(c, list) else tuple(shlex.split(c)) for c in config.get("runcmd", [])
        )
        return cls(files, tuple(config.get("packages", [])), runcmd)

    # -- what comes back on every boot ------------------------------------------------------------

    def enabled(self) -> frozenset[str]:
        """Units enabled: the packages' own, and those ``systemctl enable`` names in runcmd."""
        units = {PACKAGE_UNITS[p] for p in self.packages if p in PACKAGE_UNITS}
        for command in self.runcmd:
            if command[:2] == ("systemctl", "enable"):
                units |= {_unit(u) for u in command[2:] if not u.startswith("-")}
        return frozenset(units)

    def sysctl_files(self) -> list[WrittenFile]:
        """What systemd-sysctl applies at every boot, in its (lexical) order."""
        return [
            f for p, f in sorted(self.files.items()) if p.startswith("/etc/sysctl.d/") and p.endswith(".conf")
        ]

    def units(self) -> list[Unit]:
        """The written units that start at every boot (enabled, wanted by multi-user.target)."""
        found = []
        for path, f in sorted(self.files.items()):
            if path.startswith("/etc/systemd/system/") and path.endswith(".service"):
                unit = Unit.parse(path.rsplit("/", 1)[1], f.content)
                if unit.name in self.enabled() and "multi-user.target" in unit.wanted_by:
                    found.append(unit)
        return found

    def daemons(self) -> list[str]:
        """The lab's daemons this instance starts at every boot, in start order."""
        return [d for d in DAEMONS if d in self.enabled()]

    # -- what only the first boot does --------------------------------------------------------------

    def first_boot_commands(self) -> list[tuple[str, ...]]:
        """The runcmd entries the lab executes: those running a file the user data wrote. The
        others must be ones whose effect the lab already replays (enabling, starting or
        restarting a unit, loading swanctl, applying a sysctl.d file, turning bgpd on in FRR's
        daemons file)."""
        run = []
        for command in self.runcmd:
            if command[0] in self.files:
                run.append(command)
            elif not _replayed(command, self):
                raise BootError(f"the lab cannot replay the runcmd entry {list(command)}")
        return run


def _unit(name: str) -> str:
    return name if "." in name else f"{name}.service"


def _replayed(command: tuple[str, ...], data: UserData) -> bool:
    known = set(DAEMONS) | {u.name for u in data.units()}
    match command:
        case ("systemctl", "daemon-reload"):
            return True
        case ("systemctl", "enable" | "start" | "restart", *units):
            return all(_unit(u) in known for u in units if not u.startswith("-"))
        case ("swanctl", "--load-all", *_):
            return True
        case ("sysctl", "-p", path):
            return path in {f.path for f in data.sysctl_files()}
        case ("sed", "-i", expression, "/etc/frr/daemons"):
            return expression == "s/^bgpd=no/bgpd=yes/"
    return False
