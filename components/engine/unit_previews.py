"""Previewing every unit of an estate offline, each in its own process, as the graph allows.

Why processes: a unit is a Pulumi stack of its own; previewing it is running the program once for
that stack, and a whole estate of units is many such runs that share nothing but the estate's
plan and the outputs their stack references read. Each run gets a fresh process and its memory
goes back when it ends: no process holds more than one unit. Up to ``jobs`` run at once; a unit
starts when every unit it needs has finished, and reads their outputs through
``pulumi.StackReference`` exactly as the program would against deployed stacks — the values
those previews produced (a provider-computed value is the offline runtime's stand-in, as in
every offline preview), secrets kept secret (:class:`~skyweave.engine.offline.StackOutputs`).
A reference to a stack that is not among a unit's prerequisites is an error naming both.

How, so that a unit costs its own work and not the estate's (issue 31: 20,000 units of a
10,000-site estate): one *coordinator* process, forked from a server that imported skyweave and
the provider SDKs once, reads the stack file and plans the estate once
(:func:`~skyweave.estate.stack.plan_once`), then forks one process per unit. A unit's program
(``load_stack_config()``) finds the plan made from exactly its configuration and takes it
instead of planning the estate again; the modules a unit's run imported (the SDKs load theirs
lazily) are imported by the coordinator too, so later units fork with them loaded. Each unit
writes its own plan file (``--out``) and sends back only what its dependants read and its
resource count; the coordinator keeps a unit's outputs until its last dependant has started.

Each unit's configuration is its estate's stack file, which ``pulumi stack init
--copy-config-from`` gives every unit stack (docs/units.md).
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import importlib
import importlib.util
import multiprocessing
import os
import pickle
import resource
import selectors
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import SkyweaveError
from ..planning.units import UnitGraph
from .offline import OfflineMocks, StackOutputs, run_program

__all__ = [
    "CoordinatorUsage",
    "UnitPreviewError",
    "UnitPreviewed",
    "default_jobs",
    "preview_units",
    "sdk_modules",
]


@dataclass(frozen=True)
class UnitPreviewed:
    """One unit's offline preview: how many resources it registered, where its plan was written
    (``skyweave preview --format json``, secrets masked; ``None`` without ``out``), and what its
    process cost (user + system CPU and peak resident memory, as the kernel counted them for the
    process once its result was written: the exit after it, tearing the process down, is not
    waited for; the peak includes the pages the process shares with the coordinator)."""

    unit: str
    resources: int
    cpu_seconds: float
    peak_rss_bytes: int
    plan_file: Path | None


@dataclass(frozen=True)
class CoordinatorUsage:
    """What the coordinator cost: reading and planning the estate once, forking, passing
    outputs on (user + system CPU, peak resident memory), and ``plan_seconds`` of its CPU spent
    planning."""

    cpu_seconds: float
    peak_rss_bytes: int
    plan_seconds: float
    #: the most units whose outputs it held at once (finished, a dependant not yet started)
    most_outputs_held: int = 0


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


@dataclass(frozen=True)
class _Ran:
    """What a unit's process sends back: no plan (written to its file), only what the
    coordinator needs."""

    unit: str
    outputs: StackOutputs
    resources: int
    plan_file: Path | None
    modules: tuple[str, ...]
    #: the resource types it registered: a unit registering one no earlier unit did is run once
    #: more in the coordinator, to warm what the SDK works out per class (type hints) for the rest
    types: frozenset[str]


@dataclass(frozen=True)
class _Estate:
    """What every unit's run is given: the estate's program and configuration, read once."""

    program: Path
    project: str
    config: Mapping[str, str]
    secret_keys: frozenset[str]
    out: Path | None


def _run_unit(estate: _Estate, unit: str, references: Mapping[str, StackOutputs]) -> _Ran | _Failed:
    """Run the program for the stack ``unit`` (in the unit's own process). Failures come back as
    values, as everything here crosses a pipe."""
    from .. import files
    from .preview import render_json

    before = set(sys.modules)
    try:
        run = run_program(
            estate.program,
            project=estate.project,
            stack=unit,
            config=estate.config,
            secret_keys=estate.secret_keys,
            mocks=OfflineMocks(stack_references=references),
        )
        plan_file = None
        if estate.out is not None:
            plan_file = estate.out / f"{unit}.json"
            files.write_output(plan_file, str(plan_file), (render_json(run) + "\n").encode())
    except SkyweaveError as exc:
        return _Failed(unit, str(exc), bug=False)
    except Exception:
        return _Failed(unit, traceback.format_exc(limit=8), bug=True)
    return _Ran(
        unit,
        run.reference_outputs,
        len(run.resources),
        plan_file,
        _learned(before, estate.program),
        frozenset(r.type for r in run.resources),
    )


def _learned(before: set[str], program: Path) -> tuple[str, ...]:
    """Modules this run imported that the coordinator can import too: not the program's own
    (they may do anything at import; a later unit imports them again itself)."""
    found = []
    for name in sorted(set(sys.modules) - before):
        origin = getattr(sys.modules.get(name), "__file__", None)
        if origin is not None and Path(origin).resolve().is_relative_to(program.resolve()):
            continue
        found.append(name)
    return tuple(found)


def _learn(modules: Sequence[str]) -> None:
    """Import ``modules`` here, so every unit forked after has them loaded."""
    for name in modules:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception:
            continue


def _warm(estate: _Estate, unit: str, references: Mapping[str, StackOutputs]) -> None:
    """Run ``unit`` once here, its result dropped, so every unit forked after starts with what the
    run left cached: the SDK's per-class type hints (``functools.cache`` in ``pulumi._types``),
    modules imported on first use, compiled patterns. Its worker threads are gone before the next
    fork (a fork copies only the thread that forks)."""
    import dataclasses

    _run_unit(dataclasses.replace(estate, out=None), unit, references)
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(timeout=10)  # the run's executor threads, ending once their loop closed
    gc.collect()


def _rusage_cpu(usage: Any) -> float:
    return float(usage.ru_utime + usage.ru_stime)


def _fork_unit(estate: _Estate, unit: str, references: Mapping[str, StackOutputs]) -> tuple[int, int]:
    """Fork a process that previews ``unit`` and writes its result, pickled, into a pipe: (pid,
    read end)."""
    read, write = os.pipe()
    gc.freeze()  # the coordinator's objects: never scanned (nor copied) by the unit's collector
    pid = os.fork()
    if pid == 0:  # the unit's process
        code = 0
        try:
            os.close(read)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            result = _run_unit(estate, unit, references)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            sent = (result, _rusage_cpu(usage), usage.ru_maxrss * 1024)  # Linux: kilobytes
            with os.fdopen(write, "wb") as pipe:
                pipe.write(pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:
            code = 3
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _coordinate(conn: Any, project_root: Path, graph: UnitGraph, jobs: int, out: Path | None) -> None:
    """The coordinator (a process of its own): plan once, then fork the units as the graph allows,
    telling the parent over ``conn`` as each starts and ends: ``("start", unit)``, ``("done",
    UnitPreviewed)``, ``("failed", _Failed)``, last ``("end", CoordinatorUsage)``."""
    try:
        _coordinate_units(conn, project_root, graph, jobs, out)
    except SkyweaveError as exc:
        conn.send(("failed", _Failed(graph.estate, str(exc), bug=False)))
    except Exception:
        conn.send(("failed", _Failed(graph.estate, traceback.format_exc(limit=8), bug=True)))


def _coordinate_units(conn: Any, project_root: Path, graph: UnitGraph, jobs: int, out: Path | None) -> None:
    from ..estate.project import Project, find_stack_file_label
    from ..estate.stack import plan_once

    start = resource.getrusage(resource.RUSAGE_SELF)
    project = Project.find(project_root)
    stack_file = project.read_stack(graph.estate)
    estate = _Estate(
        program=project.main,
        project=project.name,
        config=stack_file.engine_config(),
        secret_keys=frozenset(stack_file.secret_keys),
        out=out,
    )
    with contextlib.suppress(SkyweaveError):  # each unit's run then plans, fails alike, says so
        plan_once(
            estate.config,
            estate.secret_keys,
            estate=graph.estate,
            source=find_stack_file_label(graph.estate),
        )
    planned = resource.getrusage(resource.RUSAGE_SELF)

    order = _priorities(graph)
    missing = {unit.name: len(set(unit.prerequisites)) for unit in graph.units}
    dependants: dict[str, list[str]] = {}
    for unit in graph.units:
        for prerequisite in set(unit.prerequisites):
            dependants.setdefault(prerequisite, []).append(unit.name)
    #: outputs of finished units, kept until their last dependant has started
    outputs: dict[str, StackOutputs] = {}
    unread = {name: len(names) for name, names in dependants.items()}
    ready = [order[name] for name, count in missing.items() if count == 0]
    heapq.heapify(ready)
    held = 0  # the most units whose outputs were kept at once
    running: dict[int, tuple[str, int, bytearray]] = {}  # read end → (unit, pid, bytes so far)
    given: dict[str, Mapping[str, StackOutputs]] = {}  # a running unit's references
    exiting: list[int] = []  # processes that sent their result and are not reaped yet
    warmed: set[str] = set()  # resource types some unit has registered in a warm-up run here
    selector = selectors.DefaultSelector()
    selector.register(conn.fileno(), selectors.EVENT_READ, None)
    failed = False
    try:
        while (ready and not failed) or running:
            while ready and not failed and len(running) < jobs:
                name = graph.units[heapq.heappop(ready)[1]].name
                unit = graph[name]
                references = {p: outputs[p] for p in unit.prerequisites}
                for prerequisite in set(unit.prerequisites):
                    unread[prerequisite] -= 1
                    if unread[prerequisite] == 0:
                        del outputs[prerequisite]
                pid, read = _fork_unit(estate, name, references)
                running[read] = (name, pid, bytearray())
                given[name] = references
                selector.register(read, selectors.EVENT_READ, read)
                conn.send(("start", name))
            for key, _ in selector.select():
                if key.data is None:  # the parent: stop
                    _stop(running)
                    return
                read = key.data
                name, pid, data = running[read]
                chunk = os.read(read, 1 << 20)
                if chunk:
                    data += chunk
                    continue
                selector.unregister(read)
                os.close(read)
                del running[read]
                read_by_it = given.pop(name)
                # The result is whole once its pipe closes; the process's exit (freeing its share
                # of the coordinator's pages, milliseconds) is not waited for, so the next unit
                # starts now. Exited processes are reaped as they end, the rest at the end.
                result, cpu, peak = _result(name, bytes(data), pid)
                exiting.append(pid)
                _reap(exiting, block=False)
                if isinstance(result, _Failed):
                    if not failed:
                        conn.send(("failed", result))
                    failed = True
                    continue
                if failed:
                    continue
                _learn(result.modules)
                if not result.types <= warmed:
                    warmed |= result.types
                    _warm(estate, name, read_by_it)
                if unread.get(name):
                    outputs[name] = result.outputs
                    held = max(held, len(outputs))
                for dependant in dependants.get(name, ()):
                    missing[dependant] -= 1
                    if missing[dependant] == 0:
                        heapq.heappush(ready, order[dependant])
                conn.send(
                    (
                        "done",
                        UnitPreviewed(
                            unit=name,
                            resources=result.resources,
                            cpu_seconds=cpu,
                            peak_rss_bytes=peak,
                            plan_file=result.plan_file,
                        ),
                    )
                )
    finally:
        selector.close()
        _reap(exiting, block=True)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    conn.send(
        (
            "end",
            CoordinatorUsage(
                cpu_seconds=_rusage_cpu(usage),
                peak_rss_bytes=usage.ru_maxrss * 1024,
                plan_seconds=_rusage_cpu(planned) - _rusage_cpu(start),
                most_outputs_held=held,
            ),
        )
    )


def _priorities(graph: UnitGraph) -> dict[str, tuple[int, int]]:
    """The order ready units start in: deepest layer first, then the graph's order. A unit's
    outputs are kept until its last dependant starts, so starting dependants as soon as they are
    ready lets them go: sites first, as the graph lists them, kept every site's outputs until the
    links began (a 10,000-site estate's coordinator grew by ~100 MB, and every unit forked from
    it with it)."""
    depth = {unit.name: -at for at, layer in enumerate(graph.layers()) for unit in layer}
    return {unit.name: (depth[unit.name], i) for i, unit in enumerate(graph.units)}


def _result(unit: str, data: bytes, pid: int) -> tuple[_Ran | _Failed, float, int]:
    """What unit ``unit``'s process sent, with the CPU and peak memory it counted; a process that
    sent nothing whole is waited for, to say how it ended."""
    try:
        result, cpu, peak = pickle.loads(data)
    except Exception:
        _, status, usage = os.wait4(pid, 0)
        if os.WIFSIGNALED(status):
            failed = _Failed(unit, f"its process was killed by signal {os.WTERMSIG(status)}", bug=True)
        else:
            failed = _Failed(unit, f"its process ended (status {status}) without a result", bug=True)
        return failed, _rusage_cpu(usage), usage.ru_maxrss * 1024
    if not isinstance(result, (_Ran, _Failed)):
        return _Failed(unit, "its process sent something other than a result", bug=True), cpu, peak
    return result, cpu, peak


def _reap(pids: list[int], *, block: bool) -> None:
    """Reap the processes of ``pids`` that have exited (all of them with ``block``), so their CPU
    reaches this process's children's count and none is left a zombie."""
    for pid in list(pids):
        try:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # reaped already (the failure path waits for its process)
            done = pid
        if done:
            pids.remove(pid)


def _stop(running: Mapping[int, tuple[str, int, bytearray]]) -> None:
    """End the units' processes this coordinator started (the parent stopped: Ctrl-C)."""
    for _, pid, _ in running.values():
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


def sdk_modules(packages: Sequence[str]) -> list[str]:
    """The provider SDK modules of ``packages`` (``azure-native`` → ``pulumi_azure_native``) that
    are installed: what the coordinator's server imports once."""
    names = [f"pulumi_{package.replace('-', '_')}" for package in packages]
    return [name for name in dict.fromkeys(names) if importlib.util.find_spec(name) is not None]


def preview_units(
    project_root: Path,
    graph: UnitGraph,
    *,
    jobs: int,
    preload: Sequence[str] = (),
    out: Path | None = None,
    on_start: Callable[[str], None] | None = None,
    on_end: Callable[[CoordinatorUsage], None] | None = None,
) -> Iterator[UnitPreviewed]:
    """Preview every unit of ``graph``, up to ``jobs`` at once, yielding each as it finishes (a
    unit always after its prerequisites); with ``out``, each unit's plan is written there as
    ``<unit>.json`` by the unit's own process. The first failure stops the rest (units already
    running finish; none starts) and raises :class:`UnitPreviewError`. ``on_end`` is told what
    the coordinator cost once every unit has finished."""
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["skyweave.engine.unit_previews", "skyweave.estate.stack", *preload])
    parent, child = context.Pipe()
    coordinator = context.Process(
        target=_coordinate, args=(child, project_root, graph, jobs, out), daemon=True
    )
    coordinator.start()
    child.close()
    finished = False
    try:
        while True:
            try:
                kind, value = parent.recv()
            except EOFError:
                raise UnitPreviewError(
                    graph.estate, "the process running the units ended unexpectedly", bug=True
                ) from None
            if kind == "start":
                if on_start is not None:
                    on_start(value)
            elif kind == "done":
                yield value
            elif kind == "failed":
                finished = True  # the coordinator lets the running units finish, and ends
                raise UnitPreviewError(value.unit, value.message, bug=value.bug)
            else:
                finished = True
                if on_end is not None:
                    on_end(value)
                return
    finally:
        if not finished:
            with contextlib.suppress(OSError):
                parent.send(("stop", None))
        coordinator.join()
        parent.close()


def default_jobs() -> int:
    """The machine's cores (what ``-j`` defaults to)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
