"""Whether the stack the pack judges is the whole estate or one unit of it.

Why: an estate deployed as units (docs/units.md) is one Pulumi stack per unit, and ``pulumi
preview --policy-pack`` of one unit hands the pack that unit's resources only. A stack rule
(vendor loss, link redundancy, capacity, DNS, a bucket's copy on another vendor) judged over one
unit would pass or fail on what it cannot see — a false verdict either way. So in a unit the
stack rules do not judge: each says, as an advisory finding under its own name, that it needs
the whole estate and where that is judged (``skyweave check --from-json DIR`` over every unit's
plan). Resource rules judge each resource as ever.

How the pack knows: the engine runs a policy pack with the stack's configuration and name, as
it runs the program (``PULUMI_CONFIG``, ``PULUMI_STACK``; pulumi/pulumi#3612 made ``Config`` and
``getStack`` work in packs, #20570 tests it), and every unit stack carries its estate's
configuration (``pulumi stack init --copy-config-from``), so ``skyweave:deployment: units`` is in
it. Under ``units`` no stack holds the whole estate (the estate's own stack never deploys), so
every stack the pack sees there is a unit. ``skyweave check --from-json DIR`` judges the units'
plans merged, with no stack configuration: the whole estate.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

__all__ = ["DEPLOYMENT_KEY", "deployed_unit", "unit_note"]

#: The stack-file key saying how the estate is deployed (``single`` or ``units``).
DEPLOYMENT_KEY = "skyweave:deployment"


def deployed_unit(environ: Mapping[str, str] = os.environ) -> str | None:
    """The name of the unit this pack judges (its stack), or ``None`` for a whole estate."""
    try:
        config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
    except ValueError:
        return None  # not the engine's JSON: nothing says this is a unit
    if not isinstance(config, dict) or config.get(DEPLOYMENT_KEY) != "units":
        return None
    return environ.get("PULUMI_STACK") or "this stack"


def unit_note(unit: str) -> str:
    """What a stack rule says in a unit instead of a verdict."""
    return (
        f"not judged in {unit}: the stack is one unit of an estate deployed as units "
        "(skyweave:deployment: units), and this rule needs the whole estate; it is judged by "
        "`skyweave check --from-json DIR` over every unit's plan (docs/units.md)"
    )
