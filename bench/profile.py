"""Where an offline preview spends its time: the collector's share, and a cProfile by package.

Collector time is measured with ``gc.callbacks`` (the time between each collection's start and
stop), with Python's default thresholds and with skyweave's tuning. The profile runs the preview
once under ``cProfile`` (which slows it, so only shares are reported) and sums each function's
own time by the package that defines it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .measure import ROOT, child

__all__ = ["measure"]

_GROUPS = (
    ("skyweave", ("/components/", "/stacks/")),
    ("pulumi SDK (runtime, rpc, output)", ("/pulumi/",)),
    (
        "provider SDKs (pulumi_aws, _gcp, …)",
        ("/pulumi_aws/", "/pulumi_gcp/", "/pulumi_openstack/", "/pulumi_random/", "/pulumi_command/"),
    ),
    ("protobuf", ("/google/protobuf/",)),
    ("pydantic", ("/pydantic/", "/pydantic_core/")),
    ("asyncio", ("/asyncio/",)),
    ("grpc", ("/grpc/",)),
)


def _group(filename: str) -> str:
    for name, needles in _GROUPS:
        if any(needle in filename for needle in needles):
            return name
    if filename.startswith("~") or filename == "":
        return "builtins (C functions)"
    return "other stdlib / libraries"


def _runner(project_dir: Path, stack: str, tune_gc: bool) -> Callable[[], Any]:
    from skyweave.engine.offline import run_program
    from skyweave.estate.project import Project

    project = Project.find(project_dir)
    stack_file = project.read_stack(stack)

    def run() -> Any:
        return run_program(
            project.main,
            project=project.name,
            stack=stack,
            config=stack_file.engine_config(),
            secret_keys=stack_file.secret_keys,
            tune_gc=tune_gc,
        )

    run()  # untimed: loads the modules the program touches, as bench/overhead.py does
    return run


def _gc_child(project_dir: Path, stack: str, tune_gc: bool) -> dict[str, Any]:
    run = _runner(project_dir, stack, tune_gc)
    pauses: list[float] = []
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            pauses.append(time.perf_counter() - started[0])

    gc.collect()
    gc.callbacks.append(callback)
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    gc.callbacks.remove(callback)
    return {
        "tune_gc": tune_gc,
        "seconds": seconds,
        "gc_seconds": sum(pauses),
        "collections": len(pauses),
        "registrations": len(result.resources),
    }


def _profile_child(project_dir: Path, stack: str) -> dict[str, Any]:
    run = _runner(project_dir, stack, True)
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in raw.values())
    groups: dict[str, float] = {}
    functions = []
    for (filename, line, name), (_, calls, own, cumulative, _) in raw.items():
        group = _group(filename)
        groups[group] = groups.get(group, 0.0) + own
        short = filename.split("site-packages/")[-1].split("/wt8b/")[-1].split("/lib/python3")[-1]
        functions.append((own, f"{short}:{line}({name})", calls, cumulative))
    functions.sort(reverse=True)
    return {
        "total_own_seconds": total,
        "groups": {k: v / total for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
        "top_functions": [
            {"function": f, "own_share": own / total, "calls": calls} for own, f, calls, _ in functions[:12]
        ],
    }


def measure(stack: str = "prod", project_dir: Path = ROOT) -> dict[str, Any]:
    return {
        "stack": stack,
        "gc": [child("profile", "gc", str(project_dir), stack, mode) for mode in ("default", "tuned")],
        "profile": child("profile", "profile", str(project_dir), stack, "tuned"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=4, metavar=("WHAT", "PROJECT", "STACK", "GC"))
    parser.add_argument("--stack", default="prod")
    args = parser.parse_args()
    if args.child:
        what, project, stack, mode = args.child
        if what == "gc":
            print(json.dumps(_gc_child(Path(project), stack, mode == "tuned")))
        else:
            print(json.dumps(_profile_child(Path(project), stack)))
        return
    print(json.dumps(measure(args.stack), indent=2))


if __name__ == "__main__":
    main()
