"""Run a stack's program offline and write what ``pulumi up`` would create as JSON: one object per
resource, the stack outputs and each component's outputs. Secrets were masked when recorded, so
nothing here can write one. (The tree a person reads is :mod:`skyweave.cli.preview`.)
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Protocol

from ..estate.project import Project, StackFile
from ..files import check_program
from .offline import OfflineMocks, OfflineRun, RecordingMonitor, Registration, run_program
from .urn import PROVIDER_PREFIX, STACK_TYPE

__all__ = ["Progress", "is_provider", "ordered", "preview_stack", "render_json", "summary"]


class Progress(Protocol):
    """Told of every registration while a program runs, and when it is done (the command's
    progress line on stderr: :class:`skyweave.cli.style.Progress`)."""

    def tick(self) -> None: ...

    def done(self) -> None: ...


def preview_stack(
    project: Project,
    stack: str,
    *,
    stack_file: str | None = None,
    mocks: OfflineMocks | None = None,
    monitor: RecordingMonitor | None = None,
    progress: Progress | None = None,
) -> OfflineRun:
    """Run the project's program for ``stack`` offline, with that stack file's configuration.

    ``stack_file`` names another stack whose file configures the run: a unit's stack
    (``prod.aws-use1``) has its estate's configuration (``prod``), as ``pulumi stack init
    --copy-config-from`` gives it. ``mocks`` answer the program's registrations (the offline
    ones by default; with ``stack_references``, a unit's reads of other units). ``progress`` is
    told of every registration (a 1,000-site estate takes minutes: say so on stderr instead of
    running in silence).
    """

    config: StackFile = project.read_stack(stack if stack_file is None else stack_file)
    check_program(project.main, project.label(project.root / "Pulumi.yaml"))
    if progress is not None:
        monitor = monitor or RecordingMonitor(mocks or OfflineMocks())
        monitor.on_register = progress.tick
    try:
        return run_program(
            project.main,
            project=project.name,
            stack=stack,
            config=config.engine_config(),
            secret_keys=config.secret_keys,
            mocks=mocks,
            monitor=monitor,
        )
    finally:
        if progress is not None:
            progress.done()


def _vendor(reg: Registration) -> str:
    if reg.type.startswith(PROVIDER_PREFIX):
        return reg.type[len(PROVIDER_PREFIX) :]
    return reg.package


def is_provider(reg: Registration) -> bool:
    return reg.type.startswith(PROVIDER_PREFIX)


def summary(run: OfflineRun) -> dict[str, Any]:
    """Counts of what would be created: in total, per vendor and per type.

    ``total`` counts the root ``pulumi:pulumi:Stack`` too, as ``pulumi up`` does (and as the
    policy pack, which is sent every resource, does); ``stack`` says whether there is one.
    """
    managed = [r for r in run.resources if r.type != STACK_TYPE]
    cloud = [r for r in managed if r.custom and not is_provider(r)]
    return {
        "total": len(run.resources),
        "stack": len(run.resources) - len(managed),
        "resources": len(cloud),
        "providers": sum(1 for r in managed if is_provider(r)),
        "components": sum(1 for r in managed if not r.custom),
        "by_vendor": dict(sorted(Counter(_vendor(r) for r in cloud).items())),
        "by_type": dict(sorted(Counter(r.type for r in managed).items())),
    }


def ordered(run: OfflineRun) -> list[Registration]:
    """Registrations in a stable order (the runtime registers concurrently): the stack first,
    then by URN."""
    return sorted(run.resources, key=lambda r: (r.type != STACK_TYPE, r.urn))


def render_json(run: OfflineRun) -> str:
    """The preview as JSON. ``component_outputs`` (what each component registered, secrets masked
    as everywhere) lets ``skyweave check --from-json`` judge exactly what ``check --stack`` does
    (rules read on-prem ranges and placements from them), and ``graph``, ``simulate`` and
    ``inventory --from-json`` read an estate built in code from them."""
    doc = {
        "component_outputs": run.component_outputs,
        "project": run.project,
        "stack": run.stack,
        "mode": "offline preview (Pulumi mock runtime; no cloud calls)",
        "resources": [r.as_dict() for r in ordered(run)],
        "outputs": run.outputs,
        "summary": summary(run),
        "warnings": run.warnings,
    }
    return json.dumps(doc, indent=2, sort_keys=True)
