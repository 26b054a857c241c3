"""How a preview shows values it cannot know or must not show.

A preview has no cloud: addresses and ids a provider assigns at apply time are *unknown*, and
secrets are never shown. Every report (preview text and JSON, inventory, check) uses these two
words, so a reader — and a test — can tell "not known yet" and "hidden" from a real value.
"""

__all__ = ["SECRET", "UNKNOWN"]

SECRET = "[secret]"
UNKNOWN = "[unknown]"
