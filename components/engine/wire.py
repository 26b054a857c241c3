"""Pulumi's wire format for special property values: a map holding :data:`SIG_KEY` is a secret,
a resource reference, an output value, an asset … by the signature it holds
(sdk/go/common/resource/sig/sig.go, pkg/resource/stack/deployment.go; the Python SDK's
``pulumi.runtime.rpc`` has the same values, tests/test_markers.py compares them). Written once,
here, for every engine module that reads or writes the format.
"""

from typing import Any

from ..core.display import ENGINE_UNKNOWN, SECRET, UNKNOWN

__all__ = [
    "ARCHIVE_SIG",
    "ASSET_SIG",
    "BYTE_STRING_SIG",
    "ENGINE_UNKNOWN",
    "FLOAT_SIG",
    "OUTPUT_VALUE_SIG",
    "RESOURCE_REFERENCE_SIG",
    "SECRET_SIG",
    "SIG_KEY",
    "plain",
]

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
BYTE_STRING_SIG = "803fd3297a5875dc03ca845dda5d2a98"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
FLOAT_SIG = "8ad145fe-0d11-4827-bfd7-1abcbf086f5c"


def plain(value: Any) -> Any:
    """A wire (or state) property value as plain JSON, the offline preview's way: a secret as
    ``[secret]`` (never its value), the engine's unknown as ``[unknown]``."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return SECRET
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if value == ENGINE_UNKNOWN:
        return UNKNOWN
    return value
