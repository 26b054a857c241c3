"""The running stack's configuration: what a Pulumi program calls first (``load_stack_config()``).

Inside ``pulumi up`` (or ``skyweave preview``) the engine hands the program its stack's config;
this reads the ``skyweave:`` keys from it, names the stack file in every message, and validates and
plans them (:func:`~skyweave.estate.config.parse_stack_config`) before a resource is registered.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.errors import ConfigError, ConfigIssue
from ..drivers.bare_metal import secret_issues
from ..planning.units import Deployment
from .config import NAMESPACE, StackConfig, parse_stack_config
from .project import find_stack_file_label
from .units import find_unit

__all__ = ["load_stack_config"]


def load_stack_config(namespace: str = NAMESPACE) -> StackConfig:
    """Read the running stack's ``skyweave:`` configuration and validate it (call before any resource)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    prefix = f"{namespace}:"
    keys = {*runtime_config.CONFIG.get(), *runtime_config.get_config_env()}
    raw: dict[str, Any] = {}
    secret: set[str] = set()
    for key in sorted(keys):
        if key.startswith(prefix):
            value = runtime_config.get_config(key)
            raw[key[len(prefix) :]] = _decode(value)
            if runtime_config.is_config_secret(key):  # decrypted here: never in a message
                secret.add(key[len(prefix) :])
    source = find_stack_file_label(pulumi.get_stack())
    config = parse_stack_config(
        raw, source=source, namespace=namespace, stack=pulumi.get_stack(), secret_keys=secret
    )
    for i, pool in enumerate(config.pools):
        issues = secret_issues(pool.sources)
        if issues:
            raise ConfigError(issues, source=source).with_source(source, f"{prefix}pools[{i}]")
    if config.deployment is Deployment.UNITS:
        _refuse_units(config, pulumi.get_stack(), source=source, prefix=prefix)
    return config


def _refuse_units(config: StackConfig, stack: str, *, source: str, prefix: str) -> None:
    """Under ``deployment: units`` no program may build the whole estate: not the estate's stack
    (its units hold the resources), and, until a unit's program builds only its unit's resources
    (docs/units.md, "Design: a unit's program"), not a unit's stack either — it would build every
    unit's resources in one unit."""
    found = find_unit(config.plan, stack)
    if found is None:
        message = (
            f"the stack {stack!r} is deployed as units: run `pulumi up` on its units, not on the "
            f"estate's stack (`skyweave stacks --stack {stack}` lists them), or set "
            f"{prefix}deployment: single"
        )
    else:
        estate, unit = found
        message = (
            f"the stack {stack!r} is unit {unit.name!r} ({unit.kind}) of the estate {estate!r}, and "
            "building one unit's resources is not implemented yet (docs/units.md, \"Design: a unit's "
            f'program"); deploy the estate as one stack ({prefix}deployment: single) until it is'
        )
    raise ConfigError([ConfigIssue(f"{prefix}deployment", message, "units")], source=source)


def _decode(value: Any) -> Any:
    """Structured config reaches a program as JSON text; plain strings stay strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
