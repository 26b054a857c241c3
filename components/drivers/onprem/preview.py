"""What pulumi-command's resources compute, stood in for an offline preview (no servers to reach).

A bare-metal staging command (``mktemp -d .../skyweave-<pool>.X…``) prints the private directory
it made; the copies and the bootstrap read that path back, so the preview gives a stable one per
resource. Any other command prints nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..stand_ins import digest

__all__ = ["preview_call", "preview_outputs"]


def preview_outputs(
    type_token: str, name: str, inputs: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    if type_token != "command:remote:Command":
        return {}
    create = str(inputs.get("create") or "")
    match = re.search(r"/(skyweave-[a-z0-9-]+)\.X+", create)
    stage = digest("stage", name)[:10]
    return {"stdout": f"/tmp/{match.group(1)}.{stage}" if match else "", "stderr": ""}


def preview_call(
    token: str, args: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """pulumi-command has no data sources a program could call."""
    return None
