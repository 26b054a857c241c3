"""Show what ``pulumi up`` would create, from an offline run: a tree (text) or one object per
resource (JSON). Secrets were masked when recorded, so nothing here can print one.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from .offline import OfflineRun, RecordingMonitor, Registration, run_program
from .project import Project, StackFile

__all__ = ["preview_stack", "render_json", "render_text", "summary"]

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"


def preview_stack(project: Project, stack: str, *, monitor: RecordingMonitor | None = None) -> OfflineRun:
    """Run the project's program for ``stack`` offline, with that stack file's configuration."""

    stack_file: StackFile = project.read_stack(stack)
    return run_program(
        project.main,
        project=project.name,
        stack=stack,
        config=stack_file.engine_config(),
        secret_keys=stack_file.secret_keys,
        monitor=monitor,
    )


def _vendor(reg: Registration) -> str:
    if reg.type.startswith(PROVIDER_PREFIX):
        return reg.type[len(PROVIDER_PREFIX) :]
    return reg.package


def _is_provider(reg: Registration) -> bool:
    return reg.type.startswith(PROVIDER_PREFIX)


def summary(run: OfflineRun) -> dict[str, Any]:
    """Counts of what would be created: in total, per vendor and per type."""
    managed = [r for r in run.resources if r.type != STACK_TYPE]
    cloud = [r for r in managed if r.custom and not _is_provider(r)]
    return {
        "total": len(managed),
        "resources": len(cloud),
        "providers": sum(1 for r in managed if _is_provider(r)),
        "components": sum(1 for r in managed if not r.custom),
        "by_vendor": dict(sorted(Counter(_vendor(r) for r in cloud).items())),
        "by_type": dict(sorted(Counter(r.type for r in managed).items())),
    }


def ordered(run: OfflineRun) -> list[Registration]:
    """Registrations in a stable order (the runtime registers concurrently): the stack first,
    then by URN."""
    return sorted(run.resources, key=lambda r: (r.type != STACK_TYPE, r.urn))


def render_json(run: OfflineRun) -> str:
    doc = {
        "project": run.project,
        "stack": run.stack,
        "mode": "offline preview (Pulumi mock runtime; no cloud calls)",
        "resources": [r.as_dict() for r in ordered(run)],
        "outputs": run.outputs,
        # What graph, simulate and inventory --from-json read (an estate built in code has no
        # stack-file keys to plan from): each component's registered outputs, by URN.
        "component_outputs": run.component_outputs,
        "summary": summary(run),
        "warnings": run.warnings,
    }
    return json.dumps(doc, indent=2, sort_keys=True)


def render_text(run: OfflineRun) -> str:
    by_urn = run.by_urn()
    children: dict[str | None, list[Registration]] = defaultdict(list)
    for reg in ordered(run):
        children[reg.parent].append(reg)
    width = max((len(r.type) for r in run.resources), default=40) + 2
    lines = [
        f"Previewing stack '{run.stack}' of project '{run.project}' offline "
        "(Pulumi mock runtime: no credentials, no cloud calls)",
        "",
    ]

    def site_of(reg: Registration) -> str:
        provider = by_urn.get(reg.provider or "")
        return provider.name if provider is not None else ""

    def walk(reg: Registration, depth: int) -> None:
        pad = "    " * depth
        protect = "  [protected]" if reg.protect else ""
        if _is_provider(reg):
            lines.append(f"{pad}+ {reg.type:<{width}} {reg.name}{_provider_detail(reg)}")
            return
        lines.append(f"{pad}+ {reg.type:<{width}} {reg.name}{protect}")
        kids = children.get(reg.urn, [])
        if not kids:
            return
        groups: dict[str, list[Registration]] = defaultdict(list)
        for kid in sorted(kids, key=lambda k: (not _is_provider(k), site_of(k), k.custom, k.name)):
            groups[site_of(kid)].append(kid)
        for site, members in groups.items():
            inner = depth + 1
            if site and reg.type != STACK_TYPE and not all(_is_provider(m) for m in members):
                lines.append(f"{'    ' * inner}site {site}:")
                inner += 1
            for kid in members:
                walk(kid, inner)

    for root in children.get(None, []):
        walk(root, 0)

    info = summary(run)
    lines += [
        "",
        f"Resources: {info['total']} to create: {info['resources']} cloud resources, "
        f"{info['providers']} providers, {info['components']} components",
        "  cloud resources per vendor:",
    ]
    lines += [f"    {vendor:<12} {count:>5}" for vendor, count in info["by_vendor"].items()]
    lines.append("  per type:")
    lines += [f"    {typ:<{width}} {count:>5}" for typ, count in info["by_type"].items()]
    if run.outputs:
        lines += ["", "Outputs:"]
        for key, value in run.outputs.items():
            rendered = json.dumps(value, indent=2, sort_keys=True)
            lines.append(f"  {key}: " + rendered.replace("\n", "\n  "))
    if run.warnings:
        lines += ["", "Warnings:"] + [f"  - {w}" for w in run.warnings]
    return "\n".join(lines)


def _provider_detail(reg: Registration) -> str:
    parts = []
    for key in ("region", "project", "authUrl", "cloud"):
        value = reg.inputs.get(key)
        if value:
            parts.append(f"{key}={value}")
    return f"  ({', '.join(parts)})" if parts else ""
