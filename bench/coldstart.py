"""Cold start: ``skyweave preview`` and ``skyweave check`` of a stack in a fresh process, and import times.

The preview is timed end to end as a user sees it (interpreter start, imports, config, run,
rendering) by running the installed console script. Import time comes from
``python -X importtime``: the cumulative microseconds of the named module, plus the modules
below it that cost the most.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .measure import ROOT, Samples

__all__ = ["IMPORTS", "import_times", "measure", "preview_times"]

#: The package alone, the CLI's module, and what every config-reading command needs (the stack
#: config pulls in the components, drivers and provider SDKs).
IMPORTS = ("skyweave", "skyweave.cli", "skyweave.estate.config")


def _skyweave_command() -> list[str]:
    script = Path(sys.executable).with_name("skyweave")
    if script.exists():
        return [str(script)]
    found = shutil.which("skyweave")
    return [found] if found else [sys.executable, "-m", "skyweave.cli"]


def command_times(args: list[str], repeat: int, ok: tuple[int, ...] = (0,)) -> Samples:
    """Wall time of ``skyweave <args>`` in a fresh process, ``repeat`` times."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([*_skyweave_command(), *args], cwd=ROOT, capture_output=True)
        samples.append(time.perf_counter() - start)
        if done.returncode not in ok:
            raise RuntimeError(
                f"skyweave {' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-500:]}"
            )
    return Samples(tuple(samples))


def preview_times(stack: str, repeat: int) -> Samples:
    return command_times(["preview", "--stack", stack], repeat)


def check_times(stack: str, repeat: int) -> Samples:
    """The CI gate's cost: run the stack under mocks, start the pack, analyse every resource."""
    return command_times(["check", "--stack", stack], repeat)


def parse_importtime(stderr: str) -> list[tuple[str, int, int]]:
    """``(module, self_us, cumulative_us)`` per line of ``-X importtime`` output.

    >>> parse_importtime("import time: self [us] | cumulative | imported package\\n"
    ...                  "import time:       120 |        340 |   skyweave.core.naming")
    [('skyweave.core.naming', 120, 340)]
    """
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        rows.append((parts[2].strip(), int(parts[0]), int(parts[1])))
    return rows


def import_times(module: str, repeat: int) -> dict[str, Any]:
    """Cumulative import time of ``module`` (ms), and per top-level package the summed self time
    of its modules (ms, mean over the runs): where the import time goes."""
    totals = []
    heavy: dict[str, list[int]] = {}
    for _ in range(repeat):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        rows = parse_importtime(proc.stderr)
        totals.append(next(cum for name, _, cum in reversed(rows) if name == module) / 1000)
        per_package: dict[str, int] = {}
        for name, own, _ in rows:
            top = name.split(".")[0]
            per_package[top] = per_package.get(top, 0) + own
        for top, own in per_package.items():
            heavy.setdefault(top, []).append(own)
    samples = Samples(tuple(totals))
    top = sorted(((name, sum(v) / len(v) / 1000) for name, v in heavy.items()), key=lambda kv: -kv[1])
    return {"module": module, "ms": samples.as_dict(), "top_packages_ms": dict(top[:10])}


def measure(stack: str, repeat: int) -> dict[str, Any]:
    return {
        "stack": stack,
        "preview_seconds": preview_times(stack, repeat).as_dict(),
        "check_seconds": check_times(stack, repeat).as_dict(),
        "imports": [import_times(m, repeat) for m in IMPORTS],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.stack, args.repeat), indent=2))


if __name__ == "__main__":
    main()
