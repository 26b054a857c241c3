"""The offline runtime answers like the providers (issue 24 item 3): an invoke returns what the
SDK's result type declares, a region's zones from a documented table, and a resource's id is
shaped as its provider shapes it.

Every expectation comes from outside the code under test: the installed SDKs' result classes
(their property annotations), the SDKs' own `pulumi import` examples and import formats in their
docstrings, and the vendors' documentation quoted below.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skyweave.drivers.sdk import sdk_enum_values
from skyweave.engine.offline import run_program


def _run(program: Callable[[], None], config: Mapping[str, str]) -> dict[str, Any]:
    """Run ``program`` offline and return the values it exported, resolved."""
    run = run_program(program, project="shapes", stack="test", config=dict(config))
    return run.outputs


def _required_fields(result_cls: type) -> dict[str, Any]:
    """The properties the SDK's result class declares without ``Optional``: python name → type."""
    fields: dict[str, Any] = {}
    for attr, value in vars(result_cls).items():
        if isinstance(value, property) and value.fget is not None:
            module = importlib.import_module(result_cls.__module__)
            hint = typing.get_type_hints(value.fget, globalns=vars(module)).get("return")
            if typing.get_origin(hint) is typing.Union and type(None) in typing.get_args(hint):
                continue
            fields[attr] = hint
    return fields


def _conforms(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is str:
        return isinstance(value, str) and value != ""
    if hint in (bool, int, float):
        return isinstance(value, (bool, int, float))
    if origin in (Sequence, list, typing.Sequence):
        return isinstance(value, list)
    if origin in (Mapping, dict, typing.Mapping):
        return isinstance(value, dict)
    return value is not None


# Invokes, each with the SDK function, its arguments, the provider config and the result class.
INVOKES: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
    ("pulumi_aws", "get_availability_zones", {}, {"aws:region": "us-west-2"}),
    ("pulumi_aws", "get_region", {}, {"aws:region": "eu-west-1"}),
    ("pulumi_aws", "get_caller_identity", {}, {"aws:region": "us-east-1"}),
    ("pulumi_aws.ec2", "get_ami", {"most_recent": True, "owners": ["amazon"]}, {"aws:region": "us-east-1"}),
    ("pulumi_aws.ec2", "get_vpc", {"default": True}, {"aws:region": "us-east-1"}),
    ("pulumi_aws.ec2", "get_subnets", {}, {"aws:region": "us-east-1"}),
    ("pulumi_gcp.organizations", "get_client_config", {}, {"gcp:project": "p1", "gcp:region": "us-central1"}),
    ("pulumi_gcp.compute", "get_zones", {}, {"gcp:project": "p1", "gcp:region": "europe-west1"}),
    ("pulumi_azure_native.authorization", "get_client_config", {}, {}),
    ("pulumi_openstack.networking", "get_sec_group", {"name": "default"}, {}),
    (
        "pulumi_azure_native.storage",
        "list_storage_account_keys",
        {"resource_group_name": "rg", "account_name": "acct"},
        {},
    ),
]


def test_a_list_the_provider_always_returns_has_an_entry_to_read() -> None:
    # azure-py-functions (pulumi/examples) reads `list_storage_account_keys(...).keys[0].value`:
    # `keys` is not Optional in the SDK's result type, so it is there, with an entry.
    keys = _invoke(
        "pulumi_azure_native.storage",
        "list_storage_account_keys",
        {"resource_group_name": "rg", "account_name": "acct"},
        {},
    )
    assert isinstance(keys.keys[0].value, str) and keys.keys[0].value


def _invoke(module: str, function: str, args: dict[str, Any], config: dict[str, str]) -> Any:
    results: list[Any] = []

    def program() -> None:
        results.append(getattr(importlib.import_module(module), function)(**args))

    _run(program, config)
    return results[0]


@pytest.mark.parametrize(("module", "function", "args", "config"), INVOKES, ids=[i[1] for i in INVOKES])
def test_an_invoke_fills_every_field_its_result_type_requires(
    module: str, function: str, args: dict[str, Any], config: dict[str, str]
) -> None:
    result = _invoke(module, function, args, config)
    required = _required_fields(
        type(result).__mro__[1] if type(result).__name__.startswith("Awaitable") else type(result)
    )
    assert required
    missing = {name: hint for name, hint in required.items() if not _conforms(getattr(result, name), hint)}
    assert not missing, f"{function}: fields the SDK declares required are missing or mistyped: {missing}"


def test_a_regions_availability_zones_are_the_regions_code_plus_a_letter() -> None:
    # "Each Region has at least three Availability Zones ... The code for an Availability Zone is
    # its Region code followed by a letter identifier. For example, us-east-2a, us-east-2b, and
    # us-east-2c are the Availability Zones in the us-east-2 Region." and "euw1-az1, euw1-az2,
    # and euw1-az3 are the AZ IDs for the Availability Zones in the eu-west-1 Region."
    # https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html
    zones = _invoke("pulumi_aws", "get_availability_zones", {}, {"aws:region": "us-east-2"})
    assert zones.names[:3] == ["us-east-2a", "us-east-2b", "us-east-2c"]
    zones = _invoke("pulumi_aws", "get_availability_zones", {}, {"aws:region": "eu-west-1"})
    assert zones.zone_ids[:3] == ["euw1-az1", "euw1-az2", "euw1-az3"]
    assert len(zones.names) == len(zones.zone_ids) >= 3


@pytest.mark.parametrize(
    ("region", "zone_id"),
    # AZ ID prefixes from the same page's tables (one region per naming pattern).
    [
        ("us-east-1", "use1-az1"),
        ("ap-southeast-2", "apse2-az1"),
        ("ca-central-1", "cac1-az1"),
        ("us-gov-west-1", "usgw1-az1"),
        ("ap-northeast-3", "apne3-az1"),
        ("me-central-1", "mec1-az1"),
    ],
)
def test_az_ids_follow_the_documented_naming(region: str, zone_id: str) -> None:
    zones = _invoke("pulumi_aws", "get_availability_zones", {}, {"aws:region": region})
    assert zones.zone_ids[0] == zone_id


def test_every_region_the_sdk_lists_has_zones() -> None:
    from skyweave.drivers.aws import preview

    for region in sdk_enum_values("pulumi_aws", "_enums", "Region"):
        names = preview.preview_call(
            "aws:index/getAvailabilityZones:getAvailabilityZones", {}, {"region": region}
        )
        assert (
            names is not None
            and len(names["names"]) >= 3
            and all(n.startswith(region) for n in names["names"])
        )


def test_the_region_comes_from_an_explicit_provider() -> None:
    import pulumi_aws as aws

    results: list[Any] = []

    def program() -> None:
        provider = aws.Provider("west", region="us-west-1")
        results.append(aws.get_availability_zones(opts=pulumi.InvokeOptions(provider=provider)))

    _run(program, {"aws:region": "us-east-1"})
    assert results[0].names[0] == "us-west-1a"


def test_caller_identity_region_and_ami_are_shaped_like_aws() -> None:
    me = _invoke("pulumi_aws", "get_caller_identity", {}, {"aws:region": "us-east-1"})
    assert re.fullmatch(r"\d{12}", me.account_id) and me.arn.startswith(f"arn:aws:iam::{me.account_id}:")
    region = _invoke("pulumi_aws", "get_region", {}, {"aws:region": "eu-west-1"})
    assert region.region == "eu-west-1" and region.name == "eu-west-1"
    ami = _invoke(
        "pulumi_aws.ec2", "get_ami", {"most_recent": True, "owners": ["amazon"]}, {"aws:region": "us-east-1"}
    )
    assert re.fullmatch(r"ami-[0-9a-f]{17}", ami.id) and ami.id == ami.image_id


def test_gcp_zones_are_the_regions_from_the_documented_table() -> None:
    # Source: https://cloud.google.com/compute/docs/regions-zones — europe-west1 has zones b, c, d.
    zones = _invoke(
        "pulumi_gcp.compute", "get_zones", {}, {"gcp:project": "p1", "gcp:region": "europe-west1"}
    )
    assert zones.names == ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
    config = _invoke(
        "pulumi_gcp.organizations", "get_client_config", {}, {"gcp:project": "p1", "gcp:region": "us-east1"}
    )
    assert config.project == "p1" and config.region == "us-east1"


def test_azure_client_config_is_made_of_uuids() -> None:
    config = _invoke("pulumi_azure_native.authorization", "get_client_config", {}, {})
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    for value in (config.subscription_id, config.tenant_id, config.client_id, config.object_id):
        assert re.fullmatch(uuid, value)


# ---- ids ---------------------------------------------------------------------------------------


def _ids(program: Callable[[], None], config: Mapping[str, str]) -> dict[str, str]:
    """Each exported resource's id, by export name."""
    return {k: v for k, v in _run(program, config).items()}


def _docs(cls: type) -> str:
    """The SDK's documentation of ``cls``: its generated module's source (the overloads of
    ``__init__`` carry the docstrings)."""
    return Path(inspect.getfile(cls)).read_text(encoding="utf-8")


def _import_example(cls: type) -> str:
    """The id in the SDK's own `pulumi import <token> <name> <id>` example for ``cls``."""
    match = re.search(r"\$ pulumi import \S+ \S+ (\S+)", _docs(cls))
    assert match, f"{cls.__name__}: no import example in the SDK's docstring"
    return match.group(1)


AWS_TYPES = [
    ("ec2", "Vpc", {"cidr_block": "10.0.0.0/16"}),
    ("ec2", "Subnet", {"vpc_id": "vpc-0123456789abcdef0", "cidr_block": "10.0.0.0/24"}),
    ("ec2", "SecurityGroup", {}),
    ("ec2", "Instance", {"ami": "ami-0123456789abcdef0", "instance_type": "t3.micro"}),
    ("ec2", "InternetGateway", {}),
    ("ec2", "RouteTable", {"vpc_id": "vpc-0123456789abcdef0"}),
    ("ec2", "NatGateway", {"subnet_id": "subnet-0123456789abcdef0"}),
    ("ec2", "Eip", {}),
    ("ec2", "VpnGateway", {}),
    ("ec2", "CustomerGateway", {"bgp_asn": "65000", "ip_address": "192.0.2.1", "type": "ipsec.1"}),
    ("ec2", "LaunchTemplate", {}),
    ("ec2", "NetworkInterface", {"subnet_id": "subnet-0123456789abcdef0"}),
    ("ebs", "Volume", {"availability_zone": "us-east-1a", "size": 8}),
]


@pytest.mark.parametrize(("module", "cls", "args"), AWS_TYPES, ids=[t[1] for t in AWS_TYPES])
def test_aws_ids_have_the_prefix_the_sdks_import_example_shows(
    module: str, cls: str, args: dict[str, Any]
) -> None:
    # EC2 ids are "<prefix>-<17 hexadecimal characters>" (long ids:
    # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html); the prefix per type is
    # the one in pulumi-aws's own import example (e.g. `pulumi import aws:ec2/vpc:Vpc test_vpc vpc-a01106c2`).
    resource_cls = getattr(importlib.import_module(f"pulumi_aws.{module}"), cls)
    prefix = _import_example(resource_cls).rsplit("-", 1)[0]

    def program() -> None:
        pulumi.export("id", resource_cls("r", **args).id)

    resource_id = _run(program, {"aws:region": "us-east-1"})["id"]
    assert re.fullmatch(re.escape(prefix) + r"-[0-9a-f]{17}", resource_id), (prefix, resource_id)


def test_azure_ids_are_arm_ids_shaped_as_the_registry_documents() -> None:
    # Import formats from the azure-native registry pages (pulumi.com/registry/packages/azure-native/
    # api-docs/<module>/<type>/#import), e.g. Subnet:
    # /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/
    # virtualNetworks/{virtualNetworkName}/subnets/{subnetName}
    import pulumi_azure_native as azure

    def program() -> None:
        rg = azure.resources.ResourceGroup("rg", resource_group_name="rg1")
        vnet = azure.network.VirtualNetwork("vnet", resource_group_name=rg.name, virtual_network_name="vnet1")
        subnet = azure.network.Subnet(
            "subnet", resource_group_name=rg.name, virtual_network_name="vnet1", subnet_name="s1"
        )
        account = azure.storage.StorageAccount(
            "acct",
            resource_group_name=rg.name,
            account_name="acct1",
            kind="StorageV2",
            sku={"name": "Standard_LRS"},
        )
        container = azure.storage.BlobContainer(
            "c", resource_group_name=rg.name, account_name="acct1", container_name="c1"
        )
        nic = azure.network.NetworkInterface("nic", resource_group_name=rg.name)
        for name, res in {
            "rg": rg,
            "vnet": vnet,
            "subnet": subnet,
            "account": account,
            "container": container,
            "nic": nic,
        }.items():
            pulumi.export(name, res.id)

    ids = _run(program, {"azure-native:subscriptionId": "11111111-2222-3333-4444-555555555555"})
    sub = "/subscriptions/11111111-2222-3333-4444-555555555555"
    assert ids["rg"] == f"{sub}/resourceGroups/rg1"
    assert ids["vnet"] == f"{sub}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1"
    assert (
        ids["subnet"]
        == f"{sub}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/s1"
    )
    assert ids["account"] == f"{sub}/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/acct1"
    assert ids["container"] == (
        f"{sub}/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/acct1/blobServices/default/containers/c1"
    )
    # auto-named: the name azure-native gives it
    assert re.fullmatch(
        re.escape(sub) + r"/resourceGroups/rg1/providers/Microsoft\.Network/networkInterfaces/nic[0-9a-f]{8}",
        ids["nic"],
    )


def test_without_a_configured_subscription_the_arm_id_holds_a_uuid() -> None:
    import pulumi_azure_native as azure

    def program() -> None:
        pulumi.export("rg", azure.resources.ResourceGroup("rg", resource_group_name="rg1").id)

    rg = _run(program, {})["rg"]
    assert re.fullmatch(
        r"/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/resourceGroups/rg1", rg
    )


GCP_TYPES = [
    ("Network", {}),
    ("Subnetwork", {"ip_cidr_range": "10.0.0.0/24", "network": "n", "region": "us-central1"}),
    (
        "Instance",
        {"machine_type": "e2-small", "zone": "us-central1-a", "boot_disk": {}, "network_interfaces": []},
    ),
    ("Firewall", {"network": "n"}),
    ("Address", {"region": "us-central1"}),
    ("Router", {"network": "n", "region": "us-central1"}),
    ("HaVpnGateway", {"network": "n", "region": "us-central1"}),
]


@pytest.mark.parametrize(("cls", "args"), GCP_TYPES, ids=[t[0] for t in GCP_TYPES])
def test_gcp_ids_follow_the_sdks_first_import_format(cls: str, args: dict[str, Any]) -> None:
    # pulumi-gcp documents each type's id as the first of its accepted import formats, e.g.
    # `projects/{{project}}/zones/{{zone}}/instances/{{name}}`; compute self links are that path
    # under https://www.googleapis.com/compute/v1/.
    import pulumi_gcp as gcp

    resource_cls = getattr(gcp.compute, cls)
    doc = _docs(resource_cls)
    first = re.search(r"\* `([^`]+)`", doc[doc.index("## Import") :])
    assert first
    expected = first.group(1).replace("{{project}}", "p1").replace("{{region}}", "us-central1")
    expected = expected.replace("{{zone}}", "us-central1-a")

    def program() -> None:
        res = resource_cls("r", **args)
        pulumi.export("id", res.id)
        pulumi.export("name", res.name)
        pulumi.export("self_link", res.self_link)

    out = _run(program, {"gcp:project": "p1", "gcp:region": "us-central1", "gcp:zone": "us-central1-a"})
    assert out["id"] == expected.replace("{{name}}", out["name"])
    assert out["self_link"] == f"https://www.googleapis.com/compute/v1/{out['id']}"


def _sdk_class(token: str) -> type:
    package, module, cls = token.split(":")
    python = "pulumi_" + package.replace("-", "_") + "." + module.split("/")[0]
    return getattr(importlib.import_module(python), cls)  # type: ignore[no-any-return]


def test_every_aws_id_prefix_is_the_one_the_sdk_shows() -> None:
    from skyweave.drivers.aws.preview import ID_PREFIXES

    for token, prefix in ID_PREFIXES.items():
        example = _import_example(_sdk_class(token))
        assert example.rsplit("-", 1)[0] == prefix, (token, example)


def test_every_gcp_id_format_is_the_sdks_first_import_format() -> None:
    from skyweave.drivers.gcp.preview import ID_FORMATS

    for token, form in ID_FORMATS.items():
        doc = _docs(_sdk_class(token))
        first = re.search(r"\* `([^`]+)`", doc[doc.index("## Import") :])
        assert first and first.group(1).replace("{{", "{").replace("}}", "}") == form, token


def test_openstack_uuid_ids_are_what_the_sdks_examples_show() -> None:
    from skyweave.drivers.openstack.preview import UUID_IDS

    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    for token in UUID_IDS:
        example = re.search(r"\$ pulumi import \S+ \S+ (\S+)", _docs(_sdk_class(token)))
        if example:  # compute Instance has none; Nova documents its server ids as UUIDs
            assert re.fullmatch(uuid, example.group(1)), token

    import pulumi_openstack as openstack

    def program() -> None:
        pulumi.export("id", openstack.networking.Network("n").id)

    assert re.fullmatch(uuid, _run(program, {})["id"])


@given(stem=st.from_regex(r"[a-z][a-z0-9-]{0,30}[a-z]", fullmatch=True))
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_a_pairs_ports_and_floating_ips_get_distinct_stand_ins(stem: str) -> None:
    """Neutron never gives two ports of one subnet, or two floating IPs, the same address; the
    offline stand-ins must not either for an appliance pair (``<stem>-0``, ``<stem>-1``), whose
    config refuses equal addresses. Digest-only stand-ins (254 values) collided for a bench
    estate's pair ``core-appliance-port-ope-00007-{0,1}`` (both 192.0.2.11)."""
    from skyweave.drivers.openstack.preview import preview_outputs

    for type_, key in (
        ("openstack:networking/port:Port", "allFixedIps"),
        ("openstack:networking/floatingIp:FloatingIp", "address"),
    ):
        first, second = (preview_outputs(type_, f"{stem}-{i}", {})[key] for i in (0, 1))
        assert first != second, (type_, stem, first)
