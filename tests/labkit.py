"""What the namespace labs share (tests/vpnlab.py, tests/dblab.py): running a setup command, and
waiting for a condition against a deadline — never a fixed sleep."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from typing import Self, TypeVar

T = TypeVar("T")


class LabError(AssertionError):
    """The lab itself could not be set up (not a verdict on the configs under test)."""


def run(argv: Sequence[str], stdin: str | None = None) -> None:
    """Run a setup command (``ip``, ``nft``, ``openssl`` …); its failure is the lab's."""
    done = subprocess.run(
        list(argv), input=stdin.encode() if stdin else None, capture_output=True, timeout=15, check=False
    )
    if done.returncode != 0:
        raise LabError(f"{' '.join(argv)}: {done.stderr.decode().strip()}")


def until(probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll ``probe`` every ``interval`` seconds until it returns a value, or fail at ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise LabError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class NamespaceLab:
    """The part of a lab that owns network namespaces: ``with SomeLab(…) as lab:`` starts it and
    closes it whatever happens (a failed start closes what it made). A subclass names its
    namespaces (``ns``), sets ``self.namespaces = []`` and starts and closes its daemons."""

    namespaces: list[str]

    def ns(self, role: str) -> str:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _netns(self, role: str) -> str:
        """A new namespace with its loopback up, deleted by :meth:`_delete_namespaces`."""
        name = self.ns(role)
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    def _delete_namespaces(self) -> None:
        for name in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=15, check=False)
        self.namespaces.clear()
