"""Managed databases keep automated backups: RDS instances and clusters (checkov CKV_AWS_133) and
Cloud SQL instances (CKV_GCP_14). The check is each vendor reader's part (``drivers/<vendor>/
reader.py``, its ``check`` under the topic ``redundancy-databases-backed-up``).

Vendor facts it rests on: RDS keeps automated backups for one day when ``backup_retention_period``
is not given (the CreateDBInstance API's default; checkov reads it so too), and 0 turns them off;
a Cloud SQL instance backs up only with ``settings.backup_configuration.enabled``. A read replica
(``replicate_source_db``, ``master_instance_name``) needs none: its primary's backups hold the data.
"""

from __future__ import annotations

from .rule import Kind, Level, Rule, Severity
from .topics import topic_rule

__all__ = ["RULES"]


BACKED_UP = topic_rule(
    "redundancy-databases-backed-up",
    description="Every managed database that is not a read replica keeps automated backups: an RDS "
    "instance or cluster does not set backupRetentionPeriod to 0, a Cloud SQL instance enables "
    "settings.backupConfiguration.",
    level=Level.MANDATORY,
    kind=Kind.RESOURCE,
    remediation="RDS: leave backup_retention_period unset or set 1-35 days. Cloud SQL: set "
    "settings.backup_configuration={'enabled': True} (with point_in_time_recovery_enabled=True for "
    "PostgreSQL).",
    severity=Severity.HIGH,
    equivalents=("checkov CKV_AWS_133, CKV_GCP_14",),
)

RULES: tuple[Rule, ...] = (BACKED_UP,)
