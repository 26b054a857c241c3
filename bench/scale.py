"""Scale: offline preview time and peak memory of generated estates of growing size.

One fresh interpreter per sample: it writes the estate (bench/estate.py: pinned, mixed vendors,
hub-and-spoke) as a project running the repository's own program, previews a small estate
untimed (so every module is loaded), notes its resident memory, then times ``preview_stack``
and reads the peak resident set size (``VmHWM``, /proc/self/status). Memory per
resource is (peak - before) / registrations. tracemalloc is not used: tracing every allocation
would slow the run several times over.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from .measure import Samples, child

__all__ = ["measure"]


def _status_mib(key: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    # Not Linux: getrusage's peak (KiB on Linux, bytes on macOS) is the best there is.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(sites: int) -> dict[str, Any]:
    from skyweave.engine.preview import preview_stack, summary
    from skyweave.estate.project import Project

    from .estate import write_project

    with tempfile.TemporaryDirectory(prefix="skyweave-warm-") as tmp:
        # A small estate with every vendor first: loads every module a preview touches, so the
        # timed run below measures the estate, not the imports (bench/coldstart.py has those).
        preview_stack(Project.find(write_project(Path(tmp), 8)), "bench")
    gc.collect()
    with tempfile.TemporaryDirectory(prefix="skyweave-scale-") as tmp:
        start = time.perf_counter()
        project = Project.find(write_project(Path(tmp), sites))
        generate = time.perf_counter() - start
        before = _status_mib("VmRSS")
        start = time.perf_counter()
        run = preview_stack(project, "bench")
        seconds = time.perf_counter() - start
    # The kernel folds per-thread RSS counters into VmHWM lazily, so a peak read right after the
    # run can trail the RSS read before it; the peak is at least every RSS we saw.
    peak = max(_status_mib("VmHWM"), _status_mib("VmRSS"), before)
    info = summary(run)
    return {
        "sites": sites,
        "seconds": seconds,
        "generate_seconds": generate,
        "registrations": len(run.resources),
        "resources": info["resources"],
        "components": info["components"],
        "providers": info["providers"],
        "rss_before_mib": before,
        "peak_rss_mib": peak,
    }


def measure(sizes: tuple[int, ...], repeat: int, large_repeat: int = 1, large: int = 300) -> dict[str, Any]:
    """Samples per size (``repeat`` for sizes below ``large``, ``large_repeat`` from it up)."""
    rows = []
    for sites in sizes:
        n = repeat if sites < large else large_repeat
        results = [child("scale", str(sites)) for _ in range(n)]
        registrations = results[0]["registrations"]
        seconds = Samples(tuple(r["seconds"] for r in results))
        peak = Samples(tuple(r["peak_rss_mib"] for r in results))
        grown = Samples(tuple(r["peak_rss_mib"] - r["rss_before_mib"] for r in results))
        rows.append(
            {
                "sites": sites,
                "registrations": registrations,
                "resources": results[0]["resources"],
                "components": results[0]["components"],
                "providers": results[0]["providers"],
                "seconds": seconds.as_dict(),
                "ms_per_registration": 1000 * seconds.median / registrations,
                "peak_rss_mib": peak.as_dict(),
                "kib_per_registration": 1024 * grown.median / registrations,
            }
        )
    return {"rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", metavar="SITES")
    parser.add_argument("--sizes", default="10,100")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(int(args.child))))
        return
    sizes = tuple(int(s) for s in args.sizes.split(","))
    print(json.dumps(measure(sizes, args.repeat), indent=2))


if __name__ == "__main__":
    main()
