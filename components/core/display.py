"""How a preview shows values it cannot know or must not show.

A preview has no cloud: addresses and ids a provider assigns at apply time are *unknown*, and
secrets are never shown. Every report (preview text and JSON, inventory, check) uses these two
words, so a reader — and a test — can tell "not known yet" and "hidden" from a real value. Each
marker is written here only (tests/test_markers.py).
"""

__all__ = ["ENGINE_UNKNOWN", "SECRET", "UNKNOWN"]

SECRET = "[secret]"
UNKNOWN = "[unknown]"
#: How the engine itself writes a value not known until the update runs
#: (``computedValuePlaceholder``, pkg/resource/stack/deployment.go; ``pulumi.runtime.rpc.UNKNOWN``):
#: in ``pulumi preview --json``, plan files and on the Analyzer wire.
ENGINE_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
