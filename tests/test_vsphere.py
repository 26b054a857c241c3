"""VMware vSphere (docs/vsphere.md): the site model and its errors, port groups from the stack
file's VLANs and the estate's IPAM, the explicit provider, and the appliance pair's links to every
vendor in each pair's shape (the policy reader: test_vsphere_policy.py)."""

from __future__ import annotations

import inspect
import ipaddress
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pulumi_vsphere
import pytest
from conftest import run
from pydantic import ValidationError
from skyweave import HybridVpc, HybridVpcArgs
from skyweave.core.errors import ConfigError, InvalidArgsError, PlanningError
from skyweave.core.validation import issues_from_validation
from skyweave.drivers.vsphere import inventory
from skyweave.engine.offline import OfflineRun, Registration
from skyweave.estate.config import parse_stack_config
from skyweave.network.appliance import render_appliance
from skyweave.network.hybrid_vpc import plan_hybrid_vpc

ROOT = Path(__file__).resolve().parent.parent
VS: dict[str, Any] = {
    "name": "vs-dc1",
    "vendor": "vsphere",
    "region": "dc1",
    "vcenter": "vcenter.dc1.example.net",
    "datacenter": "DC1",
    "distributed_switch": "dvs-main",
    "datastore": "vsan-dc1",
    "zones": ["cluster-a", "cluster-b"],
    "port_groups": [{"name": "main", "vlan_id": 110}, {"name": "data", "vlan_id": 120, "slot": 3}],
    "appliance_pair": {
        "template": "debian-12-cloud",
        "public_ips": ["203.0.113.40", "203.0.113.41"],
        "next_hop_host": 6,
    },
    "cidr": "10.9.0.0/16",
}
AWS = {"name": "aws-use1", "vendor": "aws", "region": "us-east-1", "zones": ["us-east-1a", "us-east-1b"]}
GCP = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}
AZ = {
    "name": "azure-weu1",
    "vendor": "azure",
    "region": "westeurope",
    "subscription_id": "11111111-2222-4333-8444-555555555555",
}
PREM = {
    "name": "onprem",
    "vendor": "onprem",
    "region": "fra",
    "cidrs": ["10.200.0.0/16"],
    "vpn_peer_ip": "203.0.113.10",
    "vpn_secondary_peer_ip": "203.0.113.11",
    "bgp": True,
}
OS = {"name": "os-dc1", "vendor": "openstack", "region": "RegionOne", "cloud": "dc1"}
VM = "vsphere:index/virtualMachine:VirtualMachine"
PORT_GROUP = "vsphere:index/distributedPortGroup:DistributedPortGroup"
RULE = "vsphere:index/computeClusterVmAntiAffinityRule:ComputeClusterVmAntiAffinityRule"


def build(*sites: dict[str, Any], **connectivity: Any) -> OfflineRun:
    args = {"sites": list(sites), "connectivity": connectivity}

    def program() -> None:
        net = HybridVpc("core", HybridVpcArgs.model_validate(args))
        pulumi.export("links", net.links)

    return run(program)


def of_type(result: OfflineRun, type_: str) -> list[Registration]:
    return sorted((r for r in result.resources if r.type == type_), key=lambda r: r.name)


def config_error(site: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config({"sites": [site]}, source="Pulumi.x.yaml")
    return str(caught.value)


def plan(*sites: dict[str, Any], **ipam: Any) -> None:
    raw = {"sites": list(sites), "ipam": ipam} if ipam else {"sites": list(sites)}
    try:
        args = HybridVpcArgs.model_validate(raw)
    except ValidationError as exc:
        raise InvalidArgsError(issues_from_validation(exc, raw, HybridVpcArgs)) from None
    plan_hybrid_vpc(args)


# --- slice 1: the site model, its errors, the port groups and the provider ----------------------


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"zones": []}, "sites[0].zones", "compute clusters"),
        ({"port_groups": []}, "sites[0].port_groups", "at least `main`"),
        (
            {"port_groups": [{"name": "data", "vlan_id": 120}]},
            "sites[0].port_groups",
            "no port group is named 'main'",
        ),
        (
            {"port_groups": [{"name": "main", "vlan_id": 110}, {"name": "data", "vlan_id": 110, "slot": 1}]},
            "sites[0].port_groups[1].vlan_id",
            "port_groups[0] has it too",
        ),
        (
            {"port_groups": [{"name": "main", "vlan_id": 110}, {"name": "data", "vlan_id": 120}]},
            "sites[0].port_groups[1].slot",
            "each port group needs its own slot",
        ),
        ({"port_groups": [{"name": "main", "vlan_id": 4095}]}, "sites[0].port_groups[0].vlan_id", "4094"),
        ({"vcenter": "https://vc/"}, "sites[0].vcenter", "without scheme, port or path"),
        (
            {"appliance_pair": {**VS["appliance_pair"], "public_ips": ["10.0.0.1", "203.0.113.41"]}},
            "sites[0].appliance_pair.public_ips",
            "10.0.0.1 is not a public address",
        ),
        (
            {"appliance_pair": {**VS["appliance_pair"], "next_hop_host": 5}},
            "sites[0].appliance_pair.next_hop_host",
            "three different host numbers",
        ),
        (
            {"appliance_pair": {**VS["appliance_pair"], "hosts": [1, 5]}},
            "sites[0].appliance_pair.hosts[0]",
            "host 1 is the port group's router",
        ),
        (
            {"appliance_pair": {"public_ips": ["203.0.113.40", "203.0.113.41"], "next_hop_host": 6}},
            "sites[0].appliance_pair.template",
            "cloning needs vCenter",
        ),
    ],
)
def test_a_bad_site_is_a_config_error_naming_the_key(change: dict[str, Any], key: str, words: str) -> None:
    message = config_error({**VS, **change})
    assert f"skyweave:{key}" in message and words in message, message


def test_a_host_outside_the_subnet_is_refused_while_planning() -> None:
    site = {**VS, "appliance_pair": {**VS["appliance_pair"], "next_hop_host": 20}}
    with pytest.raises(PlanningError, match=r"host 20 does not fit a /28 subnet \(hosts 1-14"):
        plan(site, supernet="10.0.0.0/8", site_prefix=16, subnet_prefix=28)


def test_without_the_extra_a_vsphere_site_is_a_config_error_naming_it() -> None:
    code = f"""
import sys
sys.modules["pulumi_vsphere"] = None  # as if `pip install skyweave` without the extra
from skyweave.core.errors import ConfigError
from skyweave.estate.config import parse_stack_config
try:
    parse_stack_config({{"sites": [{VS!r}]}}, source="Pulumi.x.yaml")
except ConfigError as exc:
    print(exc)
print("sdks:", [m for m, v in sys.modules.items() if v is not None and m.split(".")[0].startswith("pulumi_")])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "skyweave:sites[0].vendor" in out.stdout
    assert "pip install 'skyweave[vsphere]'" in out.stdout
    assert "sdks: []" in out.stdout, "validating a stack file loads no provider SDK"


def test_port_groups_carry_the_stack_files_vlans_and_ipam_subnets() -> None:
    result = build(VS, topology="none")
    groups = {r.name: r.inputs for r in of_type(result, PORT_GROUP)}
    assert set(groups) == {"core-port-group-vs-dc1-main", "core-port-group-vs-dc1-data"}
    main, data = groups["core-port-group-vs-dc1-main"], groups["core-port-group-vs-dc1-data"]
    assert (main["vlanId"], data["vlanId"]) == (110, 120)
    # Slots from the stack file: main at 0, data at 3 (IPAM's default /20 subnets in 10.9.0.0/16).
    assert "10.9.0.0/20" in main["description"] and "10.9.48.0/20" in data["description"]
    assert main["name"] == "core-port-group-vs-dc1-main"
    assert {main["allowPromiscuous"], main["allowMacChanges"], main["allowForgedTransmits"]} == {False}


def test_the_site_has_its_own_provider_and_no_credentials_in_the_program() -> None:
    result = build({**VS, "allow_unverified_ssl": True}, topology="none")
    (provider,) = of_type(result, "pulumi:providers:vsphere")
    assert provider.inputs["vsphereServer"] == "vcenter.dc1.example.net"
    assert provider.inputs["allowUnverifiedSsl"] in (True, "true")
    assert not {"user", "password"} & provider.inputs.keys()
    # The provider documents where the credentials come from: VSPHERE_USER / VSPHERE_PASSWORD.
    declared = inspect.signature(pulumi_vsphere.Provider._internal_init).parameters
    assert {"user", "password", "vsphere_server"} <= declared.keys()
    for group in of_type(result, PORT_GROUP):
        assert group.provider is not None and group.provider.startswith(provider.urn)


# --- slice 2: the appliance pair's links -------------------------------------------------------


OS_APPLIANCE = {**OS, "vpn": "appliance", "vpn_appliance": {"image": "debian-12", "flavor": "m1.small"}}


@pytest.mark.parametrize("peer", [AWS, GCP, AZ, PREM], ids=lambda p: p["vendor"])
def test_links_to_every_vendor_take_the_appliances_shape(peer: dict[str, Any]) -> None:
    """Each pair gets the shape an appliance pair gets with that vendor (the OpenStack one's)."""
    result = build(VS, peer)
    (link,) = result.outputs["links"]["links"].values()
    (theirs,) = build(OS_APPLIANCE, peer).outputs["links"]["links"].values()
    assert (link["shape"], link["routing"], link["tunnels"]) == (theirs["shape"], "bgp", theirs["tunnels"])
    assert link["redundant"] is True
    vms = of_type(result, VM)
    assert [v.name for v in vms] == ["core-appliance-vs-dc1-0", "core-appliance-vs-dc1-1"]


@pytest.mark.parametrize("os_site", [OS, OS_APPLIANCE], ids=["vpnaas", "appliance"])
def test_openstack_is_refused_with_the_reason(os_site: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgsError, match="vs-dc1"):
        plan(VS, os_site)


def test_a_site_without_an_appliance_cannot_be_linked() -> None:
    site = {k: v for k, v in VS.items() if k != "appliance_pair"}
    with pytest.raises(InvalidArgsError, match="vs-dc1"):
        plan(site, AWS)


def _extra(vm: Registration) -> dict[str, Any]:
    extra: dict[str, Any] = vm.inputs["extraConfig"]
    return extra


def test_the_appliances_boot_with_static_addresses_and_the_shared_rendering() -> None:
    result = build(VS, AWS)
    vms = of_type(result, VM)
    for i, vm in enumerate(vms):
        extra = _extra(vm)
        meta = json.loads(__import__("base64").b64decode(extra["guestinfo.metadata"]))
        (ethernet,) = meta["network"]["ethernets"].values()
        assert ethernet["addresses"] == [f"10.9.0.{4 + i}/20"]
        assert ethernet["routes"] == [{"to": "default", "via": "10.9.0.1"}]
        assert extra["guestinfo.metadata.encoding"] == "base64"
        assert extra["guestinfo.skyweave.role"] == "vpn-appliance"
        # The user data holds the PSKs: masked in the recording, as a secret.
        assert extra["guestinfo.userdata"] == "[secret]"
        routes = json.loads(extra["guestinfo.skyweave.routes"])
        assert routes == [{"to": "10.1.0.0/16", "via": "10.9.0.6"}] or all(
            r["via"] == "10.9.0.6" for r in routes
        )
        ingress = json.loads(extra["guestinfo.skyweave.ingress"])
        assert {(r["protocol"], r.get("port")) for r in ingress} == {
            ("udp", 500),
            ("udp", 4500),
            ("esp", None),
        }
        assert vm.inputs["clone"]["templateUuid"]
        assert vm.inputs["numCpus"] == 2 and vm.inputs["memory"] == 2048
    # Two clusters: one appliance in each, no DRS rule needed.
    pools = {vm.inputs["resourcePoolId"] for vm in vms}
    assert len(pools) == 2 and not of_type(result, RULE)


def test_one_cluster_keeps_the_pair_apart_with_a_mandatory_drs_rule() -> None:
    result = build({**VS, "zones": ["cluster-a"]}, AWS)
    (rule,) = of_type(result, RULE)
    assert rule.inputs["mandatory"] is True and len(rule.inputs["virtualMachineIds"]) == 2


def test_the_rendering_is_the_openstack_appliances() -> None:
    """The vSphere pair boots exactly what render_appliance makes (no copy of the rendering)."""
    from skyweave.drivers.vsphere import appliance

    source = inspect.getsource(appliance)
    assert "swanctl" not in source and "keepalived.conf" not in source
    assert render_appliance.__module__ == "skyweave.network.appliance"


def test_perpetual_diffs_are_real_virtual_machine_inputs() -> None:
    """pulumi/pulumi-vsphere#472: the ignored inputs exist on the installed SDK's VirtualMachine."""
    declared = inspect.signature(pulumi_vsphere.VirtualMachineArgs.__init__).parameters
    assert set(inventory.PERPETUAL_DIFFS) <= declared.keys()


def test_every_clone_ignores_the_perpetual_diffs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[pulumi.ResourceOptions] = []
    real = pulumi_vsphere.VirtualMachine

    class Recording(real):  # type: ignore[misc, valid-type]
        def __init__(self, resource_name: str, *args: Any, **kw: Any) -> None:
            seen.append(kw.get("opts") or pulumi.ResourceOptions())
            super().__init__(resource_name, *args, **kw)

    monkeypatch.setattr(pulumi_vsphere, "VirtualMachine", Recording)
    build(VS, AWS)
    assert len(seen) == 2
    for opts in seen:
        assert set(inventory.PERPETUAL_DIFFS) <= set(opts.ignore_changes or [])
        assert "extra_config" in (opts.ignore_changes or [])


def test_the_next_hop_and_addresses_are_in_the_main_subnet() -> None:
    result = build(VS, AWS)
    subnet = ipaddress.ip_network("10.9.0.0/20")
    for vm in of_type(result, VM):
        for route in json.loads(_extra(vm)["guestinfo.skyweave.routes"]):
            assert ipaddress.ip_address(route["via"]) in subnet


# --- slice 3: MultiCloudApp on vSphere ----------------------------------------------------------

VS_APP = {**VS, "ingress_ip": "203.0.113.42"}
APP: dict[str, Any] = {
    "sites": ["aws-use1", "vs-dc1"],
    "images": {"aws": "ami-0a1b2c3d4e5f60718", "vsphere": "debian-12-web"},
    "sizes": {"aws": "t3.small", "vsphere": "2cpu-4096mb"},
    "min_healthy": 4,
    "survive": "vendor",
    "availability": {"vs-dc1": 0.999},
}


def build_app(
    app: dict[str, Any], site: dict[str, Any] | None = None, extra: list[dict[str, Any]] | None = None
) -> OfflineRun:
    from skyweave import MultiCloudApp, SiteProviders

    def program() -> None:
        parsed = HybridVpcArgs.model_validate(
            {"sites": [AWS, site or VS_APP, *(extra or [])], "connectivity": {"topology": "none"}}
        )
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        web = MultiCloudApp("web", app, network=net, providers=providers)
        pulumi.export("availability", web.availability)

    return run(program)


def test_app_vms_spread_over_clusters_with_a_mandatory_rule_per_cluster() -> None:
    result = build_app(APP)
    vms = [v for v in of_type(result, VM) if v.name.startswith("web-")]
    clusters: dict[str, list[Registration]] = {}
    for vm in vms:
        clusters.setdefault(_extra(vm)["guestinfo.skyweave.cluster"], []).append(vm)
    # Survive losing AWS: vSphere alone carries min_healthy 4, over both clusters.
    assert set(clusters) == {"cluster-a", "cluster-b"} and sum(len(v) for v in clusters.values()) >= 4
    rules = of_type(result, RULE)
    assert {r.name for r in rules} == {f"web-anti-affinity-vs-dc1-{c}" for c in clusters}
    for rule in rules:
        assert rule.inputs["mandatory"] is True
        cluster = rule.name.rsplit("-vs-dc1-", 1)[1]
        assert len(rule.inputs["virtualMachineIds"]) == len(clusters[cluster])
    for vm in vms:
        assert (vm.inputs["numCpus"], vm.inputs["memory"]) == (2, 4096)
        assert _extra(vm)["guestinfo.skyweave.role"] == "app"
        assert "network" not in json.loads(__import__("base64").b64decode(_extra(vm)["guestinfo.metadata"]))


def test_the_operators_figure_is_the_sites_availability() -> None:
    result = build_app(APP)
    sites = {s["site"]: s for s in result.outputs["availability"]["sites"]}
    assert sites["vs-dc1"]["availability"] == 0.999


def test_no_published_sla_means_the_operator_states_one() -> None:
    app = {k: v for k, v in APP.items() if k != "availability"}
    with pytest.raises(InvalidArgsError, match=r"availability\.vs-dc1"):
        build_app(app)


def test_an_app_site_needs_the_operators_load_balancer() -> None:
    with pytest.raises(InvalidArgsError, match="no load balancer of its own; declare `ingress_ip`"):
        build_app(APP, site=VS)


def test_a_bad_vm_shape_names_the_key() -> None:
    # Judged while planning (the driver's app_value_problems), at the key the user wrote.
    with pytest.raises(
        InvalidArgsError, match=r"sizes\.vsphere: 'large': not a vSphere VM shape.*<vCPUs>cpu-<MiB>mb"
    ):
        build_app({**APP, "sizes": {"aws": "t3.small", "vsphere": "large"}})


def test_a_bucket_refuses_a_vsphere_copy_with_the_reason() -> None:
    from skyweave import MultiCloudBucket, SiteProviders

    def program() -> None:
        parsed = HybridVpcArgs.model_validate({"sites": [AWS, VS_APP], "connectivity": {"topology": "none"}})
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        MultiCloudBucket("data", {"primary": "aws-use1", "copies": [{"site": "vs-dc1"}]}, network=net,
                         providers=providers)  # fmt: skip

    with pytest.raises(InvalidArgsError, match=r"copies\[0\]\.site") as caught:
        run(program)
    assert "vendor 'vsphere' does not support 'object_storage'" in str(caught.value)


def test_simulate_fails_each_cluster_and_the_site_and_the_app_survives() -> None:
    from skyweave.estate.simulate import simulate

    config = parse_stack_config(
        {"sites": [AWS, VS_APP], "apps": [{"name": "web", **APP}]}, source="Pulumi.x.yaml"
    )
    report = simulate(config, stack="x")
    domains = {(str(f.kind), f.domain): f for f in report.failures}
    # The site's zones are its compute clusters; its region (the datacenter) and vendor fail whole.
    for key in (("zone", "vsphere/dc1/cluster-a"), ("zone", "vsphere/dc1/cluster-b"),
                ("region", "vsphere/dc1"), ("vendor", "vsphere")):  # fmt: skip
        assert key in domains, sorted(domains)
        (web,) = domains[key].apps
        assert web.survived and web.remaining >= 4, (key, web)
    assert report.survived


def test_the_docs_example_site_is_valid() -> None:
    """docs/vsphere.md's example site, as written, validates and plans."""
    import re

    import yaml

    text = (ROOT / "docs" / "vsphere.md").read_text()
    block, hosted = re.findall(r"```yaml\n(.*?)```", text, re.S)
    (site,) = yaml.safe_load(block)
    config = parse_stack_config({"sites": [site, AWS]}, source="docs/vsphere.md")
    assert {s.name for s in config.sites} == {"vs-dc1", "aws-use1"}
    config = parse_stack_config({"sites": [{**site, **yaml.safe_load(hosted)}]}, source="docs/vsphere.md")
    assert config.sites[0].hosted_on == "aws:us-east-1"  # type: ignore[attr-defined]


def test_preview_diff_shows_ignored_changes_as_ignored(tmp_path: Path) -> None:
    """A link added changes the appliances' user data (extraConfig), which the VMs ignore: the
    diff reports it as ignored, as `pulumi up` would leave it, not as an update of the VMs."""
    from skyweave.engine.diff import DiffMonitor, diff_run, load_base
    from skyweave.engine.offline import run_program
    from skyweave.engine.preview import render_json

    GCP_SITE = {"name": "gcp-euw1", "vendor": "gcp", "region": "europe-west1", "project": "proj-12345"}

    def program(*sites: dict[str, Any]) -> Any:
        return lambda: HybridVpc("core", HybridVpcArgs.model_validate({"sites": list(sites)}))

    base = run_program(program(VS, AWS), project="p", stack="s")
    path = tmp_path / "base.json"
    path.write_text(render_json(base))
    monitor = DiffMonitor()
    run = run_program(program(VS, AWS, GCP_SITE), project="p", stack="s", monitor=monitor)
    # What the engine receives: the SDK's wire names of the perpetual diffs and the user data.
    vm_urns = [r.urn for r in run.resources if r.type == VM]
    for urn in vm_urns:
        assert set(monitor.ignore_changes[urn]) == {"eptRviMode", "hvMode", "syncTimeWithHost", "extraConfig"}
    diff = diff_run(run, monitor, load_base(path))
    # The annotation (what the edge must let through now) updates in place; nothing else does.
    pair = [c for c in diff.changes if c.name.startswith("core-appliance-vs-dc1-")]
    assert [(c.op, [k.key for k in c.keys]) for c in pair] == [("update", ["annotation"])] * 2
    ignored = [n for n in diff.notes if n.startswith("ignored (ignore_changes")]
    assert {n.rsplit(": ", 2)[-2] for n in ignored} == {"core-appliance-vs-dc1-0", "core-appliance-vs-dc1-1"}
    assert all(n.endswith(": extraConfig") for n in ignored)


def test_dns_checks_the_operators_load_balancer_over_https() -> None:
    """With TLS the VMs terminate it (the operator's balancer passes 443 through): DNS probes the
    site's ingress_ip with HTTPS on the https_port, never the port that only redirects."""
    app = {
        **APP,
        "port": 8080,
        "https_port": 443,
        "tls_certificates": {
            "aws": "arn:aws:acm:us-east-1:123456789012:certificate/2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d"
        },
        "dns": {"vendor": "aws", "zone": "Z0123456789EXAMPLE", "record_name": "shop.example.com"},
    }
    result = build_app(app)
    checks = [r.inputs for r in of_type(result, "aws:route53/healthCheck:HealthCheck")]
    (ours,) = [c for c in checks if c.get("ipAddress") == "203.0.113.42"]
    assert (ours["type"], ours["port"]) == ("HTTPS", 443)
