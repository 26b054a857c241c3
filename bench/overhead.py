"""Component overhead: an estate built with skyweave vs the same resources written by hand.

Three programs, each run in its own fresh interpreter under the same mock runtime
(:func:`skyweave.engine.offline.run_program`), with the collector tuned (skyweave's default) and with
Python's default thresholds — six variants, interleaved round by round so drift on the shared
machine hits every variant alike:

* ``skyweave``: the repository's program (``stacks/__main__.py``) on a stack file: config
  validation, planning, components, drivers.
* ``raw``: bench/handwritten.py's program: the same registrations as raw SDK calls, with plain
  ``ComponentResource`` parents so every URN is identical.
* ``literal``: the ``raw`` program as it was generated before issue 31: every value but an id
  written as a literal, so it registers about half of skyweave's property dependencies (a router's
  name, a generated password, an address passed as a value instead of as the output it is) and
  awaits fewer outputs; kept to show what that did to the ratio.
* ``flat``: the same raw SDK calls without any component (every resource under the stack).

Only the second of two ``run_program`` calls in each process is timed: the first loads every
module the program touches and fills first-use caches, so the figure is the steady cost of the
program itself; cold start with imports is bench/coldstart.py's figure.

Each timed run is measured twice: wall clock and the process's CPU time (user + system,
``time.process_time``). The machine's cores are shared, so the ratios are taken on CPU time, which
waiting for a core does not inflate; the load average before and after the run is recorded with
the samples.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .measure import ROOT, Samples, child

if TYPE_CHECKING:
    from skyweave.engine.offline import OfflineRun, RecordingMonitor

__all__ = ["KINDS", "measure", "prepare", "write_programs"]

KINDS = ("skyweave", "raw", "literal", "flat")
GC_MODES = ("tuned", "default")


def prepare(project_dir: Path, stack: str, out: Path) -> dict[str, Any]:
    """Record a skyweave run of ``stack`` and write the raw and flat programs under ``out``."""
    from skyweave.engine.offline import OfflineMocks, RecordingMonitor
    from skyweave.engine.preview import preview_stack
    from skyweave.estate.project import Project

    monitor = RecordingMonitor(OfflineMocks())
    run = preview_stack(Project.find(project_dir), stack, monitor=monitor)
    return write_programs(run, monitor, out)


def write_programs(run: OfflineRun, monitor: RecordingMonitor, out: Path) -> dict[str, Any]:
    """The raw, literal and flat twins of a recorded run, written under ``out``."""
    from .handwritten import write_program

    ids = {urn: registration.id for urn, registration in monitor.resources.items()}
    states = {urn: registration.state for urn, registration in monitor.resources.items()}
    write_program(run, ids, out / "raw", states=states)
    write_program(run, ids, out / "literal", property_dependencies=False)
    write_program(run, ids, out / "flat", flat=True, states=states)
    return {"project": run.project, "resources": len(run.resources) - 1}


def _runner(kind: str, gc_mode: str, project_dir: Path, stack: str, programs: Path) -> Callable[[], int]:
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

    return run


def _timed(run: Callable[[], int]) -> tuple[float, float, int]:
    gc.collect()
    start, cpu_start = time.perf_counter(), time.process_time()
    registrations = run()
    return time.perf_counter() - start, time.process_time() - cpu_start, registrations


def _child(kind: str, gc_mode: str, project_dir: Path, stack: str, programs: Path) -> dict[str, Any]:
    run = _runner(kind, gc_mode, project_dir, stack, programs)
    # An untimed first run loads every module the program touches (the SDKs load their
    # submodules lazily) and fills first-use caches; the second run is the one measured.
    run()
    seconds, cpu, registrations = _timed(run)
    return {"kind": kind, "gc": gc_mode, "seconds": seconds, "cpu": cpu, "registrations": registrations}


def _rounds(
    repeat: int, gc_modes: list[str], project_dir: Path, stack: str, programs: Path
) -> dict[str, Any]:
    """Every variant in this one process, interleaved run by run (``--same-process``).

    Why: on cores other sessions share, a fresh process per sample puts half a minute between
    two variants' samples, and the load changes in between; here consecutive samples of
    different variants are seconds apart. Each variant runs once untimed first (modules,
    first-use caches), and the collector is emptied before every timed run.
    """
    runs = {f"{k}/{g}": _runner(k, g, project_dir, stack, programs) for k in KINDS for g in gc_modes}
    for run in runs.values():
        run()
    samples: dict[str, list[tuple[float, float, int]]] = {key: [] for key in runs}
    for _ in range(repeat):
        for key, run in runs.items():
            samples[key].append(_timed(run))
    return {"samples": samples}


def measure(
    project_dir: Path,
    stack: str,
    repeat: int,
    gc_modes: tuple[str, ...] = GC_MODES,
    same_process: bool = False,
) -> dict[str, Any]:
    """``repeat`` rounds of every variant; samples, medians and the ratios between them.

    The ratios are of CPU time (see the module's docstring); the wall-clock samples are kept.
    ``same_process``: every variant in one process, interleaved run by run (:func:`_rounds`).
    """
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="skyweave-bench-") as tmp:
        programs = Path(tmp)
        info = prepare(project_dir, stack, programs)
        keys = [f"{k}/{g}" for k in KINDS for g in gc_modes]
        samples: dict[str, list[float]] = {key: [] for key in keys}
        cpu_samples: dict[str, list[float]] = {key: [] for key in keys}
        registrations: dict[str, int] = {}
        if same_process:
            rounds = child(
                "overhead", f"rounds:{repeat}", ",".join(gc_modes), str(project_dir), stack, str(programs)
            )
            for key, rows in rounds["samples"].items():
                for seconds, cpu, count in rows:
                    samples[key].append(seconds)
                    cpu_samples[key].append(cpu)
                    registrations[key.split("/")[0]] = count
        for _ in range(0 if same_process else repeat):
            for kind in KINDS:
                for gc_mode in gc_modes:
                    result = child("overhead", kind, gc_mode, str(project_dir), stack, str(programs))
                    samples[f"{kind}/{gc_mode}"].append(result["seconds"])
                    cpu_samples[f"{kind}/{gc_mode}"].append(result["cpu"])
                    registrations[kind] = result["registrations"]
    if not registrations["skyweave"] == registrations["raw"] == registrations["literal"]:
        raise RuntimeError(f"the two programs registered different counts: {registrations}")
    stats = {key: Samples(tuple(values)) for key, values in cpu_samples.items()}

    def ratio(a: str, b: str) -> dict[str, float]:
        per_round = [x / y for x, y in zip(stats[a].values, stats[b].values, strict=True)]
        return {
            "median_of_medians": stats[a].median / stats[b].median,
            # the fastest samples: what load can only have added to (timeit's reading)
            "min_of_mins": stats[a].low / stats[b].low,
            "min": min(per_round),
            "max": max(per_round),
        }

    pairs = {
        "skyweave/raw (both tuned)": ("skyweave/tuned", "raw/tuned"),
        "skyweave/raw (both default gc)": ("skyweave/default", "raw/default"),
        "skyweave/literal (both tuned)": ("skyweave/tuned", "literal/tuned"),
        "skyweave/literal (both default gc)": ("skyweave/default", "literal/default"),
        "skyweave/flat (both tuned)": ("skyweave/tuned", "flat/tuned"),
        "skyweave/flat (both default gc)": ("skyweave/default", "flat/default"),
        "skyweave tuned / raw default gc": ("skyweave/tuned", "raw/default"),
        "skyweave tuned / flat default gc": ("skyweave/tuned", "flat/default"),
        "tuned/default (skyweave)": ("skyweave/tuned", "skyweave/default"),
    }
    return {
        "stack": stack,
        "resources": info["resources"],
        "same_process": same_process,
        "registrations": registrations,
        "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
        "samples": {key: Samples(tuple(v)).as_dict() for key, v in samples.items()},
        "cpu_samples": {key: s.as_dict() for key, s in stats.items()},
        "ratios": {name: ratio(a, b) for name, (a, b) in pairs.items() if a in stats and b in stats},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=5, metavar=("KIND", "GC", "PROJECT", "STACK", "PROGRAMS"))
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--gc", choices=(*GC_MODES, "both"), default="both", help="collector settings to run (default both)"
    )
    parser.add_argument(
        "--same-process",
        action="store_true",
        help="every variant in one process, interleaved run by run (for a machine others share)",
    )
    args = parser.parse_args()
    if args.child and args.child[0].startswith("rounds:"):
        kind, modes, project, stack, programs = args.child
        result = _rounds(int(kind.split(":")[1]), modes.split(","), Path(project), stack, Path(programs))
        print(json.dumps(result))
        return
    if args.child:
        kind, gc_mode, project, stack, programs = args.child
        print(json.dumps(_child(kind, gc_mode, Path(project), stack, Path(programs))))
        return
    modes = GC_MODES if args.gc == "both" else (args.gc,)
    print(json.dumps(measure(ROOT, args.stack, args.repeat, modes, args.same_process), indent=2))


if __name__ == "__main__":
    main()
