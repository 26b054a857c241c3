"""Deterministic stand-ins for what a provider computes, for the offline preview (no cloud).

Each driver's ``preview.py`` answers for the values skyweave's own code or a policy reads back;
every stand-in derives from the resource's name (and what kind of value it is), so every preview of
the same program is the same. The offline runtime (:mod:`skyweave.engine.offline`) uses the same
digest for the ids it makes up.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = [
    "DOCUMENTATION_NET_1",
    "DOCUMENTATION_NET_2",
    "DOCUMENTATION_NET_3",
    "certificate_authority",
    "digest",
    "documentation_address",
]

#: RFC 5737's documentation ranges (TEST-NET-1, -2 and -3): never routed, so a stand-in address
#: is never mistaken for a real one.
DOCUMENTATION_NET_1 = "192.0.2"
DOCUMENTATION_NET_2 = "198.51.100"
DOCUMENTATION_NET_3 = "203.0.113"


def digest(*parts: str) -> str:
    """A stable hex digest of ``parts`` (SHA-256 of them joined by ``/``)."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def documentation_address(net: str, *parts: str, offset: int = 0) -> str:
    """An address in the documentation /24 ``net`` (``DOCUMENTATION_NET_*``), stable per ``parts``
    (hosts .1-.254); ``offset`` hosts further on (wrapping), so ``offset`` 0, 1, … of the same
    ``parts`` are distinct addresses where separate digests may collide."""
    return f"{net}.{(int(digest(*parts)[:4], 16) + offset) % 254 + 1}"


def certificate_authority(*parts: str) -> str:
    """A cluster's CA as the vendors return it (base64 of a PEM file), stable per ``parts``; the
    stand-in's body is no certificate, so nothing can trust it."""
    body = f"offline stand-in {digest('ca', *parts)[:16]}"
    pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
    return base64.b64encode(pem.encode()).decode()
