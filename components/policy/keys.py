"""Encryption keys of your own rotate: AWS KMS keys (checkov CKV_AWS_7) and Cloud KMS keys
(checkov CKV_GCP_43). The check is each vendor reader's part (``drivers/<vendor>/reader.py``,
its ``check`` under the topic ``security-kms-key-rotation``).

Vendor facts it rests on: pulumi-aws's ``kms.Key.enable_key_rotation`` "Defaults to `false`", and
AWS rotates a key with rotation on once a year unless ``rotation_period_in_days`` says otherwise;
only symmetric encryption keys rotate (``customer_master_key_spec`` other than
``SYMMETRIC_DEFAULT``: asymmetric and HMAC keys, which AWS cannot rotate, are passed). A Cloud KMS
key without ``rotation_period`` never gets a new version; CIS Google Cloud 1.10 asks for 90 days.
"""

from __future__ import annotations

from .rule import Kind, Level, Rule, Setting, Severity
from .topics import topic_rule

__all__ = ["RULES"]


KEY_ROTATION = topic_rule(
    "security-kms-key-rotation",
    description="Customer managed encryption keys rotate automatically: AWS KMS symmetric keys set "
    "enableKeyRotation (AWS then rotates yearly), Cloud KMS keys set a rotationPeriod of at most "
    "maxRotationDays.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    settings=(
        Setting(
            "maxRotationDays",
            {"type": "integer", "minimum": 1, "maximum": 36500},
            90,
            "The longest rotationPeriod a Cloud KMS key may state, in days (CIS Google Cloud 1.10: 90).",
        ),
    ),
    remediation="AWS: set enable_key_rotation=True on the kms.Key. GCP: set rotation_period='7776000s' "
    "(90 days) on the kms.CryptoKey.",
    severity=Severity.MEDIUM,
    equivalents=("checkov CKV_AWS_7, CKV_GCP_43",),
)

RULES: tuple[Rule, ...] = (KEY_ROTATION,)
