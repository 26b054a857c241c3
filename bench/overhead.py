"""Component overhead: an estate built with skyweave vs the same resources written by hand.

Three programs, each run in its own fresh interpreter under the same mock runtime
(:func:`skyweave.engine.offline.run_program`), with the collector tuned (skyweave's default) and with
Python's default thresholds — six variants, interleaved round by round so drift on the shared
machine hits every variant alike:

* ``skyweave``: the repository's program (``stacks/__main__.py``) on a stack file: config
  validation, planning, components, drivers.
* ``raw``: bench/handwritten.py's program: the same registrations as raw SDK calls, with plain
  ``ComponentResource`` parents so every URN is identical.
* ``flat``: the same raw SDK calls without any component (every resource under the stack).

Only the second of two ``run_program`` calls in each process is timed: the first loads every
module the program touches and fills first-use caches, so the figure is the steady cost of the
program itself; cold start with imports is bench/coldstart.py's figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from .measure import ROOT, Samples, child

__all__ = ["KINDS", "measure", "prepare"]

KINDS = ("skyweave", "raw", "flat")
GC_MODES = ("tuned", "default")


def prepare(project_dir: Path, stack: str, out: Path) -> dict[str, Any]:
    """Record a skyweave run of ``stack`` and write the raw and flat programs under ``out``."""
    from skyweave.engine.offline import OfflineMocks, RecordingMonitor
    from skyweave.engine.preview import preview_stack
    from skyweave.estate.project import Project

    from .handwritten import write_program

    monitor = RecordingMonitor(OfflineMocks())
    run = preview_stack(Project.find(project_dir), stack, monitor=monitor)
    ids = {urn: registration.id for urn, registration in monitor.resources.items()}
    write_program(run, ids, out / "raw")
    write_program(run, ids, out / "flat", flat=True)
    return {"project": run.project, "resources": len(run.resources) - 1}


def _child(kind: str, gc_mode: str, project_dir: Path, stack: str, programs: Path) -> dict[str, Any]:
    from skyweave.engine.offline import run_program
    from skyweave.estate.project import Project

    project = Project.find(project_dir)
    stack_file = project.read_stack(stack)
    if kind == "skyweave":
        program, config, secrets = project.main, stack_file.engine_config(), stack_file.secret_keys
    else:
        program, config, secrets = programs / kind, {}, frozenset()

    def run() -> int:
        return len(
            run_program(
                program,
                project=project.name,
                stack=stack,
                config=config,
                secret_keys=secrets,
                tune_gc=gc_mode == "tuned",
            ).resources
        )

    # An untimed first run loads every module the program touches (the SDKs load their
    # submodules lazily) and fills first-use caches; the second run is the one measured.
    run()
    gc.collect()
    start = time.perf_counter()
    registrations = run()
    seconds = time.perf_counter() - start
    return {"kind": kind, "gc": gc_mode, "seconds": seconds, "registrations": registrations}


def measure(project_dir: Path, stack: str, repeat: int) -> dict[str, Any]:
    """``repeat`` rounds of all six variants; samples, medians and the ratios between them."""
    with tempfile.TemporaryDirectory(prefix="skyweave-bench-") as tmp:
        programs = Path(tmp)
        info = prepare(project_dir, stack, programs)
        samples: dict[str, list[float]] = {f"{k}/{g}": [] for k in KINDS for g in GC_MODES}
        registrations: dict[str, int] = {}
        for _ in range(repeat):
            for kind in KINDS:
                for gc_mode in GC_MODES:
                    result = child("overhead", kind, gc_mode, str(project_dir), stack, str(programs))
                    samples[f"{kind}/{gc_mode}"].append(result["seconds"])
                    registrations[kind] = result["registrations"]
    stats = {key: Samples(tuple(values)) for key, values in samples.items()}

    def ratio(a: str, b: str) -> dict[str, float]:
        per_round = [x / y for x, y in zip(stats[a].values, stats[b].values, strict=True)]
        return {
            "median_of_medians": stats[a].median / stats[b].median,
            "min": min(per_round),
            "max": max(per_round),
        }

    return {
        "stack": stack,
        "resources": info["resources"],
        "registrations": registrations,
        "samples": {key: s.as_dict() for key, s in stats.items()},
        "ratios": {
            "skyweave/raw (both tuned)": ratio("skyweave/tuned", "raw/tuned"),
            "skyweave/raw (both default gc)": ratio("skyweave/default", "raw/default"),
            "skyweave/flat (both tuned)": ratio("skyweave/tuned", "flat/tuned"),
            "skyweave/flat (both default gc)": ratio("skyweave/default", "flat/default"),
            "skyweave tuned / raw default gc": ratio("skyweave/tuned", "raw/default"),
            "skyweave tuned / flat default gc": ratio("skyweave/tuned", "flat/default"),
            "tuned/default (skyweave)": ratio("skyweave/tuned", "skyweave/default"),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=5, metavar=("KIND", "GC", "PROJECT", "STACK", "PROGRAMS"))
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.child:
        kind, gc_mode, project, stack, programs = args.child
        print(json.dumps(_child(kind, gc_mode, Path(project), stack, Path(programs))))
        return
    print(json.dumps(measure(ROOT, args.stack, args.repeat), indent=2))


if __name__ == "__main__":
    main()
