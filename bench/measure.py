"""Shared measuring helpers: the machine, repeated samples and their spread, child processes.

Benchmarks share this machine's cores with other work, so every figure is a set of samples:
reports give the median and the spread (min to max) rather than one number.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["ROOT", "Samples", "child", "machine"]

ROOT = Path(__file__).resolve().parent.parent

_PACKAGES = (
    "pulumi",
    "pulumi_aws",
    "pulumi_azure_native",
    "pulumi_gcp",
    "pulumi_openstack",
    "pulumi_random",
    "pulumi_tls",
    "pulumi_command",
    "pulumi_vsphere",
    "pulumi_kubernetes",
    "pydantic",
)


@dataclass(frozen=True)
class Samples:
    """Repeated measurements of one quantity."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def spread(self, fmt: str = "{:.2f}") -> str:
        """``median (min-max, n=k)`` in ``fmt``."""
        if len(self.values) == 1:
            return f"{fmt.format(self.median)} (n=1)"
        low, high = fmt.format(self.low), fmt.format(self.high)
        return f"{fmt.format(self.median)} ({low}-{high}, n={len(self.values)})"

    def as_dict(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.low, "max": self.high, "samples": list(self.values)}


def machine() -> dict[str, str]:
    """CPU model, cores, memory, Python and SDK versions, date: the header of every report."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package.replace("_", "-"))
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count() or "unknown"),
        "memory": memory,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **versions,
    }


def child(module: str, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """Run ``python -m bench.<module> --child ARGS`` in a fresh interpreter; return its JSON line.

    A fresh process per sample keeps one measurement's garbage, caches and imports from
    leaking into the next.
    """
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", "--child", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"bench.{module} {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"bench.{module} {' '.join(args)} printed no result:\n{proc.stdout[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result
