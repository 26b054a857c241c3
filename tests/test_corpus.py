"""Programs nobody here wrote (issue 24): small public examples from pulumi/examples, copied
unchanged into tests/corpus/<name>/ with their licence and source (SOURCE.md, LICENSE).

`skyweave check -C DIR` runs each — no internal error, whatever the program does — and the
findings on each are pinned: (rule, resource name) pairs, "-" for a finding about the whole
stack. Each pin says why it is right; a pin that moves is a change of the pack's judgement on
real code, to be justified the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT
from skyweave.cli import main

CORPUS = ROOT / "tests" / "corpus"

#: Every program in the corpus is single-vendor: the pack's estate rule wants two vendors.
ONE_VENDOR = ("skyweave-redundancy-min-vendors", "-")

FINDINGS: dict[str, set[tuple[str, str]]] = {
    "aws-py-fargate": {
        ONE_VENDOR,
        # The ALB's listener sets no `protocol`: an application load balancer's default is HTTP,
        # and it forwards (checkov CKV_AWS_2 catches the same).
        ("skyweave-security-no-plain-http-listeners", "web"),
        # Advisory: its security group lets every protocol out to 0.0.0.0/0 (CKV_AWS_382) and
        # describes neither itself nor its rules (CKV_AWS_23).
        ("skyweave-security-aws-egress-restricted", "web-secgrp"),
        ("skyweave-security-aws-firewall-rules-described", "web-secgrp"),
    },
    "aws-py-s3-folder": {
        ONE_VENDOR,
        # The website bucket has no copy outside AWS (no transfer job, no replication).
        ("skyweave-redundancy-bucket-copied-to-another-vendor", "s3-website-bucket"),
        # The bucket policy grants s3:GetObject to Principal "*" with no Condition: a public site.
        ("skyweave-security-no-public-buckets", "bucket-policy"),
        # Its BucketPublicAccessBlock sets block_public_acls=False and leaves the other three off.
        ("skyweave-security-s3-public-access-blocked", "s3-website-bucket"),
        # A bucket holds data and is registered without protect=True.
        ("skyweave-security-stateful-protected", "s3-website-bucket"),
        # No encryption finding: S3 encrypts every bucket with SSE-S3 by default since 2023-01-05
        # (the retired skyweave-security-storage-encrypted's false positive); checkov passes it too.
        # No BucketVersioning for the bucket.
        ("skyweave-security-storage-versioned", "s3-website-bucket"),
    },
    "aws-py-webserver": {
        ONE_VENDOR,
        # One instance, no subnet or zone given: compute in one zone.
        ("skyweave-redundancy-zone-spread", "web-server-www"),
        # No metadata_options: the instance accepts IMDSv1.
        ("skyweave-security-imdsv2-required", "web-server-www"),
        # No root_block_device.encrypted: unencrypted unless the account encrypts by default.
        ("skyweave-security-volumes-encrypted", "web-server-www"),
        # Advisory: the security group's rules carry no description (CKV_AWS_23).
        ("skyweave-security-aws-firewall-rules-described", "web-secgrp"),
    },
    "aws-py-wordpress-fargate-rds": {
        ONE_VENDOR,
        # The RDS instance sets no storage_encrypted (backend.py): RDS then stores it unencrypted.
        ("skyweave-security-databases-private-encrypted", "wp-example-be-rds"),
        # network.py's RDS security group admits 3306 from 0.0.0.0/0.
        ("skyweave-security-no-open-admin-ports", "wp-example-net-rds-sg"),
        # The database is registered without protect=True.
        ("skyweave-security-stateful-protected", "wp-example-be-rds"),
        # No multi_az: one RDS instance in one zone (checkov CKV_AWS_157).
        ("skyweave-redundancy-databases-multi-zone", "wp-example-be-rds"),
        # The front end's listener sets no `protocol` on an ALB: HTTP (checkov CKV_AWS_2).
        ("skyweave-security-no-plain-http-listeners", "wp-example-fe-listener"),
        # Advisory: both security groups let every protocol out to 0.0.0.0/0 (CKV_AWS_382) and
        # leave descriptions unset (CKV_AWS_23).
        ("skyweave-security-aws-egress-restricted", "wp-example-net-fe-sg"),
        ("skyweave-security-aws-egress-restricted", "wp-example-net-rds-sg"),
        ("skyweave-security-aws-firewall-rules-described", "wp-example-net-fe-sg"),
        ("skyweave-security-aws-firewall-rules-described", "wp-example-net-rds-sg"),
    },
    "azure-py-webserver": {
        ONE_VENDOR,
        # One VM, no zones: compute in one zone.
        ("skyweave-redundancy-zone-spread", "server-vm"),
        # The program reads the password with `config.require` (not `require_secret`), so the
        # value reaches osProfile.adminPassword as plain text, in state and in the preview.
        ("skyweave-security-no-plaintext-secrets", "server-vm"),
        # No securityProfile.encryptionAtHost: temp disks and caches stay unencrypted.
        ("skyweave-security-volumes-encrypted", "server-vm"),
        # The Linux VM logs in with a password (disable_password_authentication=False; CKV_AZURE_149).
        ("skyweave-security-azure-no-password-ssh", "server-vm"),
        # Its network interface takes a public IP address.
        ("skyweave-security-no-public-ip-on-instances", "server-nic"),
    },
    "gcp-py-instance-nginx": {
        ONE_VENDOR,
        # Two single instances, both in the provider's one zone (gcp:zone).
        ("skyweave-redundancy-zone-spread", "poc"),
        # Neither instance blocks project-wide SSH keys.
        ("skyweave-security-gcp-no-project-ssh-keys", "poc"),
        ("skyweave-security-gcp-no-project-ssh-keys", "poc-container-instance"),
        # The firewall allows 22 from 0.0.0.0/0.
        ("skyweave-security-no-open-admin-ports", "poc"),
        # Both instances get an external address through access_configs.
        ("skyweave-security-no-public-ip-on-instances", "poc"),
        ("skyweave-security-no-public-ip-on-instances", "poc-container-instance"),
    },
    "openstack-py-webserver": {
        ONE_VENDOR,
        # One server, no availability zone: compute in one zone.
        ("skyweave-redundancy-zone-spread", "test_fedora"),
        # secgroupRule1 admits 22 from 0.0.0.0/0.
        ("skyweave-security-no-open-admin-ports", "secgroupRule1"),
    },
}


def test_the_corpus_is_what_is_pinned_and_each_program_notes_its_source() -> None:
    programs = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert programs == sorted(FINDINGS)
    assert "Apache License" in (CORPUS / "LICENSE").read_text()
    for name in programs:
        note = (CORPUS / name / "SOURCE.md").read_text()
        assert "https://github.com/pulumi/examples/tree/" in note and "Apache License 2.0" in note
        assert (CORPUS / name / "__main__.py").is_file() and (CORPUS / name / "Pulumi.yaml").is_file()


def _check(capsys: pytest.CaptureFixture[str], program: Path, stack: str) -> tuple[int, str, str]:
    code = main(["-C", str(program), "check", "--stack", stack, "--format", "json"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_each_program_runs_and_its_findings_are_the_pinned_ones(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _check(capsys, CORPUS / name, "dev")
    assert "internal error" not in err and "Traceback" not in err, err
    report = json.loads(out)
    found = {(v["policy"], v["urn"].rsplit("::", 1)[-1] if v["urn"] else "-") for v in report["violations"]}
    assert found == FINDINGS[name], (
        f"{name}: new {sorted(found - FINDINGS[name])}, gone {sorted(FINDINGS[name] - found)}"
    )
    # Every pinned finding is mandatory at default levels: the check fails the gate.
    assert code == 4


def test_a_program_failing_on_its_own_is_reported_as_its_error(capsys: pytest.CaptureFixture[str]) -> None:
    # The same program with a stack that skips the README's `pulumi config set username`: its own
    # `config.require("username")` stops it (line 10), exit 1, not skyweave's internal error.
    code, _, err = _check(capsys, CORPUS / "azure-py-webserver", "nouser")
    assert code == 1, err
    assert "internal error" not in err and "Traceback" not in err
    assert "__main__.py:10" in err and "azure-py-webserver:username" in err
    assert 'username = config.require("username")' in err
