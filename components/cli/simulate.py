"""``skyweave simulate``: fail every vendor, region and zone of an estate, print the report.

The model and its report live in :mod:`skyweave.estate.simulate`; this is the command around it.
The estate comes from the stack file's ``skyweave:`` keys when it has them; an estate built in code
(a program that builds the components itself, no ``skyweave:sites``) is run offline and simulated
from its components' outputs; ``--from-json`` reads those outputs from a saved preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..estate.config import NAMESPACE, parse_stack_config
from ..estate.project import Project
from ..estate.simulate import (
    REPORT_HEADER,
    SimulationReport,
    estate_from_config,
    render_json,
    report_rows,
    report_verdict,
    simulate_estate,
)
from .exit_codes import EXIT_OK, EXIT_REQUIREMENT
from .style import Status, Style, fit, table, terminal_width

__all__ = ["EXIT_NOT_SURVIVED", "render_markdown", "render_text", "run"]

#: Exit code when a required failure is not survived (the simulation itself ran fine).
EXIT_NOT_SURVIVED = EXIT_REQUIREMENT


def render_markdown(report: SimulationReport) -> str:
    """For a pull-request comment: the verdict first, the failures that matter, the rest folded."""
    from .markdown import code, details, escape, table

    failed, verdict = report_verdict(report)
    icon = "❌" if failed else "✅"
    lines = [
        f"### skyweave simulate: stack {code(report.stack)}",
        "",
        f"{icon} **{escape(verdict)}**",
        "",
    ]
    rows = report_rows(report)
    bad = [r for r in rows if r[5].startswith("NOT SURVIVED") or r[4] == "partitioned"]
    if bad:
        lines += [table(REPORT_HEADER, bad), ""]
    lines += [details(f"every failure ({len(rows)} rows)", table(REPORT_HEADER, rows)), ""]
    lines += [f"> {escape(note)}" for note in report.notes]
    return "\n".join(lines).rstrip("\n") + "\n"


def _cell_colour(column: int, cell: str) -> str:
    """A result or network cell's colour: red for a required failure or a partition, yellow for a
    failure not required, green for survived."""
    if cell.startswith("NOT SURVIVED") or cell in ("partitioned", "PARTITIONED"):
        return "bold_red"
    if cell.startswith("not survived"):
        return "yellow"
    if cell.startswith("survived"):
        return "green"
    return ""


def render_text(report: SimulationReport, *, width: int | None = None, style: Style | None = None) -> str:
    """The report for a terminal: the table fits ``width`` columns (default: the terminal's),
    cells wrap at spaces; the verdict comes last, in colour when ``style`` says so."""
    width = width or terminal_width()
    style = style or Style()
    lines = [f"skyweave simulate: stack {report.stack}", ""]
    lines += table(REPORT_HEADER, report_rows(report), width, style=style, paint=_cell_colour)
    for path in report.single_paths:
        network = "connected" if path.network_connected else "PARTITIONED"
        lines += fit(
            f"single path {path.link}: {path.tunnels} tunnel(s), {path.active_paths} active; "
            f"losing it leaves the network {network}",
            width,
        )
    lines.append("")
    for note in report.notes:
        lines += fit(f"note: {note}", width)
    failed, verdict = report_verdict(report)
    lines += [style.paint(line, "bold_red" if failed else "green") for line in fit(verdict, width)]
    return "\n".join(lines) + "\n"


def _survives_config(project: Project, stack: str) -> Mapping[str, Any] | None:
    """The survives-vendor-loss rule's settings in the stack's policy config (the file ``check``
    reads by default), so simulate holds a service without a component as ``check`` does."""
    from ..engine.policy_config import default_config_path, load_policy_config
    from ..policy.redundancy import SURVIVES

    path = default_config_path(project.stack_config_dir, stack)
    if not path.is_file():
        return None
    given = load_policy_config(path).get(SURVIVES.name)
    return given if isinstance(given, Mapping) else None


def run(
    project: Project | None,
    stack: str | None,
    fmt: str,
    *,
    strict_dns: bool = False,
    from_json: Path | None = None,
    style: Style | None = None,
) -> int:
    """The CLI command: print the report; 0 when every required failure is survived, else 4."""
    if from_json is not None:
        from ..engine.preview_json import read_preview

        doc = read_preview(from_json, need_component_outputs=True)
        estate = doc.estate()
        stack = doc.stack
    else:
        assert project is not None and stack is not None
        stack_file = project.read_stack(stack)
        prefix = f"{NAMESPACE}:"
        raw = {k[len(prefix) :]: v for k, v in stack_file.values.items() if k.startswith(prefix)}
        if "sites" in raw:
            estate = estate_from_config(parse_stack_config(raw, source=stack_file.label, stack=stack))
        else:
            from ..engine.preview import preview_stack
            from ..engine.preview_json import estate_of_run

            with Status() as status:
                status.say(f"running the program of stack '{stack}' offline…")
                run_result = preview_stack(project, stack)
                estate = estate_of_run(run_result, stack_file.label, _survives_config(project, stack))
    report = simulate_estate(estate, stack=stack, strict_dns=strict_dns)
    if fmt == "json":
        print(render_json(report))
    else:
        print(render_markdown(report) if fmt == "markdown" else render_text(report, style=style), end="")
    return EXIT_OK if report.survived else EXIT_NOT_SURVIVED
