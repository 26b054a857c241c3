"""Secrets skyweave generates for links: one pre-shared key per tunnel, secret end to end.

They live with the drivers because they are provider resources (``random:RandomPassword``),
and no layer above the drivers may name a provider SDK.
"""

from __future__ import annotations

import pulumi

from ..core.naming import child_name
from ..planning.vpn import safe_psk
from .sdk import lazy_sdk

random = lazy_sdk("pulumi_random")

__all__ = ["tunnel_psks"]


def tunnel_psks(
    component: str, a: str, b: str, parent: pulumi.Resource, count: int
) -> list[pulumi.Output[str]]:
    """``count`` generated keys for the link ``a``/``b``: 40 characters AWS accepts, never shown.

    AWS takes 8 to 64 letters, digits, ``.`` and ``_``, not starting with ``0`` (``safe_psk``);
    GCP, Neutron and strongSwan accept the same set.
    """
    out = []
    for index in range(count):
        password = random.RandomPassword(
            child_name(component, "psk", a, b, str(index)),
            length=40,
            special=True,
            override_special="._",
            opts=pulumi.ResourceOptions(parent=parent),
        )
        out.append(pulumi.Output.secret(password.result.apply(safe_psk)))
    return out
