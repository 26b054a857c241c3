"""Render a :class:`~skyweave.cli.check.CheckResult` as text, JSON, SARIF 2.1.0, JUnit XML or
Markdown (for a pull-request comment).

SARIF is what code-scanning UIs ingest (GitHub's ``upload-sarif``); a violation has no source
line, so each result names the resource's URN as a logical location and the stack file as its
physical location. JUnit is what most CI systems render as a test report: one test case per
rule, failed when the rule has a mandatory violation; advisory findings go to ``system-out``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any
from xml.etree import ElementTree

from .check import CheckResult

__all__ = ["FORMATS", "render"]

INFORMATION_URI = "https://github.com/skyweave/skyweave/blob/main/docs/policies.md"
_SARIF_LEVEL = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}


def render_text(result: CheckResult) -> str:
    lines = [
        f"Policy pack {result.pack} on stack '{result.stack}' ({result.source}): "
        f"{result.resources} resources, {len(result.policies)} rules",
        "",
    ]
    if not result.diagnostics:
        lines.append("No violations.")
    for diag in result.diagnostics:
        lines.append(f"{diag.enforcement_level.upper():<9} {diag.policy_name}")
        if diag.urn:
            lines.append(f"          resource: {diag.urn}")
        for part in diag.detail.splitlines():
            lines.append(f"          {part}")
    mandatory = len(result.mandatory)
    advisory = len(result.diagnostics) - mandatory
    lines += [
        "",
        f"{mandatory} mandatory, {advisory} advisory violation(s) — "
        + ("FAILED (a mandatory rule is violated)" if mandatory else "passed"),
    ]
    return "\n".join(lines)


def render_json(result: CheckResult) -> str:
    doc = {
        "pack": result.pack,
        "version": result.version,
        "stack": result.stack,
        "source": result.source,
        "resources": result.resources,
        "passed": result.passed,
        "summary": {
            "mandatory": len(result.mandatory),
            "advisory": len(result.diagnostics) - len(result.mandatory),
        },
        "violations": [d.as_dict() for d in result.diagnostics],
        "seconds": {k: round(v, 3) for k, v in {"total": result.seconds, **result.timings}.items()},
        "rules": [{"name": p.name, "level": p.level, "description": p.description} for p in result.policies],
    }
    return json.dumps(doc, indent=2, sort_keys=True)


def render_sarif(result: CheckResult) -> str:
    rule_ids = {p.name: i for i, p in enumerate(result.policies)}
    rules = [
        {
            "id": p.name,
            "name": p.name,
            "shortDescription": {"text": p.description},
            "fullDescription": {"text": p.description},
            "help": {"text": p.remediation or p.description},
            "helpUri": f"{INFORMATION_URI}#{p.name}",
            "defaultConfiguration": {"level": _SARIF_LEVEL.get(p.level, "warning")},
        }
        for p in result.policies
    ]
    results: list[dict[str, Any]] = []
    for diag in result.diagnostics:
        entry: dict[str, Any] = {
            "ruleId": diag.policy_name,
            "level": _SARIF_LEVEL.get(diag.enforcement_level, "warning"),
            "message": {"text": diag.detail},
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": {"uri": result.source}},
                    "logicalLocations": [
                        {"fullyQualifiedName": diag.urn or f"stack:{result.stack}", "kind": "resource"}
                    ],
                }
            ],
            "properties": {"enforcementLevel": diag.enforcement_level, "urn": diag.urn},
        }
        if diag.policy_name in rule_ids:
            entry["ruleIndex"] = rule_ids[diag.policy_name]
        results.append(entry)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "skyweave",
                        "semanticVersion": result.version,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"skyweave-check/{result.stack}/"},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2)


def render_junit(result: CheckResult) -> str:
    by_rule: dict[str, list[Any]] = defaultdict(list)
    for diag in result.diagnostics:
        by_rule[diag.policy_name].append(diag)
    names = [p.name for p in result.policies]
    names += sorted(set(by_rule) - set(names))
    failures = sum(1 for n in names if any(d.mandatory for d in by_rule.get(n, [])))
    suites = ElementTree.Element("testsuites", name="skyweave check", tests=str(len(names)))
    suites.set("failures", str(failures))
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name=f"skyweave policy: {result.stack}",
        tests=str(len(names)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{result.seconds:.3f}",
    )
    for name in names:
        area = name.split("-")[1] if name.count("-") >= 2 else "pack"
        case = ElementTree.SubElement(suite, "testcase", classname=f"skyweave.{area}", name=name, time="0")
        found = by_rule.get(name, [])
        mandatory = [d for d in found if d.mandatory]
        if mandatory:
            failure = ElementTree.SubElement(
                case, "failure", type="mandatory", message=f"{len(mandatory)} mandatory violation(s)"
            )
            failure.text = "\n\n".join(f"{d.urn or 'stack'}\n{d.detail}" for d in mandatory)
        advisory = [d for d in found if not d.mandatory]
        if advisory:
            out = ElementTree.SubElement(case, "system-out")
            out.text = "\n\n".join(f"advisory: {d.urn or 'stack'}\n{d.detail}" for d in advisory)
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")


def render_markdown(result: CheckResult) -> str:
    """For a pull-request comment: the verdict, the mandatory violations as a table, the
    advisory ones folded away, and the rules that ran."""
    from .markdown import details, escape, table

    mandatory = result.mandatory
    advisory = [d for d in result.diagnostics if not d.mandatory]
    icon = "❌" if mandatory else "✅"
    verdict = (
        f"{len(mandatory)} mandatory violation(s): FAILED" if mandatory else "no mandatory violation: passed"
    )
    lines = [
        f"### skyweave check: stack `{escape(result.stack)}`",
        "",
        f"{icon} **{verdict}** — {len(advisory)} advisory; policy pack {escape(result.pack)}, "
        f"{len(result.policies)} rules, {result.resources} resources ({escape(result.source)})",
        "",
    ]
    header = ("level", "rule", "resource", "what")

    def rows(found: list[Any]) -> list[tuple[str, str, str, str]]:
        return [
            (
                d.enforcement_level,
                f"`{d.policy_name}`",
                f"`{d.urn.rsplit('::', 1)[-1]}`" if d.urn else "stack",
                d.detail,
            )
            for d in found
        ]

    if mandatory:
        lines += [table(header, rows(mandatory)), ""]
    if advisory:
        lines += [details(f"{len(advisory)} advisory finding(s)", table(header, rows(advisory))), ""]
    rules = table(
        ("rule", "level", "description"), ((f"`{p.name}`", p.level, p.description) for p in result.policies)
    )
    lines.append(details(f"the {len(result.policies)} rules", rules))
    return "\n".join(lines) + "\n"


FORMATS = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "markdown": render_markdown,
}


def render(result: CheckResult, fmt: str) -> str:
    return FORMATS[fmt](result)
