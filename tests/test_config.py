"""Bad input: one clear message naming the stack file, the key path, the value and what is
valid — before anything is registered."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import stack_raw, write_stack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skyweave.cli import main
from skyweave.core.errors import ConfigError
from skyweave.engine.offline import OfflineMocks, RecordingMonitor
from skyweave.engine.preview import preview_stack
from skyweave.estate.config import config_schema, parse_stack_config

SOURCE = "stacks/Pulumi.prod.yaml"


def _error(raw: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_stack_config(raw, source=SOURCE)
    return info.value


def _issue(err: ConfigError, path: str) -> str:
    lines = [i.render() for i in err.issues if i.path == path]
    assert lines, f"no issue at {path}; got {[i.path for i in err.issues]}"
    assert str(err).startswith(f"invalid configuration in {SOURCE}")
    return lines[0]


def test_examples_are_valid() -> None:
    for stack in ("dev", "prod"):
        parse_stack_config(stack_raw(stack), source=stack)


def test_unknown_vendor(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][1]["vendor"] = "oracle"
    line = _issue(_error(raw_prod), "skyweave:sites[1].vendor")
    assert "'oracle'" in line and "aws, azure, gcp, onprem, openstack" in line


def test_missing_vendor(raw_prod: dict[str, Any]) -> None:
    del raw_prod["sites"][1]["vendor"]
    line = _issue(_error(raw_prod), "skyweave:sites[1].vendor")
    assert "missing" in line and "aws, azure, gcp, onprem, openstack" in line


def test_bad_aws_region(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][0]["region"] = "us-east-9"
    line = _issue(_error(raw_prod), "skyweave:sites[0].region")
    assert "'us-east-9'" in line and "us-east-1" in line and "skip_region_check" in line


def test_bad_gcp_zone(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][2]["zones"][1] = "europe-west1-a"
    line = _issue(_error(raw_prod), "skyweave:sites[2].zones[1]")
    assert "'europe-west1-a'" in line and "europe-west1-b, europe-west1-c, europe-west1-d" in line


def test_bad_aws_zone(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][0]["zones"] = ["us-east-1a", "us-west-2b"]
    line = _issue(_error(raw_prod), "skyweave:sites[0].zones[1]")
    assert "'us-west-2b'" in line and "us-east-1a" in line


def test_malformed_cidr(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][1]["cidr"] = "10.2.0.1/16"
    line = _issue(_error(raw_prod), "skyweave:sites[1].cidr")
    assert "'10.2.0.1/16'" in line and "host bits zero" in line


def test_overlapping_pins(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][1]["cidr"] = "10.1.128.0/17"
    line = _issue(_error(raw_prod), "skyweave:sites[1].cidr")
    assert "'10.1.128.0/17'" in line and "overlaps 10.1.0.0/16" in line


def test_pin_overlapping_onprem(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][1]["cidr"] = "10.200.0.0/16"
    line = _issue(_error(raw_prod), "skyweave:sites[1].cidr")
    assert "existing range of site 'onprem-fra'" in line


def test_duplicate_site_name(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][3]["name"] = "aws-use1"
    line = _issue(_error(raw_prod), "skyweave:sites[3].name")
    assert "'aws-use1': already the name of sites[0]" in line


@pytest.mark.parametrize(("index", "key"), [(0, "region"), (0, "name"), (2, "project"), (4, "cidrs")])
def test_missing_required_key(raw_prod: dict[str, Any], index: int, key: str) -> None:
    del raw_prod["sites"][index][key]
    line = _issue(_error(raw_prod), f"skyweave:sites[{index}].{key}")
    assert "required key is missing" in line


def test_missing_sites() -> None:
    line = _issue(_error({}), "skyweave:sites")
    assert "required key is missing" in line and "name, vendor and region" in line


def test_exhausted_supernet(raw_prod: dict[str, Any]) -> None:
    raw_prod["ipam"] = {"supernet": "10.0.0.0/15"}
    for site in raw_prod["sites"]:
        site.pop("cidr", None)
        site.pop("ipv6_cidr", None)
    raw_prod["ipam"]["ipv6_supernet"] = "fd00::/48"
    line = _issue(_error(raw_prod), "skyweave:ipam.supernet")
    # a /15 holds two of prod's /16 site blocks; the blocks left over are counted, and their
    # addresses are that many /16s
    found = re.search(r"(\d+) more site block\(s\) \(\d+ × /16\) need (\d+) addresses", line)
    assert found is not None and int(found[1]) >= 1 and int(found[2]) == int(found[1]) * 65536, line
    assert "'10.0.0.0/15'" in line and "is full" in line and "only 0 are left" in line


def test_require_pins(raw_prod: dict[str, Any]) -> None:
    del raw_prod["sites"][1]["cidr"]
    line = _issue(_error(raw_prod), "skyweave:sites[1].cidr")
    assert "skyweave ipam lock" in line


def test_unknown_top_level_key(raw_prod: dict[str, Any]) -> None:
    raw_prod["site"] = []
    line = _issue(_error(raw_prod), "skyweave:site")
    assert "did you mean 'sites'" in line


def test_unknown_site_key_suggests(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][0]["zone"] = "us-east-1a"
    line = _issue(_error(raw_prod), "skyweave:sites[0].zone")
    assert "did you mean 'zones'" in line


def test_every_problem_is_reported_at_once(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][0]["region"] = "mars-1"
    raw_prod["sites"][2]["vendor"] = "oracle"
    raw_prod["ipam"]["site_prefix"] = 99
    err = _error(raw_prod)
    assert {i.path for i in err.issues} >= {
        "skyweave:sites[0].region",
        "skyweave:sites[2].vendor",
        "skyweave:ipam.site_prefix",
    }


def test_five_mistakes_of_every_kind_come_out_in_one_run(
    tmp_path: Path, raw_prod: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 23 item 6: a schema mistake in one entry, two stale tunnel pins, a bucket and a pool
    naming a site that does not exist, each found by a different stage (schema, network, bucket,
    pool planning), are all reported by the first run, each at its key path."""
    raw_prod["apps"][0]["port"] = 0
    raw_prod["network"]["tunnel_blocks"] = {
        "aws-use1/gone": "169.254.100.0/27",
        "gcp-euw1/gone": "169.254.100.32/27",
    }
    raw_prod["buckets"][0]["copies"][0]["site"] = "nowhere"
    raw_prod["pools"][0]["sources"][1]["site"] = "nowhere"
    write_stack(tmp_path, "prod", raw_prod)
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: invalid configuration in stacks/Pulumi.prod.yaml (5 problems):"), err
    for path in (
        "skyweave:apps[0].port: 0: ",
        "skyweave:network.tunnel_blocks.aws-use1/gone: '169.254.100.0/27': ",
        "skyweave:network.tunnel_blocks.gcp-euw1/gone: '169.254.100.32/27': ",
        "skyweave:buckets[0].copies[0].site: 'nowhere': no such site",
        "skyweave:pools[0].sources[1].site: 'nowhere': no such site",
    ):
        assert f"\n  {path}" in err, (path, err)


def test_planning_problems_of_entries_after_a_bad_entry_keep_their_index(raw_prod: dict[str, Any]) -> None:
    """An entry the schema refuses is left out of planning; the entries after it are still
    planned, and blamed at their own index in the file."""
    second = copy.deepcopy(raw_prod["apps"][0])
    raw_prod["apps"][0]["port"] = 0
    second["name"] = "shop2"
    second["availability"] = {"nowhere": 0.99}
    raw_prod["apps"].append(second)
    err = _error(raw_prod)
    assert {i.path for i in err.issues} == {"skyweave:apps[0].port", "skyweave:apps[1].availability.nowhere"}


def test_ipv6_cidr_on_a_vendor_that_assigns_ipv6(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][0]["ipv6_cidr"] = "fd5c:7a3e:41b0:100::/56"
    line = _issue(_error(raw_prod), "skyweave:sites[0].ipv6_cidr")
    assert "assigns IPv6 itself" in line


def test_aws_site_prefix_outside_vendor_limits(raw_prod: dict[str, Any]) -> None:
    raw_prod["sites"][0]["cidr"] = "10.0.0.0/15"
    line = _issue(_error(raw_prod), "skyweave:sites[0].cidr")
    assert "/16 to /28" in line


# --- generated bad input -------------------------------------------------------------------

MUTATIONS = ("vendor", "region", "zone", "cidr", "duplicate", "missing", "supernet", "unknown-key", "prefix")


@st.composite
def bad_configs(draw: st.DrawFn) -> tuple[dict[str, Any], str, Any]:
    """The prod config with one mistake; returns it, the key path that must be named, and the value."""
    raw = copy.deepcopy(stack_raw("prod"))
    kind = draw(st.sampled_from(MUTATIONS))
    i = draw(st.integers(0, len(raw["sites"]) - 1))
    site = raw["sites"][i]
    junk = draw(st.from_regex(r"[A-Za-z0-9_.:/-]{1,12}", fullmatch=True))
    if kind == "vendor":
        value = draw(st.sampled_from(["oracle", "AWS", "ibm", "", "gcp2"]))
        site["vendor"] = value
        return raw, f"skyweave:sites[{i}].vendor", value
    if kind == "region" and site["vendor"] in ("aws", "gcp"):
        site["region"] = "x" + junk
        return raw, f"skyweave:sites[{i}].region", site["region"]
    if kind == "zone" and site["vendor"] in ("aws", "gcp"):
        site["zones"] = [*site["zones"], "zz" + junk]
        return raw, f"skyweave:sites[{i}].zones[{len(site['zones']) - 1}]", site["zones"][-1]
    if kind == "cidr" and "cidr" in site:
        value = draw(st.sampled_from(["10.1.0.1/16", "10.0.0.0/33", "300.1.0.0/16", junk, "fd00::/48"]))
        site["cidr"] = value
        return raw, f"skyweave:sites[{i}].cidr", value
    if kind == "duplicate":
        j = (i + 1) % len(raw["sites"])
        raw["sites"][j]["name"] = site["name"]
        return raw, f"skyweave:sites[{max(i, j)}].name", site["name"]
    if kind == "missing":
        key = draw(st.sampled_from(["name", "region", "vendor"]))
        del site[key]
        return raw, f"skyweave:sites[{i}].{key}", None
    if kind == "supernet":
        value = draw(st.sampled_from(["10.0.0.0/15", "8.8.8.0/24", "192.168.0.0/33", junk]))
        raw["ipam"]["supernet"] = value
        for s in raw["sites"]:
            s.pop("cidr", None)
        raw["ipam"]["require_pins"] = False
        return raw, "skyweave:ipam.supernet", value
    if kind == "prefix":
        value = draw(st.integers(-5, 7) | st.integers(33, 99))
        raw["ipam"]["site_prefix"] = value
        return raw, "skyweave:ipam.site_prefix", value
    key = draw(st.sampled_from(["zone", "cidrr", "regoin", "vpn_peer"]))
    site[key] = junk
    return raw, f"skyweave:sites[{i}].{key}", junk


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bad_configs())
def test_generated_bad_configs_name_file_path_and_value(case: tuple[dict[str, Any], str, Any]) -> None:
    raw, path, value = case
    err = _error(raw)
    assert str(err).startswith(f"invalid configuration in {SOURCE}")
    matching = [i for i in err.issues if i.path == path]
    assert matching, (path, [i.path for i in err.issues])
    if value is not None:
        assert any(repr(value) in i.render() or str(value) in i.render() for i in matching)
    assert "Traceback" not in str(err)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(bad_configs())
def test_generated_bad_configs_register_nothing(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[dict[str, Any], str, Any]
) -> None:
    raw, path, _ = case
    project = write_stack(tmp_path_factory.mktemp("bad"), "prod", raw)
    monitor = RecordingMonitor(OfflineMocks())
    with pytest.raises(ConfigError) as info:
        preview_stack(project, "prod", monitor=monitor)
    assert path in str(info.value)
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]


def test_cli_reports_bad_config_without_traceback(
    tmp_path: Path, raw_prod: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    raw_prod["sites"][1]["vendor"] = "oracle"
    write_stack(tmp_path, "prod", raw_prod)
    code = main(["-C", str(tmp_path), "preview", "--stack", "prod"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith("error: invalid configuration in stacks/Pulumi.prod.yaml (1 problem):")
    assert "skyweave:sites[1].vendor: 'oracle': unknown vendor" in err
    assert "Traceback" not in err


def test_cli_unknown_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--stack", "qa"]) == 1
    err = capsys.readouterr().err
    assert "no stack file stacks/Pulumi.qa.yaml" in err and "dev, prod" in err


def test_cli_invalid_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_stack(tmp_path, "prod", {"sites": []})
    (tmp_path / "stacks" / "Pulumi.prod.yaml").write_text("config:\n  skyweave:sites: [\n")
    assert main(["-C", str(tmp_path), "preview", "--stack", "prod"]) == 1
    assert "stacks/Pulumi.prod.yaml: not valid YAML at line" in capsys.readouterr().err


def test_schema_validates_the_example_stack_files(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    assert main(["schema", "--config-block"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    root = Path(__file__).resolve().parent.parent
    for stack in ("dev", "prod"):
        config = yaml.safe_load((root / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
        jsonschema.validate(config, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"skyweave:sites": [{"name": "x", "vendor": "oracle", "region": "r"}]}, schema)


def test_docs_reference_is_generated_from_the_models() -> None:
    from skyweave.estate.reference import config_reference

    text = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text()
    begin, end = "<!-- BEGIN GENERATED REFERENCE -->\n", "<!-- END GENERATED REFERENCE -->"
    embedded = text[text.index(begin) + len(begin) : text.index(end)]
    assert embedded == config_reference(), "regenerate with `skyweave schema --format markdown`"
