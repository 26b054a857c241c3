"""Policy config files for ``skyweave check``: found next to the stack, validated before the pack starts.

Why validate here when the engine validates too: ``skyweave check`` (and a pack configured by
anything but the engine) would otherwise start the pack, send it ``minVendors: "three"`` and either
crash a rule or silently fall back to a default. Checking every value against its setting's schema
first turns that into exit 1 with a message naming the file, the key, the value and what is valid.

Why a per-stack default (``Pulumi.<stack>.policy.json`` beside ``Pulumi.<stack>.yaml``): a stack's
waivers belong to the stack, and the same file is what ``pulumi preview --policy-pack policies
--policy-pack-config stacks/Pulumi.<stack>.policy.json`` takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import files
from ..core.errors import ConfigError, ConfigIssue, secret_description

__all__ = ["default_config_path", "load_policy_config", "validate_policy_config"]


def default_config_path(stack_config_dir: Path, stack: str) -> Path:
    return stack_config_dir / f"Pulumi.{stack}.policy.json"


def validate_policy_config(
    config: Mapping[str, Mapping[str, Any]], source: str, rules: Iterable[Any] | None = None
) -> None:
    """Raise :class:`ConfigError` listing every value of ``config`` its setting's schema refuses.

    Only the rules ``rules`` knows (default: skyweave's) are checked; names the pack does not
    have are reported by the pack itself when it is configured.
    """
    if rules is None:
        from ..policy import ALL_RULES

        rules = ALL_RULES
    by_name = {rule.name: rule for rule in rules}
    levels = ("advisory", "mandatory", "remediate", "disabled")
    issues: list[ConfigIssue] = []
    for name, values in config.items():
        if name == "all":
            for key, value in values.items():
                if key != "enforcementLevel":
                    issues.append(ConfigIssue(f"all.{key}", "'all' takes only enforcementLevel", value))
                elif value not in levels:
                    issues.append(
                        ConfigIssue("all.enforcementLevel", f"must be one of {', '.join(levels)}", value)
                    )
            continue
        rule = by_name.get(name)
        if rule is None:
            hidden = secret_description(name)
            if hidden is not None:  # never echoed, here or by the pack that would refuse it
                issues.append(
                    ConfigIssue(
                        "(a policy name)",
                        f"{hidden}: the keys of a policy config are policy names (or `all`); "
                        "was a key pasted where a name belongs?",
                        has_value=False,
                    )
                )
            continue
        for key, value, problem in rule.problems(values):
            issues.append(ConfigIssue(f"{name}.{key}", problem, value))
    if issues:
        raise ConfigError(issues, source=source)


def load_policy_config(path: Path) -> dict[str, dict[str, Any]]:
    """A policy config file as ``pulumi preview --policy-pack-config`` takes it.

    Each key is a policy name (or ``all``); its value is an enforcement level or an object with
    ``enforcementLevel`` and the policy's settings.

    Raises:
        ConfigError: the file is missing, not JSON, or not shaped like that.
    """
    label = str(path)
    raw = files.read_json(path, label)
    if not isinstance(raw, dict):
        raise ConfigError(
            [ConfigIssue(label, "must be a JSON object: policy name → level or settings", has_value=False)]
        )
    config: dict[str, dict[str, Any]] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            config[name] = {"enforcementLevel": value}
        elif isinstance(value, dict):
            config[name] = dict(value)
        else:
            raise ConfigError(
                [ConfigIssue(f"{label}: {name}", "must be an enforcement level or an object", value)]
            )
    return config
