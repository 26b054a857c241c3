"""``skyweave rules``: every rule of the pack with its level, severity, settings and defaults.

Why a command when docs/policies.md exists: a CI user writing a policy config wants the names,
levels and setting defaults of the *installed* version, in a form a script can read (``--format
json``), without opening the repository.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_parser", "render_json", "render_text", "run"]


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .exit_codes import epilog

    rules = sub.add_parser(
        "rules",
        epilog=epilog("rules"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="list every policy rule with its level, severity, settings and defaults",
        description="Every rule of skyweave's policy pack: name, default enforcement level, severity, kind, "
        "settings (type and default; every rule also takes `waivers`), how to comply, and the comparable "
        "checks of common scanners.",
    )
    rules.add_argument("--format", choices=("text", "json"), default="text")


def _setting(setting: Any) -> dict[str, Any]:
    return {
        "name": setting.name,
        "default": setting.default,
        "description": setting.description,
        "schema": setting.json_schema(),
    }


def _rule(rule: Any) -> dict[str, Any]:
    return {
        "name": rule.name,
        "area": rule.area,
        "kind": rule.kind.value,
        "level": rule.level.value,
        "severity": rule.severity.value,
        "description": rule.description,
        "remediation": rule.remediation,
        "url": rule.url,
        "types": sorted(rule.types) if rule.types else None,
        "equivalents": list(rule.equivalents),
        "settings": [_setting(s) for s in rule.all_settings],
    }


def render_json() -> str:
    from ..policy import ALL_RULES

    return json.dumps([_rule(r) for r in ALL_RULES], indent=2)


def _type(setting: Any) -> str:
    kind = str(setting.schema.get("type", "value"))
    if "enum" in setting.schema:
        return " | ".join(map(str, setting.schema["enum"]))
    if kind == "array":
        inner = setting.schema.get("items", {}).get("type", "value")
        return f"list of {inner}s" + (" (or {add, remove})" if setting.extendable else "")
    return kind


def render_text() -> str:
    from ..policy import ALL_RULES

    lines = [f"{len(ALL_RULES)} rules (every rule also takes `waivers`: see docs/policies.md)", ""]
    for rule in ALL_RULES:
        lines.append(f"{rule.name}  [{rule.level.value}, {rule.severity.value}, {rule.kind.value} rule]")
        lines.append(f"  {rule.description}")
        for setting in rule.settings:
            default = json.dumps(setting.default)
            lines.append(
                f"  setting {setting.name} ({_type(setting)}, default {default}): {setting.description}"
            )
        if rule.equivalents:
            lines.append(f"  compare: {'; '.join(rule.equivalents)}")
        lines.append(f"  docs: {rule.url}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def run(args: argparse.Namespace) -> int:
    print(render_json() if args.format == "json" else render_text(), end="")
    return 0
