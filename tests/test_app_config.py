"""`skyweave:apps` in a stack file: validated and planned before anything is registered."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from conftest import stack_raw, write_stack
from skyweave.cli import main
from skyweave.core.errors import ConfigError
from skyweave.estate.config import parse_stack_config

SOURCE = "stacks/Pulumi.prod.yaml"


@pytest.fixture
def raw() -> dict[str, Any]:
    return copy.deepcopy(stack_raw("prod"))


def _only_issue(raw: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ConfigError) as e:
        parse_stack_config(raw, source=SOURCE)
    assert e.value.source == SOURCE
    assert SOURCE in str(e.value)
    (issue,) = e.value.issues
    return issue.path, issue.render()


def test_unknown_site(raw: dict[str, Any]) -> None:
    raw["apps"][0]["sites"][1] = "gcp-asia1"
    path, text = _only_issue(raw)
    assert path == "skyweave:apps[0].sites[1]"
    assert "'gcp-asia1'" in text and "no such site; the estate's sites are aws-use1, aws-usw2" in text


def test_vendor_without_an_image(raw: dict[str, Any]) -> None:
    del raw["apps"][0]["images"]["openstack"]
    path, text = _only_issue(raw)
    assert path == "skyweave:apps[0].images"
    assert (
        "no entry for site 'os-dc1' (openstack, RegionOne); add images.openstack, images.RegionOne or "
        "images.os-dc1" in text
    )


def test_impossible_survival(raw: dict[str, Any]) -> None:
    raw["apps"][0]["sites"] = ["aws-use1", "aws-usw2"]
    raw["apps"][0]["dns"] = None
    raw["apps"][0]["images"]["aws-usw2"] = "ami-0fedcba9876543210"  # AMIs and certificates are regional
    raw["apps"][0]["tls_certificates"]["aws-usw2"] = raw["apps"][0]["tls_certificates"]["aws"].replace(
        "us-east-1", "us-west-2"
    )
    path, text = _only_issue(raw)
    assert path == "skyweave:apps[0].survive"
    assert "'vendor': cannot survive losing a vendor: the sites span 1 vendor (aws)" in text


def test_misspelt_key_is_named(raw: dict[str, Any]) -> None:
    raw["apps"][0]["min_healty"] = 3
    with pytest.raises(ConfigError) as e:
        parse_stack_config(raw, source=SOURCE)
    assert "skyweave:apps[0].min_healty" in str(e.value)


def test_duplicate_app_names(raw: dict[str, Any]) -> None:
    raw["apps"].append(copy.deepcopy(raw["apps"][0]))
    with pytest.raises(ConfigError, match=r"skyweave:apps\[1\]\.name: 'shop': already used by apps\[0\]"):
        parse_stack_config(raw, source=SOURCE)


def test_cli_reports_it_without_a_traceback(
    raw: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw["apps"][0]["min_healthy"] = 0
    project = write_stack(tmp_path, "prod", raw)
    assert main(["-C", str(project.root), "preview", "--stack", "prod"]) == 1
    err = capsys.readouterr().err
    assert "skyweave:apps[0].min_healthy: 0:" in err and "Traceback" not in err


def test_problems_of_every_app_and_bucket_are_reported_at_once(raw: dict[str, Any]) -> None:
    raw["apps"][0]["sites"][0] = "aws-nowhere"
    raw["buckets"][0]["copies"][1]["site"] = "onprem-fra"  # no object storage on-prem
    with pytest.raises(ConfigError) as e:
        parse_stack_config(raw, source=SOURCE)
    assert [i.path for i in e.value.issues] == [
        "skyweave:apps[0].sites[0]",
        "skyweave:buckets[0].copies[1].site",
    ]
    assert "vendor 'onprem' does not support 'object_storage'" in str(e.value)
