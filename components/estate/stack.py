"""The running stack's configuration: what a Pulumi program calls first (``load_stack_config()``).

Inside ``pulumi up`` (or ``skyweave preview``) the engine hands the program its stack's config;
this reads the ``skyweave:`` keys from it, names the stack file in every message, and validates and
plans them (:func:`~skyweave.estate.config.parse_stack_config`) before a resource is registered.
"""

from __future__ import annotations

import json
from typing import Any

from ..core.errors import ConfigError, ConfigIssue, PlanningError
from ..drivers.bare_metal import secret_issues
from ..drivers.scope import UnitScope, set_scope
from ..planning.units import Deployment
from .config import NAMESPACE, StackConfig, parse_stack_config
from .project import find_stack_file_label
from .units import find_unit, unit_scope

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
    set_scope(None)
    if config.deployment is Deployment.UNITS:
        set_scope(_unit_scope(config, pulumi.get_stack(), source=source, prefix=prefix))
    return config


def _unit_scope(config: StackConfig, stack: str, *, source: str, prefix: str) -> UnitScope:
    """Under ``deployment: units`` a program builds one unit's resources (docs/units.md): the
    estate's own stack is refused (its units hold the resources), and so is a unit of an estate
    holding what a unit's program does not build yet, naming it."""
    found = find_unit(config.plan, stack)
    if found is None:
        message = (
            f"the stack {stack!r} is deployed as units: run `pulumi up` on its units, not on the "
            f"estate's stack (`skyweave stacks --stack {stack}` lists them), or set "
            f"{prefix}deployment: single"
        )
        raise ConfigError([ConfigIssue(f"{prefix}deployment", message, "units")], source=source)
    estate, unit = found
    try:
        return unit_scope(config.plan, estate, unit, organization=config.organization)
    except PlanningError as exc:
        raise ConfigError(exc.as_issues(prefix), source=source) from None


def _decode(value: Any) -> Any:
    """Structured config reaches a program as JSON text; plain strings stay strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
