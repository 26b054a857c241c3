"""The policy reference in Markdown, generated from the rules so docs/policies.md cannot drift.

``python -m skyweave.policy.reference`` prints it; docs/policies.md embeds it between marker
comments and a test fails when they differ.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from .pack import ALL_RULES
from .rule import Kind, Rule

__all__ = ["BEGIN", "END", "policy_reference"]

BEGIN = "<!-- BEGIN GENERATED POLICY REFERENCE -->"
END = "<!-- END GENERATED POLICY REFERENCE -->"
_AREAS = {
    "redundancy": "Redundancy (stack rules: they see the whole estate)",
    "database": "Databases (stack rules: the members' VMs across the estate)",
    "addresses": "Addresses (stack rules)",
    "security": "Security",
    "coverage": "Coverage (a stack rule: what the pack cannot judge)",
}


def _rule(rule: Rule) -> list[str]:
    lines = [f"### `{rule.name}`", "", rule.description, ""]
    lines.append(f"* **Default level:** {rule.level.value}")
    lines.append(f"* **Severity:** {rule.severity.value}")
    lines.append(
        f"* **Kind:** {rule.kind.value} rule"
        + (" (runs on every resource)" if rule.kind is Kind.RESOURCE and rule.types is None else "")
    )
    if rule.types:
        lines.append("* **Checks:** " + ", ".join(f"`{t}`" for t in sorted(rule.types)))
    if rule.remediation:
        lines.append(f"* **To comply:** {rule.remediation}")
    lines.append(
        "* **Comparable scanner checks:** "
        + ("; ".join(rule.equivalents) if rule.equivalents else "none known")
    )
    if rule.settings:
        lines += ["", "| setting | type | default | meaning |", "|---|---|---|---|"]
        for setting in rule.settings:
            kind = str(setting.schema.get("type", ""))
            if kind == "array":
                kind = f"list of {setting.schema.get('items', {}).get('type', 'value')}"
                if setting.extendable:
                    kind += " (or `{add, remove}`)"
            if "enum" in setting.schema:
                kind = " \\| ".join(f"`{v}`" for v in setting.schema["enum"])
            default = json.dumps(setting.default)
            lines.append(f"| `{setting.name}` | {kind} | `{default}` | {setting.description} |")
    lines.append("")
    return lines


def policy_reference(rules: Iterable[Rule] = ALL_RULES) -> str:
    rules = list(rules)
    lines: list[str] = []
    for area, title in _AREAS.items():
        members = [r for r in rules if r.area == area]
        if not members:
            continue
        lines += [f"## {title}", ""]
        for rule in members:
            lines += _rule(rule)
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(policy_reference(), end="")
