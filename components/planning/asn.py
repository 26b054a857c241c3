"""BGP autonomous system numbers: one private ASN per site, unique across the estate.

Why derived and not counted: a counter hands out numbers in list order, so inserting a site would
renumber every later one — and a changed ASN tears down every BGP session of that site. A site's
default ASN is derived from its own name (CRC-32 into the 2-byte private range) and only moves on a
collision, which ``skyweave ipam lock`` then freezes by writing ``asn:`` into the stack file. A
pinned ``asn`` always wins. 2-byte private ASNs are used by default because every device and every
vendor here accepts them (AWS and GCP also accept 4-byte private ASNs when pinned).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from ..core.errors import PlanningError

__all__ = ["PRIVATE_ASN_RANGES", "AsnRequest", "assign_asns", "is_private_asn"]

#: Private-use ASNs (RFC 6996), the ranges AWS and GCP accept for a private BGP speaker.
PRIVATE_ASN_RANGES: tuple[tuple[int, int], ...] = ((64512, 65534), (4200000000, 4294967294))
_DEFAULT_LOW, _DEFAULT_HIGH = PRIVATE_ASN_RANGES[0]


def is_private_asn(asn: int) -> bool:
    return any(low <= asn <= high for low, high in PRIVATE_ASN_RANGES)


@dataclass(frozen=True)
class AsnRequest:
    """A site asking for an ASN: ``pin`` when the configuration gives one; ``path`` names that key."""

    site: str
    path: str
    pin: int | None = None


def assign_asns(requests: Sequence[AsnRequest]) -> dict[str, int]:
    """Every site's ASN: pins as given (validated private and unique), the rest derived by name."""
    used: dict[int, str] = {}
    out: dict[str, int] = {}
    for req in requests:
        if req.pin is None:
            continue
        if not is_private_asn(req.pin):
            raise PlanningError(
                f"site {req.site!r}: {req.pin} is not a private ASN; use 64512–65534 or "
                "4200000000–4294967294",
                path=req.path,
                value=req.pin,
            )
        if req.pin in used:
            raise PlanningError(
                f"sites {used[req.pin]!r} and {req.site!r} both use ASN {req.pin}; BGP needs a distinct "
                "ASN per site",
                path=req.path,
                value=req.pin,
            )
        used[req.pin] = req.site
        out[req.site] = req.pin
    span = _DEFAULT_HIGH - _DEFAULT_LOW + 1
    for req in sorted((r for r in requests if r.pin is None), key=lambda r: r.site):
        start = zlib.crc32(req.site.encode()) % span
        for step in range(span):
            candidate = _DEFAULT_LOW + (start + step) % span
            if candidate not in used:
                break
        else:
            raise PlanningError(
                f"no private 2-byte ASN left for site {req.site!r}; pin 4-byte ASNs "
                "(4200000000–4294967294) on some sites",
                path=req.path,
            )
        used[candidate] = req.site
        out[req.site] = candidate
    return out
