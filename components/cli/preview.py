"""Show what ``pulumi up`` would create, from an offline run, as a tree a person reads (the JSON
for tools is :func:`skyweave.engine.preview.render_json`). Secrets were masked when recorded, so
nothing here can print one.
"""

from __future__ import annotations

from collections import defaultdict

import yaml

from ..core.naming import SITE_PROVIDERS, sites_by_provider
from ..engine.offline import OfflineRun, Registration
from ..engine.preview import is_provider, ordered, summary
from ..engine.urn import STACK_TYPE
from .style import Style, fit, plain_number, terminal_width

__all__ = ["render_text"]

_NBSP = "\u00a0"


def render_text(
    run: OfflineRun,
    *,
    width: int | None = None,
    show_outputs: bool = False,
    style: Style | None = None,
) -> str:
    """The preview for a person: the tree by component and site, the counts, the warnings, then
    the total.

    Every line fits ``width`` columns (default: the terminal's; long lines wrap under their
    type, nothing is cut silently); the summary comes last, where a terminal leaves the eye;
    stack outputs only with ``show_outputs`` (a hint otherwise), as YAML with plain numbers and
    unescaped text; colour only when ``style`` says so.
    """
    width = width or terminal_width()
    style = style or Style()
    by_urn = run.by_urn()
    children: dict[str | None, list[Registration]] = defaultdict(list)
    for reg in ordered(run):
        children[reg.parent].append(reg)
    out: list[str] = []

    def emit(line: str, *, marker: str = "", color: str = "", paint: str = "") -> None:
        """Fit ``line`` (plain text, so widths are right), then colour its marker or all of it."""
        for i, part in enumerate(fit(line, width)):
            part = part.replace(_NBSP, " ")
            if paint:
                part = style.paint(part, paint)
            elif i == 0 and marker and color and style.color:
                at = part.index(marker)
                part = part[:at] + style.paint(marker, color) + part[at + len(marker) :]
            out.append(part)

    emit(
        f"Previewing stack '{run.stack}' of project '{run.project}' offline "
        "(Pulumi mock runtime: no credentials, no cloud calls)"
    )
    out.append("")

    records = (out.get(SITE_PROVIDERS) for out in run.component_outputs.values())
    sites = sites_by_provider(record for record in records if isinstance(record, dict))

    def site_of(reg: Registration) -> str:
        """The site a component recorded for the resource's provider ("" for a provider of no site:
        random, command); in a program without skyweave components, the provider's name."""
        if sites:
            return sites.get(reg.provider or "", "")
        provider = by_urn.get(reg.provider or "")
        return provider.name if provider is not None else ""

    def walk(reg: Registration, depth: int, column: int) -> None:
        pad = "  " * depth
        detail = _provider_detail(reg) if is_provider(reg) else ("  [protected]" if reg.protect else "")
        # the marker stays with its type when a narrow terminal wraps the line
        emit(f"{pad}+{_NBSP}{reg.type:<{column}}  {reg.name}{detail}".rstrip(), marker="+", color="green")
        kids = children.get(reg.urn, [])
        if not kids or is_provider(reg):
            return
        groups: dict[str, list[Registration]] = defaultdict(list)
        for kid in sorted(kids, key=lambda k: (not is_provider(k), site_of(k), k.custom, k.name)):
            groups[site_of(kid)].append(kid)
        for site, members in groups.items():
            inner = depth + 1
            if site and reg.type != STACK_TYPE and not all(is_provider(m) for m in members):
                emit(f"{'  ' * inner}site {site}:")
                inner += 1
            for kid in members:
                walk(kid, inner, _column(members, inner, width))

    roots = children.get(None, [])
    for root in roots:
        walk(root, 0, _column(roots, 0, width))

    out.append("")
    if run.outputs and show_outputs:
        out.append("Outputs:")
        body = yaml.safe_dump(
            plain_number(run.outputs),
            allow_unicode=True,
            default_flow_style=False,
            sort_keys=True,
            width=max(40, width - 4),
        )
        for line in body.splitlines():
            emit(f"  {line}")
        out.append("")
    elif run.outputs:
        emit(f"Outputs: {len(run.outputs)} (shown with --show-outputs: {', '.join(sorted(run.outputs))})")
        out.append("")

    info = summary(run)
    emit("  per type:")
    for typ, count in info["by_type"].items():
        emit(f"    {count:>5}  {typ}")
    emit("  cloud resources per vendor:")
    for vendor, count in info["by_vendor"].items():
        emit(f"    {count:>5}  {vendor}")
    total = (
        f"Resources: {info['total']} to create: {info['resources']} cloud resources, "
        f"{info['providers']} providers, {info['components']} components"
        + (" and the stack" if info["stack"] else "")
    )
    if run.warnings:  # last but the total, where the eye is: never above a long table
        out.append("")
        emit("Warnings:", paint="yellow")
        for warning in run.warnings:
            emit(f"  - {warning}")
        out.append("")
    emit(total, paint="bold")
    return "\n".join(out)


def _column(members: list[Registration], depth: int, width: int) -> int:
    """The type column's width for one group of siblings: as wide as its longest type, narrowed
    so that its longest name still fits the line (a longer type then just takes its room)."""
    longest_name = max(len(m.name) + len(_provider_detail(m)) + (13 if m.protect else 0) for m in members)
    room = width - 2 * depth - 4 - longest_name
    return max(0, min(max(len(m.type) for m in members), room))


def _provider_detail(reg: Registration) -> str:
    parts = []
    for key in ("region", "project", "authUrl", "cloud"):
        value = reg.inputs.get(key)
        if value:
            parts.append(f"{key}={value}")
    return f"  ({', '.join(parts)})" if parts else ""
