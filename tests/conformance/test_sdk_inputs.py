"""(a) Every input of every recorded resource against the provider SDK's own declarations.

The mock runtime accepts anything, so a misspelt key, a string where the SDK declares a number, a
missing required input or a value outside the set the SDK documents would only surface at
``pulumi up``. ``sdk_declarations`` reads what the installed SDKs declare; this runs it on both
example stacks and the generated estates, and checks that the checker itself catches each kind
of mistake.
"""

from __future__ import annotations

import pytest
from conformance_harness import GENERATED, STACKS, estate
from sdk_declarations import check_inputs, documented_values, resource_class, resource_schema

ESTATES = (*STACKS, *GENERATED)


@pytest.mark.parametrize("name", ESTATES)
def test_every_input_matches_the_sdk_declarations(name: str) -> None:
    recorded = estate(name)
    problems = [
        f"{reg.name} ({reg.type}): {problem}"
        for reg in recorded.run.resources
        if reg.custom
        for problem in check_inputs(reg.type, recorded.inputs(reg.urn))
    ]
    assert not problems, "\n".join(problems)


def test_every_recorded_type_has_an_sdk_class() -> None:
    types = {r.type for name in ESTATES for r in estate(name).run.resources if r.custom}
    assert {t.split(":")[0] for t in types} >= {
        "aws",
        "azure-native",
        "gcp",
        "openstack",
        "random",
        "command",
        "pulumi",
    }
    for token in types:
        # random's and command's providers take no configuration: an empty schema is theirs.
        assert resource_schema(token).props or token.startswith("pulumi:providers:"), token


VPN = "aws:ec2/vpnConnection:VpnConnection"
GOOD_VPN = {"customerGatewayId": "cgw-1", "type": "ipsec.1", "vpnGatewayId": "vgw-1"}


@pytest.mark.parametrize(
    ("token", "inputs", "expected"),
    [
        (VPN, {**GOOD_VPN, "tunnel1PreSharedKey": "x"}, "has no input 'tunnel1PreSharedKey'"),
        (VPN, {**GOOD_VPN, "staticRoutesOnly": "true"}, "staticRoutesOnly: expected a bool"),
        (VPN, {**GOOD_VPN, "tunnel1Phase1LifetimeSeconds": "28800"}, "expected an integer"),
        (VPN, {**GOOD_VPN, "tunnel1IkeVersions": "ikev2"}, "expected a list"),
        (VPN, {k: v for k, v in GOOD_VPN.items() if k != "type"}, "type: required by VpnConnectionArgs"),
        (VPN, {**GOOD_VPN, "tunnel1IkeVersions": ["ikev3"]}, "'ikev3' is not a documented value"),
        (VPN, {**GOOD_VPN, "tunnel1Phase2LifetimeSeconds": 7200}, "outside the documented range 900..3600"),
        (
            "gcp:compute/vPNTunnel:VPNTunnel",
            {"sharedSecret": "s", "cipherSuite": {"phase1": {"encryption": ["AES-CBC-256"]}}},
            "cipherSuite.phase1.encryption: VPNTunnelCipherSuitePhase1Args has no input 'encryption'",
        ),
        ("gcp:compute/network:Network", {"routingMode": "global"}, "'global' is not a documented value"),
        (
            "command:remote:Command",
            {"connection": {"host": "h"}, "logging": "loud"},
            "'loud' is not one of",
        ),
        ("openstack:vpnaas/siteConnection:SiteConnection", {"initiator": "both"}, "not a documented value"),
        (
            "azure-native:network:VirtualNetworkGatewayConnection",
            {
                "resourceGroupName": "rg",
                "connectionType": "IPsec",
                "ipsecPolicies": [{"dhGroup": "DHGroup5"}],
            },
            "ipsecPolicies[0].dhGroup: 'DHGroup5' is not one of",
        ),
    ],
    ids=[
        "unknown-key",
        "wrong-scalar",
        "number-as-string",
        "scalar-for-list",
        "missing-required",
        "outside-documented-set",
        "outside-documented-range",
        "nested-unknown-key",
        "gcp-possible-values",
        "enum",
        "openstack-plain-list",
        "azure-native-enum",
    ],
)
def test_the_checker_catches(token: str, inputs: dict[str, object], expected: str) -> None:
    problems = check_inputs(token, inputs)
    assert any(expected in p for p in problems), problems


def test_unknown_values_and_provider_strings_are_not_mistakes() -> None:
    assert check_inputs(VPN, {**GOOD_VPN, "customerGatewayId": {"__unknown__": True}}) == []
    # Provider configuration travels JSON-encoded (pulumi-aws's Provider calls to_json).
    assert check_inputs("pulumi:providers:aws", {"region": "us-east-1", "skipRegionValidation": "true"}) == []
    assert check_inputs("pulumi:providers:aws", {"skipRegionValidation": "maybe"}) != []


def test_value_lists_are_read_only_from_closed_sentences() -> None:
    assert documented_values("Possible values are: `REGIONAL`, `GLOBAL`.") == {"REGIONAL", "GLOBAL"}
    assert documented_values("Valid values are `ikev1 | ikev2`.") == {"ikev1", "ikev2"}
    assert documented_values("A valid value is response-only or bi-directional.") == {
        "response-only",
        "bi-directional",
    }
    # A range, a pattern or a remark is not a closed list: nothing is checked.
    assert documented_values("Valid values are group2, group5 and group14 to group31.") is None
    assert documented_values("Valid values are 3des, aes-128, aes-KKK-ctr (with KKK = 128).") is None
    assert documented_values("The name of the network.") is None
    schema = resource_schema("openstack:vpnaas/ikePolicy:IkePolicy")
    assert schema.props["pfs"].allowed is None and schema.props["ikeVersion"].allowed == {"v1", "v2"}
    assert resource_class("pulumi:providers:random").__module__.startswith("pulumi_random")
