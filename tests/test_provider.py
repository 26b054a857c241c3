"""The component provider: its schema (built in-process by the SDK's analyser), construct, and the plugin.

The schema must be *real*: every component, every argument of the pydantic models (under its
camelCase schema name) and every output, with types another language's SDK can use. The
constructs run in-process under the mock runtime exactly as the provider server calls them, with
the camelCase plain values the engine sends.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import typing
from collections import Counter
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
import skyweave
import yaml
from conftest import run
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)
from pydantic import BaseModel
from skyweave.app.plan import AppDnsArgs, MultiCloudAppArgs
from skyweave.bridge import arg_types as provider_types
from skyweave.bridge import codegen as provider_codegen
from skyweave.bridge.provider import COMPONENTS, PACKAGE, schema_path
from skyweave.core.bootstrap import BootstrapArgs
from skyweave.database.plan import MultiCloudDatabaseArgs
from skyweave.drivers.aws.driver import AwsMetalSourceArgs
from skyweave.drivers.onprem.driver import ByonServerArgs, ByonSourceArgs
from skyweave.drivers.openstack.driver import IronicSourceArgs
from skyweave.drivers.site_models import site_models
from skyweave.engine.offline import OfflineMocks, OfflineRun, RecordingMonitor
from skyweave.kubernetes.fleet import FleetClusterArgs, FleetRangesArgs, KubernetesFleetArgs
from skyweave.metal.bare_metal_pool import BareMetalPoolArgs
from skyweave.network.connectivity import ConnectivityArgs
from skyweave.network.hybrid_vpc import HybridVpcArgs, IpamArgs
from skyweave.planning.failure import FailureKind
from skyweave.storage.multi_cloud_bucket import MultiCloudBucketArgs

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "provider"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@pytest.fixture(scope="module")
def provider() -> ComponentProvider:
    return ComponentProvider(COMPONENTS, PACKAGE, version=skyweave.__version__)


@pytest.fixture(scope="module")
def schema(provider: ComponentProvider) -> dict[str, Any]:
    assert provider.schema is not None
    parsed: dict[str, Any] = json.loads(provider.schema)
    return parsed


def fields(*models: type[BaseModel]) -> set[str]:
    return {camel(name) for model in models for name in model.model_fields}


def test_generated_types_match_the_models() -> None:
    rendered = provider_codegen.render()
    assert (ROOT / "components" / "bridge" / "arg_types.py").read_text() == rendered, (
        "components/bridge/arg_types.py is stale: run `python -m skyweave.bridge.codegen`"
    )


def test_schema_has_every_component_and_its_version(schema: dict[str, Any]) -> None:
    assert schema["name"] == "skyweave" and schema["version"] == skyweave.__version__
    assert set(schema["resources"]) == {
        f"skyweave:index:{c}"
        for c in (
            "HybridVpc",
            "MultiCloudApp",
            "MultiCloudBucket",
            "MultiCloudDatabase",
            "BareMetalPool",
            "KubernetesFleet",
        )
    }
    for token, resource in schema["resources"].items():
        assert resource["isComponent"] is True, token
        assert resource["description"], token


# Each component's inputs are its model's fields plus what the wrapper takes besides; its outputs
# are what the Python component exposes.
EXPECTED = {
    "HybridVpc": (
        fields(HybridVpcArgs),
        {"sites"},
        {"networks", "cidrs", "layout", "links", "onpremDevices", "onpremPeerIps", "vpnPsks"},
    ),
    "MultiCloudApp": (
        fields(MultiCloudAppArgs) | {"network"},
        {"sites", "images", "sizes", "minHealthy", "network"},
        {
            "addresses",
            "availability",
            "failoverSeconds",
            "sizing",
            "nameServers",
            "placements",
            "minHealthy",
            "survive",
            "networks",
        },
    ),
    "MultiCloudBucket": (
        fields(MultiCloudBucketArgs) | {"sites"},
        {"sites"},  # and `primary` or the deprecated `s3Site` (the models say which is missing)
        {"buckets", "copyIntervalSeconds"},
    ),
    "MultiCloudDatabase": (
        fields(MultiCloudDatabaseArgs) | {"network"},
        {"members", "images", "sizes", "network"},
        {"members", "leaderConnection", "networks"},
    ),
    "KubernetesFleet": (
        fields(KubernetesFleetArgs) | {"network"},
        {"clusters", "minNodes", "network"},
        {"clusters", "kubeconfigs", "placements", "availability", "networks", "workload"},
    ),
    "BareMetalPool": (
        fields(BareMetalPoolArgs) | {"network", "sshKeys"},
        {"count", "sources", "network"},
        {"nodes", "inventory", "networks"},
    ),
}


@pytest.mark.parametrize("component", sorted(EXPECTED))
def test_every_input_and_output_is_in_the_schema(schema: dict[str, Any], component: str) -> None:
    inputs, required, outputs = EXPECTED[component]
    resource = schema["resources"][f"skyweave:index:{component}"]
    assert set(resource["inputProperties"]) == inputs
    assert set(resource["requiredInputs"]) == required
    assert set(resource["properties"]) == outputs
    for name, prop in {**resource["inputProperties"], **resource["properties"]}.items():
        assert prop.get("description"), f"{component}.{name} has no description"
        assert "type" in prop or "$ref" in prop, f"{component}.{name} has no type"


# Each nested type holds every field of the model(s) it stands for.
TYPES = {
    "Site": fields(*site_models()),  # every registered vendor's
    "Ipam": fields(IpamArgs),
    "Connectivity": fields(ConnectivityArgs),
    "AppDns": fields(AppDnsArgs),
    "Bootstrap": fields(BootstrapArgs),
    "PoolSource": fields(IronicSourceArgs, AwsMetalSourceArgs, ByonSourceArgs),
    "ByonServer": fields(ByonServerArgs),
    "Network": fields(HybridVpcArgs),
    "FleetCluster": fields(FleetClusterArgs),
    "FleetRanges": fields(FleetRangesArgs),
}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_nested_type_has_every_field(schema: dict[str, Any], name: str) -> None:
    spec = schema["types"][f"skyweave:index:{name}"]
    assert spec["type"] == "object"
    assert set(spec["properties"]) == TYPES[name]


def _prop(schema: dict[str, Any], component: str, name: str) -> dict[str, Any]:
    prop: dict[str, Any] = schema["resources"][f"skyweave:index:{component}"]["inputProperties"][name]
    return prop


def test_input_types_are_the_ones_a_user_writes(schema: dict[str, Any]) -> None:
    sites = _prop(schema, "HybridVpc", "sites")
    assert sites["type"] == "array" and sites["items"]["$ref"] == "#/types/skyweave:index:Site"
    assert _prop(schema, "HybridVpc", "ipam")["$ref"] == "#/types/skyweave:index:Ipam"
    assert _prop(schema, "HybridVpc", "tags")["additionalProperties"]["type"] == "string"
    assert _prop(schema, "MultiCloudApp", "minHealthy")["type"] == "integer"
    assert _prop(schema, "MultiCloudApp", "availabilityBeta")["type"] == "number"
    assert _prop(schema, "MultiCloudApp", "images")["additionalProperties"]["type"] == "string"
    assert _prop(schema, "MultiCloudApp", "adminPorts")["items"]["type"] == "integer"
    assert _prop(schema, "MultiCloudApp", "network")["$ref"] == "#/types/skyweave:index:Network"
    assert _prop(schema, "BareMetalPool", "sources")["items"]["$ref"] == "#/types/skyweave:index:PoolSource"
    # Planning needs known values: arguments are plain, except each SSH key, which may be a secret.
    assert _prop(schema, "HybridVpc", "sites")["plain"] is True
    assert "plain" not in _prop(schema, "BareMetalPool", "sshKeys")["additionalProperties"]

    site = schema["types"]["skyweave:index:Site"]
    assert set(site["required"]) == {"name", "vendor", "region"}
    assert site["properties"]["asn"]["type"] == "integer"
    assert site["properties"]["ipv6"]["type"] == "boolean"
    assert site["properties"]["cidrs"]["items"]["type"] == "string"
    assert "[onprem]" in site["properties"]["cidrs"]["description"]
    assert (
        site["properties"]["vendor"]["description"]
        == "One of: aws, azure, gcp, onprem, openstack, vsphere. Required."
    )
    source = schema["types"]["skyweave:index:PoolSource"]
    assert set(source["required"]) == {"kind", "site"}
    assert source["properties"]["servers"]["items"]["$ref"] == "#/types/skyweave:index:ByonServer"


def test_enums_carry_every_value(schema: dict[str, Any]) -> None:
    survive = _prop(schema, "MultiCloudApp", "survive")
    assert survive["$ref"] == "#/types/skyweave:index:FailureKind"
    kinds = schema["types"]["skyweave:index:FailureKind"]
    assert kinds["type"] == "string"
    assert {e["value"] for e in kinds["enum"]} == {k.value for k in FailureKind}
    topology = schema["types"]["skyweave:index:Topology"]
    assert {e["value"] for e in topology["enum"]} == {"none", "full-mesh", "hub-spoke", "explicit"}


def test_output_types(schema: dict[str, Any]) -> None:
    app = schema["resources"]["skyweave:index:MultiCloudApp"]["properties"]
    assert app["minHealthy"]["type"] == "integer" and app["survive"]["type"] == "string"
    assert app["failoverSeconds"]["type"] == "number"
    assert app["addresses"]["additionalProperties"]["type"] == "string"
    pool = schema["resources"]["skyweave:index:BareMetalPool"]["properties"]
    assert pool["nodes"]["type"] == "array"
    required = schema["resources"]["skyweave:index:MultiCloudApp"].get("required", [])
    assert "failoverSeconds" not in required


def test_typed_dicts_are_total_where_the_models_require() -> None:
    # NotRequired exactly where pydantic has a default.
    hints = typing.get_type_hints(provider_types.MultiCloudAppInputs, include_extras=True)
    for name, info in MultiCloudAppArgs.model_fields.items():
        optional = typing.get_origin(hints[name]) is typing.NotRequired
        assert optional == (not info.is_required()), name


def test_schema_paths_use_the_schema_names() -> None:
    assert schema_path("sites[0].vpn_peer_ip") == "sites[0].vpnPeerIp"
    assert schema_path("network.ipam.site_prefix") == "network.ipam.sitePrefix"
    # Keys the user chose (vendor and site names) stay as written.
    assert schema_path("images.aws") == "images.aws"


# -- construct, in-process, as the provider server calls it ------------------------------------------

AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {
    "name": "gcp-euw1",
    "vendor": "gcp",
    "region": "europe-west1",
    "project": "proj-12345",
    "zones": ["europe-west1-b", "europe-west1-c"],
}
OPENSTACK = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "zones": ["az1", "az2"]}


def construct(
    provider: ComponentProvider,
    component: str,
    name: str,
    inputs: dict[str, Any],
    secrets: dict[str, str] | None = None,
) -> OfflineRun:
    """``secrets``: inputs that arrive as secret Outputs (made inside the program, as the server does)."""

    def program() -> None:
        values = {**inputs, **{k: pulumi.Output.secret(v) for k, v in (secrets or {}).items()}}
        result = provider.construct(name, f"skyweave:index:{component}", values, None)
        pulumi.export("urn", result.urn)
        pulumi.export("state", result.state)

    return run(program)


def test_construct_hybrid_vpc(provider: ComponentProvider) -> None:
    result = construct(
        provider,
        "HybridVpc",
        "core",
        {
            "sites": [AWS, GCP],
            "ipam": {"supernet": "10.32.0.0/12", "sitePrefix": 16},
            "tags": {"team": "net"},
        },
    )
    (outer,) = [r for r in result.resources if r.type == "skyweave:index:HybridVpc"]
    (inner,) = [r for r in result.resources if r.type == "skyweave:network:HybridVpc"]
    assert outer.name == inner.name == "core" and inner.parent == outer.urn
    providers = {r.name: r for r in result.resources if r.type.startswith("pulumi:providers:")}
    assert set(providers) == {"core-provider-aws-use1", "core-provider-gcp-euw1", "core-provider-random"}
    # Site providers are the outer component's; random (not site-bound) is the HybridVpc's own.
    assert all(p.parent == outer.urn for n, p in providers.items() if n != "core-provider-random")
    assert providers["core-provider-random"].parent == inner.urn
    vpc = next(r for r in result.resources if r.type == "aws:ec2/vpc:Vpc")
    assert vpc.provider == providers["core-provider-aws-use1"].urn
    assert vpc.inputs["cidrBlock"].startswith(("10.32.", "10.33.", "10.4")) and vpc.inputs[
        "cidrBlock"
    ].endswith("/16")
    assert vpc.inputs["tags"]["team"] == "net"
    state = result.outputs["state"]
    assert set(state["networks"]) == {"aws-use1", "gcp-euw1"}
    assert state["vpnPsks"] == "[secret]"
    assert {"networks", "cidrs", "layout", "links", "onpremDevices", "onpremPeerIps"} <= set(state)


def test_construct_multi_cloud_app(provider: ComponentProvider) -> None:
    result = construct(
        provider,
        "MultiCloudApp",
        "web",
        {
            "network": {"sites": [AWS, GCP], "connectivity": {"topology": "none"}},
            "sites": ["aws-use1", "gcp-euw1"],
            "images": {"aws": "ami-0123456789abcdef0", "gcp": "debian-cloud/debian-12"},
            "sizes": {"aws": "t3.small", "gcp": "e2-small"},
            "minHealthy": 4,
            "survive": "vendor",
            "healthCheckPath": "/healthz",
        },
    )
    by_type = {r.type: r for r in result.resources}
    outer = by_type["skyweave:index:MultiCloudApp"]
    assert by_type["skyweave:app:MultiCloudApp"].parent == outer.urn
    network = by_type["skyweave:network:HybridVpc"]
    assert network.name == "web-net" and network.parent == outer.urn
    asg = by_type["aws:autoscaling/group:Group"]
    assert asg.inputs["desiredCapacity"] == 4
    target_group = by_type["aws:lb/targetGroup:TargetGroup"]
    assert target_group.inputs["healthCheck"]["path"] == "/healthz"
    state = result.outputs["state"]
    assert state["minHealthy"] == 4 and state["survive"] == "vendor"
    assert set(state["addresses"]) == {"aws-use1", "gcp-euw1"} and set(state["networks"]) == {
        "aws-use1",
        "gcp-euw1",
    }


def test_construct_multi_cloud_database(provider: ComponentProvider) -> None:
    azure = {
        "name": "azure-weu1",
        "vendor": "azure",
        "region": "westeurope",
        "subscriptionId": "6b1f3c2a-8d4e-4f5a-9c7b-1e2d3f4a5b6c",
        "zones": ["1", "2"],
        "adminSshPublicKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFeXampLeOnLyN0tArEaLkEyF0rSkyWeaveDocs00",
    }
    sites = ["aws-use1", "gcp-euw1", "azure-weu1"]
    result = construct(
        provider,
        "MultiCloudDatabase",
        "orders",
        {
            "network": {"sites": [AWS, GCP, azure], "connectivity": {"topology": "none"}},
            "members": [*({"site": s} for s in sites), *({"site": s, "role": "etcd"} for s in sites)],
            "images": {
                "aws": "ami-0123456789abcdef0",
                "gcp": "debian-cloud/debian-12",
                "azure": "Debian:debian-12:12:latest",
            },
            "sizes": {"aws": "m6i.large", "gcp": "n2-standard-2", "azure": "Standard_D2s_v3"},
            "diskGb": 50,
        },
    )
    by_type = {r.type: r for r in result.resources}
    outer = by_type["skyweave:index:MultiCloudDatabase"]
    assert by_type["skyweave:database:MultiCloudDatabase"].parent == outer.urn
    assert by_type["skyweave:network:HybridVpc"].name == "orders-net"
    pg = next(r for r in result.resources if r.type == "aws:ec2/instance:Instance" and "-pg-" in r.name)
    assert pg.inputs["rootBlockDevice"]["volumeSize"] == 50 and pg.inputs["userData"] == "[secret]"
    state = result.outputs["state"]
    assert len(state["members"]) == 6 and state["leaderConnection"].startswith("host=")


def test_construct_multi_cloud_bucket(provider: ComponentProvider) -> None:
    result = construct(
        provider,
        "MultiCloudBucket",
        "assets",
        {
            "sites": [AWS, GCP, OPENSTACK],
            "s3Site": "aws-use1",
            "gcsSite": "gcp-euw1",
            "copyIntervalSeconds": 7200,
        },
    )
    types = Counter(r.type for r in result.resources)
    assert types["aws:s3/bucket:Bucket"] == 1 and types["gcp:storage/bucket:Bucket"] == 1
    # Only the sites the bucket uses get a provider.
    providers = {r.name for r in result.resources if r.type.startswith("pulumi:providers:")}
    assert providers == {"assets-provider-aws-use1", "assets-provider-gcp-euw1"}
    assert result.outputs["state"]["copyIntervalSeconds"] == 7200


def test_construct_kubernetes_fleet(provider: ComponentProvider) -> None:
    fleet = {
        "network": {"sites": [AWS, GCP], "connectivity": {"topology": "none"}},
        "clusters": [
            {"site": "aws-use1", "nodeSize": "m6i.large"},
            {"site": "gcp-euw1", "nodeSize": "e2-standard-4"},
        ],
        "minNodes": 4,
        "survive": "vendor",
    }
    result = construct(provider, "KubernetesFleet", "apps", fleet)
    types = Counter(r.type for r in result.resources)
    assert types["aws:eks/cluster:Cluster"] == 1 and types["gcp:container/cluster:Cluster"] == 1
    assert types["aws:eks/nodeGroup:NodeGroup"] == 2 and types["gcp:container/nodePool:NodePool"] == 2
    state = result.outputs["state"]
    nodes = {site: sum(c["nodes"].values()) for site, c in state["clusters"].items()}
    assert nodes == {"aws-use1": 4, "gcp-euw1": 4}  # losing either vendor leaves 4
    assert state["kubeconfigs"] == "[secret]"
    with pytest.raises(ComponentInitError, match=r"clusters\[0\]\.nodeSize: 'm6i\.huge'"):
        bad = {**fleet, "clusters": [{"site": "aws-use1", "nodeSize": "m6i.huge"}, fleet["clusters"][1]]}
        construct(provider, "KubernetesFleet", "apps", bad)


def test_construct_multi_cloud_bucket_with_a_blob_copy(provider: ComponentProvider) -> None:
    """Every site the bucket uses gets a provider, whichever key names it (blob_site had none)."""
    azure = {
        "name": "azure-weu1",
        "vendor": "azure",
        "region": "westeurope",
        "subscriptionId": "6b1f3c2a-8d4e-4f5a-9c7b-1e2d3f4a5b6c",
    }
    result = construct(
        provider,
        "MultiCloudBucket",
        "assets",
        {"sites": [AWS, azure], "s3Site": "aws-use1", "blobSite": "azure-weu1"},
    )
    providers = {r.name for r in result.resources if r.type.startswith("pulumi:providers:")}
    assert providers == {"assets-provider-aws-use1", "assets-provider-azure-weu1"}
    (container,) = [r for r in result.resources if r.type == "azure-native:storage:BlobContainer"]
    assert container.provider and "assets-provider-azure-weu1" in container.provider


def test_construct_bare_metal_pool_with_a_secret_key(provider: ComponentProvider) -> None:
    onprem = {
        "name": "onprem-fra",
        "vendor": "onprem",
        "region": "fra",
        "zones": ["room-a", "room-b"],
        "cidrs": ["10.200.0.0/16"],
    }
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nprovider-test-marker\n-----END OPENSSH PRIVATE KEY-----"
    result = construct(
        provider,
        "BareMetalPool",
        "fra",
        {
            "network": {"sites": [onprem], "connectivity": {"topology": "none"}},
            "count": 2,
            "bootstrap": {"script": "#!/bin/sh\necho joined\n", "files": {"/etc/pool.conf": "role=db\n"}},
            "role": "db",
            "sources": [
                {
                    "kind": "byon",
                    "site": "onprem-fra",
                    "sshUser": "ops",
                    "sshPrivateKeyConfig": "byon:fra-key",
                    "servers": [
                        {"name": "fra-01", "address": "10.200.1.10", "room": "room-a"},
                        {"name": "fra-02", "address": "10.200.2.10", "room": "room-b", "sshPort": 2222},
                    ],
                }
            ],
        },
        secrets={"sshKeys": {"byon:fra-key": key}},  # type: ignore[dict-item]
    )
    assert "provider-test-marker" not in json.dumps([r.as_dict() for r in result.resources])
    nodes = result.outputs["state"]["nodes"]
    assert [n["name"] for n in nodes] == ["fra-01", "fra-02"]
    assert {n["role"] for n in nodes} == {"db"}
    commands = {r.name: r for r in result.resources if r.type == "command:remote:Command"}
    assert set(commands) == {
        "fra-bootstrap-onprem-fra-fra-01",
        "fra-bootstrap-onprem-fra-fra-02",
        "fra-stage-onprem-fra-fra-01",
        "fra-stage-onprem-fra-fra-02",
        # each server's host record (nothing to run: the pack counts servers and racks from it)
        "fra-host-onprem-fra-fra-01",
        "fra-host-onprem-fra-fra-02",
    }
    # The connection carries the key, so the whole connection stays secret.
    assert all(c.inputs["connection"] == "[secret]" for c in commands.values())
    assert "SKYWEAVE_ROLE=db" in commands["fra-bootstrap-onprem-fra-fra-01"].inputs["create"]


@pytest.mark.parametrize(
    ("component", "inputs", "path", "text"),
    [
        ("HybridVpc", {"sites": [AWS], "ipam": {"supernet": "10.0.0.0/33"}}, "ipam.supernet", "10.0.0.0/33"),
        ("HybridVpc", {"sites": [{**GCP, "project": None}]}, "sites[0].project", "project"),
        ("HybridVpc", {"sites": [{**AWS, "vendor": "oracle"}]}, "sites[0].vendor", "oracle"),
        (
            "MultiCloudApp",
            {
                "network": {"sites": [AWS, {**GCP, "zones": ["nowhere-1a"]}]},
                "sites": ["aws-use1"],
                "images": {"aws": "ami-0123456789abcdef0"},
                "sizes": {"aws": "t3.small"},
                "minHealthy": 2,
            },
            "network.sites[1].zones",
            "nowhere-1a",
        ),
        (
            "MultiCloudApp",
            {
                "network": {"sites": [AWS, GCP]},
                "sites": ["aws-use1", "gcp-euw1"],
                "images": {"aws": "ami-0123456789abcdef0"},
                "sizes": {"aws": "t3.small", "gcp": "e2-small"},
                "minHealthy": 0,
            },
            "minHealthy",
            "0",
        ),
        (
            "MultiCloudBucket",
            {"sites": [AWS, GCP], "s3Site": "aws-use1", "gcsSite": "gcp-west"},
            "gcsSite",
            "gcp-west",
        ),
        (
            "BareMetalPool",
            {
                "network": {"sites": [AWS]},
                "count": 2,
                "sources": [
                    {
                        "kind": "byon",
                        "site": "aws-use1",
                        "sshUser": "ops",
                        "sshPrivateKeyConfig": "byon:k",
                        "servers": [{"name": "a", "address": "10.1.1.1"}],
                    }
                ],
            },
            "sources[0]",
            "",
        ),
    ],
)
def test_bad_input_is_skyweaves_error_in_schema_names_before_anything_is_registered(
    provider: ComponentProvider, component: str, inputs: dict[str, Any], path: str, text: str
) -> None:
    with pytest.raises(ComponentInitError) as info:
        construct(provider, component, "bad", inputs)
    error = info.value.args[0] if info.value.args and isinstance(info.value.args[0], Exception) else None
    error = error or info.value.__cause__ or info.value.__context__
    message = str(info.value)
    assert isinstance(error, skyweave.InvalidArgsError) or "invalid configuration" in message, message
    assert f"skyweave:index:{component} 'bad'" in message, message
    assert re.search(rf"^\s+{re.escape(path)}", message, re.MULTILINE), message
    assert text in message


def test_bad_input_registers_nothing(provider: ComponentProvider) -> None:
    from skyweave.engine.offline import OfflineMocks, RecordingMonitor, run_program

    monitor = RecordingMonitor(OfflineMocks())

    def program() -> None:
        provider.construct(
            "bad", "skyweave:index:HybridVpc", {"sites": [AWS, {**AWS, "cidr": "300.0.0.0/8"}]}, None
        )

    with pytest.raises(ComponentInitError):
        run_program(program, project="p", stack="s", monitor=monitor)
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]


# -- the plugin as the engine starts it ---------------------------------------------------------------


def test_plugin_files() -> None:
    plugin = yaml.safe_load((PLUGIN / "PulumiPlugin.yaml").read_text())
    assert plugin["runtime"]["name"] == "python"
    assert (PLUGIN / "requirements.txt").read_text().splitlines()[-1] == ".."
    assert (PLUGIN / "__main__.py").is_file()


class _Monitor(resource_pb2_grpc.ResourceMonitorServicer):
    """The engine's resource monitor, over gRPC, recording into skyweave's offline monitor."""

    def __init__(self) -> None:
        self.recording = RecordingMonitor(OfflineMocks())

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        supported = self.recording.SupportsFeature(request).hasSupport
        return resource_pb2.SupportsFeatureResponse(hasSupport=supported)

    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        return self.recording.GetDeploymentInfo(request)

    def RegisterPackage(self, request: Any, context: Any) -> Any:
        return self.recording.RegisterPackage(request)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        return self.recording.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        self.recording.RegisterResourceOutputs(request)
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:
        return self.recording.Invoke(request)


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[tuple[int, str]] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()


@dataclass
class Plugin:
    """provider/__main__.py running as the engine starts it, and an engine + monitor for it to call."""

    stub: Any
    monitor: _Monitor
    engine: _Engine
    address: str

    def construct(self, component: str, name: str, inputs: dict[str, Any]) -> Any:
        self.monitor.recording = RecordingMonitor(OfflineMocks())
        struct = struct_pb2.Struct()
        struct.update(inputs)
        request = provider_pb2.ConstructRequest(
            project="consumer",
            stack="dev",
            organization="organization",
            name=name,
            type=f"skyweave:index:{component}",
            inputs=struct,
            dryRun=True,
            monitorEndpoint=self.address,
        )
        return self.stub.Construct(request, timeout=120)


@pytest.fixture(scope="module")
def plugin() -> Iterator[Plugin]:
    monitor, engine = _Monitor(), _Engine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.Popen(
        [sys.executable, str(PLUGIN / "__main__.py"), address],
        cwd=PLUGIN,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert proc.stdout is not None
        port = proc.stdout.readline().decode().strip()
        assert port.isdigit(), proc.stderr.read().decode() if proc.stderr else port
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield Plugin(provider_pb2_grpc.ResourceProviderStub(channel), monitor, engine, address)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        server.stop(0)


def test_plugin_serves_the_same_schema_over_grpc(plugin: Plugin, schema: dict[str, Any]) -> None:
    """Started as the language host would start it, the plugin answers GetSchema with the same schema."""
    response = plugin.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60)
    assert json.loads(response.schema) == schema


def test_plugin_constructs_over_grpc(plugin: Plugin) -> None:
    """The engine's Construct call, over the real protocol: the plugin registers through the monitor."""
    response = plugin.construct(
        "HybridVpc", "core", {"sites": [AWS, GCP], "ipam": {"supernet": "10.32.0.0/12", "sitePrefix": 16}}
    )
    assert response.urn.endswith("::skyweave:index:HybridVpc::core")
    state = json_format.MessageToDict(response.state)
    assert {"networks", "cidrs", "layout", "links", "onpremDevices", "onpremPeerIps", "vpnPsks"} <= set(state)
    registered = plugin.monitor.recording.registrations
    types = Counter(r.type for r in registered)
    assert types["skyweave:index:HybridVpc"] == 1 and types["skyweave:network:HybridVpc"] == 1
    assert types["aws:ec2/vpc:Vpc"] == 1 and types["gcp:compute/network:Network"] == 1
    assert types["gcp:compute/haVpnGateway:HaVpnGateway"] == 1
    (vpc,) = [r for r in registered if r.type == "aws:ec2/vpc:Vpc"]
    assert (
        vpc.inputs["cidrBlock"].endswith("/16") and vpc.provider and "core-provider-aws-use1" in vpc.provider
    )
    # The unpinned-block warning reaches the engine's log.
    assert any("is not pinned" in message for _, message in plugin.engine.logs)


def test_plugin_refuses_bad_input_over_grpc_before_registering(plugin: Plugin) -> None:
    with pytest.raises(grpc.RpcError) as info:
        plugin.construct("HybridVpc", "core", {"sites": [AWS], "ipam": {"supernet": "10.0.0.0/33"}})
    details = info.value.details() or ""
    assert "skyweave:index:HybridVpc 'core'" in details and "ipam.supernet" in details, details
    assert plugin.monitor.recording.registrations == []


def test_the_guide_lists_every_component_and_output(schema: dict[str, Any]) -> None:
    guide = (ROOT / "docs" / "other-languages.md").read_text()
    for token, resource in schema["resources"].items():
        (row,) = [line for line in guide.splitlines() if line.startswith(f"| `{token}` |")]
        outputs_cell = row.split("|")[3]
        assert set(re.findall(r"`(\w+)`", outputs_cell)) == set(resource["properties"]), token
        for required in resource["requiredInputs"]:
            assert f"**`{required}`**" in row, (token, required)
    for type_token in schema["types"]:
        assert f"`{type_token.rsplit(':', 1)[-1]}`" in guide, type_token


def test_problems_of_the_network_and_the_app_are_reported_together(provider: ComponentProvider) -> None:
    inputs = {
        "network": {"sites": [AWS], "ipam": {"sitePrefix": 40}},
        "sites": ["aws-use1"],
        "images": {"aws": "ami-0123456789abcdef0"},
        "sizes": {"aws": "t3.small"},
        "minHealthy": 0,
    }
    with pytest.raises(ComponentInitError) as info:
        construct(provider, "MultiCloudApp", "web", inputs)
    message = str(info.value)
    assert "(2 problems)" in message, message
    assert re.search(r"^\s+network\.ipam\.sitePrefix: 40", message, re.MULTILINE), message
    assert re.search(r"^\s+minHealthy: 0", message, re.MULTILINE), message


def test_the_guides_schema_command_prints_the_schema(schema: dict[str, Any]) -> None:
    guide = (ROOT / "docs" / "other-languages.md").read_text()
    (command,) = [b for b in re.findall(r"```bash\n(.*?)```", guide, re.S) if "ComponentProvider" in b]
    assert command.startswith(".venv/bin/python -c '")
    code = command[len(".venv/bin/python -c '") :].rstrip().removesuffix("'")
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == schema


# -- refusals, as other languages get them (issue 29, item 9) ----------------------------------------


@pytest.fixture(scope="module")
def refusing() -> Any:
    from skyweave.bridge.provider import Provider

    return Provider(COMPONENTS, PACKAGE, version=skyweave.__version__)


def _refused(provider: Any, component: str, name: str, inputs: dict[str, Any]) -> str:
    """The one message a refusal carries; nothing may have been registered but the stack."""
    from pulumi.errors import InputPropertiesError
    from skyweave.engine.offline import OfflineMocks, RecordingMonitor, run_program

    monitor = RecordingMonitor(OfflineMocks())

    def program() -> None:
        provider.construct(name, f"skyweave:index:{component}", inputs, None)

    with pytest.raises(InputPropertiesError) as info:
        run_program(program, project="p", stack="s", monitor=monitor)
    assert [r.type for r in monitor.registrations] == ["pulumi:pulumi:Stack"]
    message = info.value.message
    assert "Traceback" not in message and "Unexpected" not in message and 'File "' not in message
    return message


_ONPREM = {
    "name": "onprem-fra",
    "vendor": "onprem",
    "region": "fra",
    "zones": ["room-a"],
    "cidrs": ["10.200.0.0/16"],
}
_POOL = {
    "network": {"sites": [_ONPREM], "connectivity": {"topology": "none"}},
    "count": 1,
    "sources": [
        {
            "kind": "byon",
            "site": "onprem-fra",
            "sshUser": "ops",
            "sshPrivateKeyConfig": "byon:fra-key",
            "servers": [{"name": "fra-01", "address": "10.200.1.10"}],
        }
    ],
}


def test_a_name_with_a_trailing_newline_is_refused(refusing: Any) -> None:
    message = _refused(refusing, "HybridVpc", "core\n", {"sites": [AWS]})
    assert "skyweave:index:HybridVpc" in message and "name" in message


def test_unknown_input_keys_are_refused_naming_them(refusing: Any) -> None:
    message = _refused(refusing, "HybridVpc", "core", {"sites": [AWS], "sitez": [], "ipamm": {}})
    assert "sitez" in message and "ipamm" in message and "sites" in message


@pytest.mark.parametrize("keys", [["-----BEGIN OPENSSH PRIVATE KEY-----"], "a key", 7, {"ops:key": 5}])
def test_ssh_keys_of_the_wrong_type_are_one_message(refusing: Any, keys: Any) -> None:
    message = _refused(refusing, "BareMetalPool", "metal", {**_POOL, "sshKeys": keys})
    assert "sshKeys" in message and "BEGIN" not in message


@pytest.mark.parametrize("component", ["MultiCloudApp", "BareMetalPool"])
def test_a_name_too_long_for_the_network_built_inside_is_refused_first(refusing: Any, component: str) -> None:
    """The component builds its network as `<name>-net`: a name that fits the component but not its
    network was refused only after its providers had registered."""
    inputs: dict[str, Any] = dict(_POOL)
    if component == "MultiCloudApp":
        inputs = {
            "network": {"sites": [AWS], "connectivity": {"topology": "none"}},
            "sites": ["aws-use1"],
            "images": {"aws": "ami-0123456789abcdef0"},
            "sizes": {"aws": "t3.small"},
            "minHealthy": 1,
        }
    message = _refused(refusing, component, "a" * 23, inputs)
    assert "name" in message


def test_plugin_refusals_are_one_message_without_a_traceback(plugin: Plugin) -> None:
    for component, name, inputs in [
        ("HybridVpc", "core", {"sites": [AWS], "ipam": {"supernet": "10.0.0.0/33"}}),
        ("HybridVpc", "core", {"sites": [AWS], "bogus": 1}),
        ("HybridVpc", "core\n", {"sites": [AWS]}),
    ]:
        with pytest.raises(grpc.RpcError) as info:
            plugin.construct(component, name, inputs)
        details = info.value.details() or ""
        assert "Unexpected" not in details and "Traceback" not in details and 'File "' not in details, details
        assert "skyweave:index:HybridVpc" in details, details
        assert plugin.monitor.recording.registrations == []
