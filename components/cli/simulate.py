"""``skyweave simulate``: read a stack file, fail every vendor, region and zone, print the report.

The model and its report live in :mod:`skyweave.estate.simulate`; this is the command around it.
"""

from __future__ import annotations

from ..estate.config import NAMESPACE, parse_stack_config
from ..estate.project import Project
from ..estate.simulate import render_json, render_text, simulate
from .exit_codes import EXIT_OK, EXIT_REQUIREMENT

__all__ = ["EXIT_NOT_SURVIVED", "run"]

#: Exit code when a required failure is not survived (the simulation itself ran fine).
EXIT_NOT_SURVIVED = EXIT_REQUIREMENT


def run(project: Project, stack: str, fmt: str, *, strict_dns: bool = False) -> int:
    """The CLI command: print the report; 0 when every required failure is survived, else 4."""
    stack_file = project.read_stack(stack)
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix) :]: v for k, v in stack_file.values.items() if k.startswith(prefix)}
    config = parse_stack_config(raw, source=stack_file.label, stack=stack)
    report = simulate(config, stack=stack, strict_dns=strict_dns)
    print(render_json(report) if fmt == "json" else render_text(report), end="" if fmt != "json" else "\n")
    return EXIT_OK if report.survived else EXIT_NOT_SURVIVED
