"""Render a :class:`~skyweave.engine.check.CheckResult` as text, JSON, SARIF 2.1.0, JUnit XML or
Markdown (for a pull-request comment).

Every format carries, for each finding, its rule's severity, how to comply (remediation) and a
link to the rule's documentation, and says whether a waiver or the baseline holds it — so a
failed CI run tells the reader what to change without opening the repository.

SARIF is what code-scanning UIs ingest (GitHub's ``upload-sarif``); a violation has no source
line, so each result names the resource's URN as a logical location and the stack file as its
physical location; a waived or baselined finding carries a SARIF ``suppression`` (GitHub then
shows it as dismissed) and, with a baseline, ``baselineState``. JUnit is what most CI systems
render as a test report: one test case per rule, failed when the rule has a mandatory
violation; advisory findings go to ``system-out``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any
from xml.etree import ElementTree

from ..core.escape import terminal, xml_text
from ..engine.check import CheckResult, PolicyInfo
from ..policy.rule import DOCS_URL
from .style import Style, fit, terminal_width

__all__ = ["CONFIG_RULE", "FORMATS", "render", "render_sarif_error"]

INFORMATION_URI = DOCS_URL
_SARIF_LEVEL = {"mandatory": "error", "remediate": "error", "advisory": "warning", "disabled": "none"}
#: GitHub code scanning reads a rule's ``security-severity`` (0-10) to rank alerts.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _info(result: CheckResult) -> dict[str, PolicyInfo]:
    return {p.name: p for p in result.policies}


def _docs(policy: PolicyInfo | None, name: str) -> str:
    return (policy.url if policy is not None and policy.url else "") or (
        f"{DOCS_URL}#{name}" if name.startswith("skyweave-") else ""
    )


#: The order of severities in the text report, gravest first (a finding without one last).
SEVERITY_ORDER = ("critical", "high", "medium", "low", "")
_SEVERITY_COLOUR = {"critical": "bold_red", "high": "red", "medium": "yellow", "low": "blue"}
_LEVEL_COLOUR = {"mandatory": "bold_red", "remediate": "bold_red", "advisory": "yellow"}


def text_order(diag: Any) -> tuple[bool, int, str, str, str]:
    """The text report's order: mandatory findings first, then by severity (gravest first), rule
    and resource. JSON, SARIF, JUnit and Markdown keep the check's order (mandatory first, then
    by rule and resource), which does not move when a rule's severity changes."""
    rank = SEVERITY_ORDER.index(diag.severity) if diag.severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
    return (not diag.mandatory, rank, diag.policy_name, diag.urn, diag.message)


def render_text(result: CheckResult, *, width: int | None = None, style: Style | None = None) -> str:
    """The check for a terminal: every line fits ``width`` columns (default: the terminal's),
    wrapped at spaces (a URN breaks after a ``/`` or ``:``; a docs link is never broken, on a
    line of its own when it is too long); findings by :func:`text_order`, their
    level and severity in colour when ``style`` says so; the verdict last."""
    width = width or terminal_width()
    style = style or Style()
    info = _info(result)
    lines: list[str] = []

    def emit(line: str, *, hang: int = 4) -> None:
        lines.extend(fit(terminal(line, newlines=True), width, hang=hang))

    emit(
        f"Policy pack {result.pack} on stack '{result.stack}' ({result.source}): "
        f"{result.resources} resources, {len(result.policies)} rules"
    )
    for note in result.notes:
        emit(f"  {note}")
    lines.append("")
    if not result.diagnostics:
        lines.append("No violations.")
    for diag in sorted(result.diagnostics, key=text_order):
        level = diag.enforcement_level.upper()
        tags = [t for t in (diag.severity, diag.status) if t]
        first = fit(
            terminal(f"{level:<9} {diag.policy_name}" + (f" [{', '.join(tags)}]" if tags else "")), width
        )
        if style.color:  # painted after fitting, so escape codes never count as width
            first[0] = first[0].replace(
                level, style.paint(level, _LEVEL_COLOUR.get(diag.enforcement_level, "")), 1
            )
            if diag.severity in _SEVERITY_COLOUR:
                at = first[0].rfind(f"[{diag.severity}")
                if at >= 0:
                    start = at + 1
                    end = start + len(diag.severity)
                    painted = style.paint(diag.severity, _SEVERITY_COLOUR[diag.severity])
                    first[0] = first[0][:start] + painted + first[0][end:]
        lines.extend(first)
        if diag.urn:
            emit(f"          resource: {diag.urn}", hang=2)
        for part in diag.detail.splitlines():
            emit(f"          {part}", hang=2)
    violated = sorted({d.policy_name for d in result.diagnostics})
    if violated:
        lines += ["", "How to comply:"]
        for name in violated:
            policy = info.get(name)
            remediation = policy.remediation if policy is not None else ""
            emit(f"  {name}: {remediation or '(see the docs)'}")
            docs = _docs(policy, name)
            if docs:  # a link stays whole (one click): on its own line when it does not fit
                line = terminal(f"    docs: {docs}")
                lines += [line] if len(line) <= width else ["    docs:", "      " + terminal(docs)]
    mandatory = len(result.mandatory)
    advisory = len(result.diagnostics) - mandatory
    held = [d for d in result.diagnostics if d.status]
    counts = f"{mandatory} mandatory, {advisory} advisory violation(s)"
    if held:
        waived = sum(d.waived for d in held)
        counts += f" ({waived} waived, {len(held) - waived} in the baseline)"
    lines.append("")
    verdict = "FAILED (a mandatory rule is violated)" if mandatory else "passed"
    for part in fit(counts + " — " + verdict, width):
        lines.append(style.paint(part, "bold_red" if mandatory else "green"))
    # what a plan or a pack said is shown, never sent: each line passed through terminal() above
    return "\n".join(lines)


def _violation(diag: Any, info: dict[str, PolicyInfo]) -> dict[str, Any]:
    policy = info.get(diag.policy_name)
    return {
        **diag.as_dict(),
        "remediation": policy.remediation if policy is not None else "",
        "docs": _docs(policy, diag.policy_name),
    }


def render_json(result: CheckResult) -> str:
    info = _info(result)
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
            "waived": sum(d.waived for d in result.diagnostics),
            "baseline": sum(d.baselined for d in result.diagnostics),
        },
        "violations": [_violation(d, info) for d in result.diagnostics],
        "seconds": {k: round(v, 3) for k, v in {"total": result.seconds, **result.timings}.items()},
        "notes": list(result.notes),
        "rules": [
            {
                "name": p.name,
                "level": p.level,
                "severity": p.severity,
                "description": p.description,
                "remediation": p.remediation,
                "docs": _docs(p, p.name),
            }
            for p in result.policies
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True)


def render_sarif(result: CheckResult) -> str:
    rule_ids = {p.name: i for i, p in enumerate(result.policies)}
    rules = []
    for p in result.policies:
        rule: dict[str, Any] = {
            "id": p.name,
            "name": p.name,
            "shortDescription": {"text": p.description},
            "fullDescription": {"text": p.description},
            "help": {"text": p.remediation or p.description},
            "defaultConfiguration": {"level": _SARIF_LEVEL.get(p.level, "warning")},
        }
        docs = _docs(p, p.name)
        if docs:
            rule["helpUri"] = docs
        if p.severity:
            rule["properties"] = {
                "security-severity": _SECURITY_SEVERITY[p.severity],
                "tags": ["security", p.severity],
            }
        rules.append(rule)
    baselined = any(d.baselined for d in result.diagnostics)
    results: list[dict[str, Any]] = []
    for diag in result.diagnostics:
        entry: dict[str, Any] = {
            "ruleId": diag.policy_name,
            "level": _SARIF_LEVEL.get(diag.enforcement_level, "warning"),
            "message": {"text": diag.detail},
            "locations": [
                {
                    # A finding has no line of its own: the file it was checked from, at its top.
                    "physicalLocation": {
                        "artifactLocation": {"uri": result.source_uri or result.source},
                        "region": {"startLine": 1},
                    },
                    "logicalLocations": [
                        {"fullyQualifiedName": diag.urn or f"stack:{result.stack}", "kind": "resource"}
                    ],
                }
            ],
            "properties": {
                "enforcementLevel": diag.enforcement_level,
                "urn": diag.urn,
                "severity": diag.severity,
                "status": diag.status,
            },
        }
        if diag.policy_name in rule_ids:
            entry["ruleIndex"] = rule_ids[diag.policy_name]
        if diag.status:
            why = diag.detail.split("] ", 1)[0].removeprefix("[") if diag.waived else "in the baseline"
            entry["suppressions"] = [{"kind": "external", "justification": why}]
        if baselined:
            entry["baselineState"] = "unchanged" if diag.baselined else "new"
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


def render_sarif_error(message: str, *, uri: str, version: str) -> str:
    """A SARIF report of a check that could not run (its input is wrong): the error as one result
    and as the invocation's notification, so a CI step that uploads the report on failure
    (`if: always()`) finds a file and shows why."""
    location = {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}}}
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "skyweave",
                        "semanticVersion": version,
                        "informationUri": INFORMATION_URI,
                        "rules": [
                            {
                                "id": CONFIG_RULE,
                                "name": CONFIG_RULE,
                                "shortDescription": {"text": "the check's input is wrong"},
                                "defaultConfiguration": {"level": "error"},
                            }
                        ],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
                    }
                ],
                "results": [
                    {
                        "ruleId": CONFIG_RULE,
                        "ruleIndex": 0,
                        "level": "error",
                        "message": {"text": message},
                        "locations": [location],
                    }
                ],
            }
        ],
    }
    return json.dumps(doc, indent=2)


#: The SARIF rule of a check that could not run because its input is wrong.
CONFIG_RULE = "skyweave-configuration"


def render_junit(result: CheckResult) -> str:
    info = _info(result)
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
        policy = info.get(name)
        severity = policy.severity if policy is not None and policy.severity else ""
        fix = []
        if policy is not None and policy.remediation:
            fix.append(f"How to comply: {policy.remediation}")
        docs = _docs(policy, name)
        if docs:
            fix.append(f"Docs: {docs}")
        if mandatory:
            failure = ElementTree.SubElement(
                case,
                "failure",
                type="mandatory",
                message=f"{len(mandatory)} mandatory violation(s)"
                + (f", severity {severity}" if severity else ""),
            )
            failure.text = "\n\n".join([*(f"{d.urn or 'stack'}\n{d.detail}" for d in mandatory), *fix])
        advisory = [d for d in found if not d.mandatory]
        if advisory:
            out = ElementTree.SubElement(case, "system-out")
            out.text = "\n\n".join(
                [
                    *(f"{d.status or 'advisory'}: {d.urn or 'stack'}\n{d.detail}" for d in advisory),
                    *([] if mandatory else fix),
                ]
            )
    for element in suites.iter():  # what XML 1.0 cannot hold, from a plan or a pack, as escapes
        element.text = xml_text(element.text) if element.text else element.text
        for name, value in element.attrib.items():
            element.set(name, xml_text(value))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")


def render_markdown(result: CheckResult) -> str:
    """For a pull-request comment: the verdict, the mandatory violations as a table, the
    advisory ones folded away, and the rules that ran."""
    from .markdown import code, details, escape, table

    mandatory = result.mandatory
    advisory = [d for d in result.diagnostics if not d.mandatory]
    icon = "❌" if mandatory else "✅"
    verdict = (
        f"{len(mandatory)} mandatory violation(s): FAILED" if mandatory else "no mandatory violation: passed"
    )
    lines = [
        f"### skyweave check: stack {code(result.stack)}",
        "",
        f"{icon} **{verdict}** — {len(advisory)} advisory; policy pack {escape(result.pack)}, "
        f"{len(result.policies)} rules, {result.resources} resources ({escape(result.source)})",
        "",
    ]
    header = ("level", "severity", "rule", "resource", "what")
    info = _info(result)

    def rule(name: str) -> str:
        """A rule the pack declared, linked to its docs (a name only a finding carries: not)."""
        docs = _docs(info[name], name) if name in info else ""
        return f"[{code(name)}]({docs})" if docs and _PLAIN_URL.fullmatch(docs) else code(name)

    def rows(found: list[Any]) -> list[tuple[str, str, str, str, str]]:
        return [
            (
                d.enforcement_level + (f" ({d.status})" if d.status else ""),
                escape(d.severity),
                rule(d.policy_name),
                code(d.urn.rsplit("::", 1)[-1]) if d.urn else "stack",
                escape(d.detail, lines=True),
            )
            for d in found
        ]

    if mandatory:
        lines += [table(header, rows(mandatory)), ""]
    if advisory:
        lines += [details(f"{len(advisory)} advisory finding(s)", table(header, rows(advisory))), ""]
    violated = sorted({d.policy_name for d in result.diagnostics})
    if violated:
        fixes = table(
            ("rule", "how to comply"),
            ((code(name), escape(info[name].remediation) if name in info else "") for name in violated),
        )
        lines += [details("how to comply", fixes), ""]
    rules = table(
        ("rule", "level", "severity", "description"),
        ((code(p.name), escape(p.level), escape(p.severity), escape(p.description)) for p in result.policies),
    )
    lines.append(details(f"the {len(result.policies)} rules", rules))
    return "\n".join(lines) + "\n"


#: A documentation link shown as a link: https, and nothing Markdown would read as markup
#: (no parentheses, brackets, angle brackets, quotes or spaces).
_PLAIN_URL = re.compile(r"https://[A-Za-z0-9._~:/?#@!$&*+,;=%-]+")


FORMATS = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "markdown": render_markdown,
}


def render(result: CheckResult, fmt: str, *, style: Style | None = None) -> str:
    """``result`` in ``fmt``; ``style`` colours the text format."""
    if fmt == "text":
        return render_text(result, style=style)
    return FORMATS[fmt](result)
