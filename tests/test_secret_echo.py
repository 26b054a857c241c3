"""A validation message never echoes key material: a private key pasted where a key *name*
belongs, an encrypted value, or a long encoded string is shown by its kind and length only."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import stack_raw
from skyweave.core.errors import ConfigError, ConfigIssue
from skyweave.estate.config import parse_stack_config

PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDkY2hvLXRoaXMtd291bGQtYmUtYmFkAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)


def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse_stack_config(raw, source="Pulumi.prod.yaml")
    return str(info.value)


def test_a_private_key_pasted_as_the_key_name_is_not_echoed() -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    byon = next(s for s in raw["pools"][0]["sources"] if s["kind"] == "byon")
    byon["ssh_private_key_config"] = PEM
    text = _error(raw)
    assert "ssh_private_key_config" in text
    assert "BEGIN OPENSSH" not in text and "b3BlbnNzaC1rZXkt" not in text
    assert f"a PEM block ({len(PEM)} characters), not shown" in text


def test_an_encrypted_value_in_the_wrong_place_is_not_echoed() -> None:
    raw = copy.deepcopy(stack_raw("prod"))
    raw["tags"] = {"owner": {"secure": "v1:Zm9yLWV4YW1wbGUtb25seQ==:c2t5d2VhdmUtZXhhbXBsZS1jaXBoZXJ0ZXh0"}}
    text = _error(raw)
    assert "c2t5d2VhdmUt" not in text and "Zm9yLWV4" not in text
    assert "skyweave:tags.owner" in text


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        ("skyweave:x.psk", "short-but-secret", "a secret (16 characters), not shown"),
        ("skyweave:x.name", "A" * 20 + "0123456789" * 3, "a long encoded string (50 characters), not shown"),
        ("skyweave:x.region", "us-east-9", "'us-east-9'"),
        ("skyweave:x.image", "ami-0e2c8caa4b6378d8c", "'ami-0e2c8caa4b6378d8c'"),
    ],
)
def test_what_is_hidden_and_what_is_shown(path: str, value: str, shown: str) -> None:
    rendered = ConfigIssue(path, f"bad value {value}", value).render()
    assert rendered.startswith(f"{path}: {shown}: ")
    if "not shown" in shown:
        assert value not in rendered
