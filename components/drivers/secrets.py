"""Secrets skyweave generates for links: one pre-shared key per tunnel, secret end to end.

They live with the drivers because they are provider resources (``random:RandomPassword``),
and no layer above the drivers may name a provider SDK.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pulumi

from ..core.naming import child_name
from ..planning.vpn import safe_psk
from .providers import component_provider
from .sdk import lazy_sdk

random = lazy_sdk("pulumi_random")

__all__ = ["preview_outputs", "psk_of", "random_provider", "tunnel_passwords", "tunnel_psks"]


def random_provider(component: pulumi.Resource, component_name: str) -> pulumi.ProviderResource:
    """The component's ``random`` provider (see :func:`~skyweave.drivers.providers.component_provider`)."""
    return component_provider(
        component,
        component_name,
        "random:index/randomPassword:RandomPassword",
        lambda name, opts: random.Provider(name, opts=opts),
    )


def tunnel_psks(
    component: str, a: str, b: str, parent: pulumi.Resource, count: int, provider: pulumi.ProviderResource
) -> list[pulumi.Output[str]]:
    """``count`` generated keys for the link ``a``/``b``: 40 characters AWS accepts, never shown.

    AWS takes 8 to 64 letters, digits, ``.`` and ``_``, not starting with ``0`` (``safe_psk``);
    GCP, Neutron and strongSwan accept the same set.
    """
    return [psk_of(p) for p in tunnel_passwords(component, a, b, parent, count, provider)]


def tunnel_passwords(
    component: str, a: str, b: str, parent: pulumi.Resource, count: int, provider: pulumi.ProviderResource
) -> tuple[Any, ...]:
    """The generated passwords :func:`tunnel_psks` makes keys of (each read as :func:`psk_of`)."""
    return tuple(
        random.RandomPassword(
            child_name(component, "psk", a, b, str(index)),
            length=40,
            special=True,
            override_special="._",
            opts=pulumi.ResourceOptions(parent=parent, provider=provider),
        )
        for index in range(count)
    )


def psk_of(password: Any) -> pulumi.Output[str]:
    """A generated password's ``result`` (or the same read from another unit) as a key: secret."""
    return pulumi.Output.secret(pulumi.Output.from_input(password.result).apply(safe_psk))


def preview_outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """An offline preview's stand-in ``result``: deterministic, honouring length, the character
    classes and ``overrideSpecial`` (so a key still passes AWS's rules)."""
    if type_token not in (
        "random:index/randomPassword:RandomPassword",
        "random:index/randomString:RandomString",
    ):
        return {}
    length = int(inputs.get("length", 16))
    alphabet = ""
    if inputs.get("upper", True):
        alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if inputs.get("lower", True):
        alphabet += "abcdefghijklmnopqrstuvwxyz"
    if inputs.get("numeric", True):
        alphabet += "0123456789"
    if inputs.get("special", True):
        alphabet += inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"
    alphabet = alphabet or "abcdefghijklmnopqrstuvwxyz"
    stream = b""
    counter = 0
    while len(stream) < length:
        stream += hashlib.sha256(f"{name}/{counter}".encode()).digest()
        counter += 1
    return {"result": "".join(alphabet[b % len(alphabet)] for b in stream[:length])}
