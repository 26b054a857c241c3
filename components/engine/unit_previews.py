"""Previewing every unit of an estate offline, each in its own process, as the graph allows.

Why processes: a unit is a Pulumi stack of its own; previewing it is running the program once for
that stack, and a whole estate of units is many such runs that share nothing but the outputs
their stack references read. Each run gets a fresh process (forked from a server that imported
skyweave and the provider SDKs once, so a unit costs its own work, not the imports), and its
memory goes back when it ends: no process holds more than one unit. Up to ``jobs`` run at once;
a unit starts when every unit it needs has finished, and reads their outputs through
``pulumi.StackReference`` exactly as the program would against deployed stacks — the values
those previews produced (a provider-computed value is the offline runtime's stand-in, as in
every offline preview), secrets kept secret (:class:`~skyweave.engine.offline.StackOutputs`).
A reference to a stack that is not among a unit's prerequisites is an error naming both.

Each unit's configuration is its estate's stack file, which ``pulumi stack init
--copy-config-from`` gives every unit stack (docs/units.md).
"""

from __future__ import annotations

import concurrent.futures as futures
import importlib.util
import multiprocessing
import os
import resource
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import SkyweaveError
from ..planning.units import UnitGraph
from .offline import OfflineMocks, StackOutputs, run_program

__all__ = [
    "UnitPreviewError",
    "UnitPreviewed",
    "default_jobs",
    "preview_unit",
    "preview_units",
    "sdk_modules",
]


@dataclass(frozen=True)
class UnitPreviewed:
    """One unit's offline preview: its plan (``skyweave preview --format json``, secrets masked),
    what its dependants' stack references read, and what the run cost its process."""

    unit: str
    plan: str
    outputs: StackOutputs
    resources: int
    cpu_seconds: float
    peak_rss_bytes: int


class UnitPreviewError(SkyweaveError):
    """A unit's preview failed: the unit, and what its run said."""

    def __init__(self, unit: str, message: str, *, bug: bool = False) -> None:
        super().__init__(f"unit {unit}: {message}")
        self.unit = unit
        #: the run failed on something other than a skyweave error (a traceback: a bug to report)
        self.bug = bug


@dataclass(frozen=True)
class _Failed:
    unit: str
    message: str
    bug: bool


def preview_unit(
    project_root: Path, estate: str, unit: str, references: Mapping[str, StackOutputs]
) -> UnitPreviewed | _Failed:
    """Run the project's program for the stack ``unit`` with ``estate``'s configuration, its
    stack references answered from ``references``. Runs in a worker: failures come back as
    values (an exception with keyword arguments does not survive pickling)."""
    from ..estate.project import Project
    from .preview import render_json

    try:
        project = Project.find(project_root)
        stack_file = project.read_stack(estate)
        run = run_program(
            project.main,
            project=project.name,
            stack=unit,
            config=stack_file.engine_config(),
            secret_keys=stack_file.secret_keys,
            mocks=OfflineMocks(stack_references=references),
        )
    except SkyweaveError as exc:
        return _Failed(unit, str(exc), bug=False)
    except Exception:
        return _Failed(unit, traceback.format_exc(limit=8), bug=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return UnitPreviewed(
        unit=unit,
        plan=render_json(run),
        outputs=run.reference_outputs,
        resources=len(run.resources),
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=usage.ru_maxrss * 1024,  # Linux: kilobytes
    )


def sdk_modules(packages: Sequence[str]) -> list[str]:
    """The provider SDK modules of ``packages`` (``azure-native`` → ``pulumi_azure_native``) that
    are installed: what the worker processes' server imports once."""
    names = [f"pulumi_{package.replace('-', '_')}" for package in packages]
    return [name for name in dict.fromkeys(names) if importlib.util.find_spec(name) is not None]


def preview_units(
    project_root: Path,
    graph: UnitGraph,
    *,
    jobs: int,
    preload: Sequence[str] = (),
    on_start: Callable[[str], None] | None = None,
) -> Iterator[UnitPreviewed]:
    """Preview every unit of ``graph``, up to ``jobs`` at once, yielding each as it finishes (a
    unit always after its prerequisites). The first failure stops the rest (units already
    running finish; none starts) and raises :class:`UnitPreviewError`."""
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["skyweave.engine.unit_previews", *preload])
    done: dict[str, UnitPreviewed] = {}
    waiting = list(graph.units)
    running: dict[futures.Future[UnitPreviewed | _Failed], str] = {}
    with futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context, max_tasks_per_child=1) as pool:
        try:
            while waiting or running:
                ready = [u for u in waiting if all(p in done for p in u.prerequisites)]
                for unit in ready[: max(0, jobs - len(running))]:
                    waiting.remove(unit)
                    references = {p: done[p].outputs for p in unit.prerequisites}
                    future = pool.submit(preview_unit, project_root, graph.estate, unit.name, references)
                    running[future] = unit.name
                    if on_start is not None:
                        on_start(unit.name)
                finished, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
                for future in finished:
                    running.pop(future)
                    result = future.result()
                    if isinstance(result, _Failed):
                        raise UnitPreviewError(result.unit, result.message, bug=result.bug)
                    done[result.unit] = result
                    yield result
        except BaseException:
            waiting.clear()
            for future in running:
                future.cancel()
            raise


def default_jobs() -> int:
    """The machine's cores (what ``-j`` defaults to)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
