"""The JSON Schema of a whole stack file (``Pulumi.<stack>.yaml``), for editors and CI.

Why not :func:`~skyweave.estate.config.config_schema` alone: an editor's YAML language server
validates the *document* it is pointed at, and a stack file is ``config:`` plus Pulumi's own
settings (``secretsprovider``, ``encryptedkey``, ``encryptionsalt``, ``environment``). A schema of
the ``config:`` block marks every stack file invalid. This one puts that block where it lives and
hoists its ``$defs`` to the root, where its ``$ref``\\ s point.
"""

from __future__ import annotations

from typing import Any

from .config import NAMESPACE, config_schema

__all__ = ["stack_file_schema"]

_SETTINGS: dict[str, Any] = {
    "secretsprovider": {
        "type": "string",
        "description": "Pulumi: the secrets provider of the stack (passphrase, awskms://…, gcpkms://…).",
    },
    "encryptedkey": {"type": "string", "description": "Pulumi: the stack's data key, encrypted."},
    "encryptionsalt": {"type": "string", "description": "Pulumi: the passphrase provider's salt."},
    "environment": {
        "description": "Pulumi ESC: environments imported into the stack's configuration.",
    },
}


def stack_file_schema(namespace: str = NAMESPACE) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a skyweave stack file as a whole document."""
    block = config_schema(namespace)
    defs = block.pop("$defs", {})
    block.pop("$schema", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "skyweave stack file (Pulumi.<stack>.yaml)",
        "description": "A Pulumi stack file whose `config:` holds a skyweave estate "
        f"(keys in the `{namespace}:` namespace; other namespaces pass through to Pulumi).",
        "type": "object",
        "properties": {**_SETTINGS, "config": block},
        "required": ["config"],
        # Pulumi may add settings; an editor should not mark a newer stack file invalid for that.
        "additionalProperties": True,
        "$defs": defs,
    }
