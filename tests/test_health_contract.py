"""Every vendor serves the same HTTPS contract, and every health check agrees with it.

The contract of an app with ``tls_certificates`` (docs/config.md, ``skyweave:apps``): the site
answers HTTPS on ``https_port`` and its service port only redirects there. A health check that
expects HTTP 200 on a port that only redirects marks every healthy instance down, and the
vendor's automatic repairs (Azure's, GCP's autohealing, an Auto Scaling group on ELB checks)
replace them in a loop. So each probe must target a (protocol, port) that answers 200:

* the front door (what DNS checks probe): HTTPS on ``https_port``;
* the instances behind a load balancer that terminates TLS: the plain HTTP backend port (the
  load balancer forwards decrypted requests there; the redirect happens at the load balancer);
* the instances behind a passthrough load balancer: HTTPS on ``https_port`` (they terminate TLS
  and redirect the service port themselves).

Whether a site's load balancer terminates TLS is read from what it registered (an HTTPS or
TERMINATED_HTTPS listener), not from the driver's declared terms. What a probe accepts comes from
the SDKs' declarations: Azure's ``ProbeArgs.protocol`` ("a 200 OK response … is required").
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import run
from skyweave import HybridVpc, HybridVpcArgs, SiteProviders
from skyweave.app.multi_cloud_app import MultiCloudApp
from skyweave.engine.offline import OfflineRun, Registration
from test_azure import AZ_APP
from test_multi_cloud_app import AWS, BASE, GCP, OPENSTACK
from test_vsphere import VS_APP

HTTPS_PORT = 443
PORT = 8080
CERTS = {
    "aws": "arn:aws:acm:us-east-1:123456789012:certificate/2b3c4d5e-6f70-4a1b-8c2d-3e4f5a6b7c8d",
    "openstack": "https://barbican.dc1.example.net:9311/v1/containers/6f1c8a52-3e1b-4c4e-9a7d-2b3c4d5e6f70",
}
SITES = [AWS, GCP, OPENSTACK, AZ_APP, VS_APP]
#: vSphere has no load balancer of its own (docs/vsphere.md): the site's front door is the
#: operator's, at ``ingress_ip``, passing HTTPS through to the VMs; skyweave configures no
#: instance probe there, and DNS checks the front door like every other site's.
NO_OWN_LB = {VS_APP["name"]}
APP: dict[str, Any] = {
    **BASE,
    "images": {
        **BASE["images"],
        "azure": "Canonical:ubuntu-24_04-lts:server:latest",
        "vsphere": "debian-12-web",
    },
    "sizes": {**BASE["sizes"], "azure": "Standard_D2s_v5", "vsphere": "2cpu-4096mb"},
    "sites": [s["name"] for s in SITES],
    "port": PORT,
    "min_healthy": 8,
    "availability": {"os-dc1": 0.999, "vs-dc1": 0.999},
    "tls_certificates": CERTS,
    "https_port": HTTPS_PORT,
    "dns": {"vendor": "aws", "zone": "Z0123456789EXAMPLE", "record_name": "shop.example.com"},
}


def _build(app: dict[str, Any]) -> OfflineRun:
    def program() -> None:
        parsed = HybridVpcArgs.model_validate({"sites": SITES, "connectivity": {"topology": "none"}})
        providers = SiteProviders(parsed.sites)
        net = HybridVpc("core", parsed, providers=providers)
        MultiCloudApp("web", app, network=net, providers=providers)

    return run(program)


@pytest.fixture(scope="module")
def tls_run() -> OfflineRun:
    return _build(APP)


def _site(reg: Registration) -> str:
    return next(s["name"] for s in SITES if reg.name.endswith("-" + s["name"]))


def _terminates_tls(result: OfflineRun, site: str) -> bool:
    """The site's load balancer has a listener that decrypts (AWS HTTPS, Octavia TERMINATED_HTTPS)."""
    return any(
        r.name.endswith("-" + site) and r.inputs.get("protocol") in ("HTTPS", "TERMINATED_HTTPS")
        for r in result.resources
        if r.type in ("aws:lb/listener:Listener", "openstack:loadbalancer/listener:Listener")
    )


def _instance_probes(result: OfflineRun) -> Iterator[tuple[str, str, str, int, str | None]]:
    """(site, what, protocol, port, path) of every check that decides an instance's health."""
    for r in result.resources:
        i = r.inputs
        if r.type == "aws:lb/targetGroup:TargetGroup":
            check = i["healthCheck"]
            port = i["port"] if check["port"] == "traffic-port" else int(check["port"])
            yield _site(r), "target group", check["protocol"], port, check["path"]
        elif r.type == "gcp:compute/regionHealthCheck:RegionHealthCheck":
            for key, protocol in (("httpHealthCheck", "HTTP"), ("httpsHealthCheck", "HTTPS")):
                if key in i:
                    yield _site(r), "autohealing", protocol, i[key]["port"], i[key].get("requestPath")
        elif r.type == "azure-native:network:LoadBalancer":
            for probe in i["probes"]:
                yield _site(r), "lb probe", probe["protocol"].upper(), probe["port"], probe.get("requestPath")
        elif r.type == "openstack:loadbalancer/monitor:Monitor":
            members = [m for m in result.resources if m.type == "openstack:loadbalancer/member:Member"]
            yield _site(r), "monitor", i["type"], members[0].inputs["protocolPort"], i["urlPath"]


def _dns_checks(result: OfflineRun) -> Iterator[tuple[str, str, int, str]]:
    for r in result.resources:
        if r.type == "aws:route53/healthCheck:HealthCheck":
            yield r.name, r.inputs["type"], r.inputs["port"], r.inputs["resourcePath"]


def test_azure_serves_https_on_the_https_port_through_its_load_balancer(tls_run: OfflineRun) -> None:
    res = {r.name: r for r in tls_run.resources}
    lb = res["web-lb-azure-weu1"].inputs
    rules = {(r["frontendPort"], r["backendPort"], r["protocol"]) for r in lb["loadBalancingRules"]}
    assert rules == {(PORT, PORT, "Tcp"), (HTTPS_PORT, HTTPS_PORT, "Tcp")}
    rules_in = res["web-nsg-azure-weu1"].inputs["securityRules"]
    world = [r for r in rules_in if r.get("sourceAddressPrefix") == "Internet"]
    assert sorted(r["destinationPortRange"] for r in world) == sorted([str(PORT), str(HTTPS_PORT)])
    assert all(r["access"] == "Allow" for r in world)


def test_azure_http_and_https_probes_require_200_per_the_sdk() -> None:
    """The independent source for "a probe expects 200": the SDK's own declaration."""
    import pulumi_azure_native as azure

    doc = inspect.getdoc(azure.network.ProbeArgs.__init__) or ""
    assert "'Http' or 'Https' is specified, a 200 OK response" in doc
    assert {p.value for p in azure.network.ProbeProtocol} >= {"Http", "Https", "Tcp"}


def test_every_instance_probe_targets_a_port_that_answers_200(tls_run: OfflineRun) -> None:
    probes = list(_instance_probes(tls_run))
    assert {site for site, *_ in probes} == {s["name"] for s in SITES} - NO_OWN_LB, (
        "every vendor's probe is read"
    )
    for site, what, protocol, port, path in probes:
        serves_200 = {("HTTP", PORT)} if _terminates_tls(tls_run, site) else {("HTTPS", HTTPS_PORT)}
        assert (protocol, port) in serves_200, (
            f"{site}'s {what} probes {protocol}:{port}, which only redirects; 200 is served on {serves_200}"
        )
        assert path == "/healthz"


def test_every_dns_check_probes_the_https_front_door(tls_run: OfflineRun) -> None:
    checks = list(_dns_checks(tls_run))
    assert {name.rsplit("-check-", 1)[1] for name, *_ in checks} == {s["name"] for s in SITES}
    for name, protocol, port, path in checks:
        assert (protocol, port, path) == ("HTTPS", HTTPS_PORT, "/healthz"), name
    # vSphere's front door is the operator's load balancer, which the check probes by address
    (vs,) = [
        r for r in tls_run.resources if r.type == "aws:route53/healthCheck:HealthCheck" and "vs-dc1" in r.name
    ]
    assert vs.inputs["ipAddress"] == VS_APP["ingress_ip"]


def test_without_tls_every_probe_is_plain_http_on_the_service_port() -> None:
    app = {k: v for k, v in APP.items() if k != "tls_certificates"}
    result = _build(app)
    for site, what, protocol, port, _ in _instance_probes(result):
        assert (protocol, port) == ("HTTP", PORT), (site, what)
    for name, protocol, port, _ in _dns_checks(result):
        assert (protocol, port) == ("HTTP", PORT), name
    lb = next(r for r in result.resources if r.name == "web-lb-azure-weu1").inputs
    assert [r["frontendPort"] for r in lb["loadBalancingRules"]] == [PORT]


def test_traffic_managers_probe_follows_the_contract_too() -> None:
    """Azure's DNS (Traffic Manager) probes the HTTPS front door of every site, like Route 53."""
    app = {**APP, "dns": {"vendor": "azure", "zone": "dns-rg/example.com", "record_name": "shop.example.com"}}
    result = _build(app)
    [profile] = [r for r in result.resources if r.type == "azure-native:trafficmanager:Profile"]
    monitor = profile.inputs["monitorConfig"]
    assert (monitor["protocol"], monitor["port"], monitor["path"]) == ("HTTPS", HTTPS_PORT, "/healthz")
    plain = _build({**{k: v for k, v in app.items() if k != "tls_certificates"}})
    [profile] = [r for r in plain.resources if r.type == "azure-native:trafficmanager:Profile"]
    assert (profile.inputs["monitorConfig"]["protocol"], profile.inputs["monitorConfig"]["port"]) == (
        "HTTP",
        PORT,
    )


def _public_ports(result: OfflineRun) -> dict[str, set[int]]:
    """Per site, the ports its load balancer serves to the internet, read from what it registered."""
    ports: dict[str, set[int]] = {s["name"]: set() for s in SITES}
    for r in result.resources:
        i = r.inputs
        if r.type == "aws:lb/listener:Listener" and not r.name.startswith("web-nlb"):
            ports[_site(r)].add(i["port"])
        elif r.type == "gcp:compute/forwardingRule:ForwardingRule":
            ports[_site(r)] |= {int(p) for p in i["ports"]}
        elif r.type == "azure-native:network:LoadBalancer":
            ports[_site(r)] |= {rule["frontendPort"] for rule in i["loadBalancingRules"]}
        elif r.type == "openstack:loadbalancer/listener:Listener":
            ports[_site(r)].add(i["protocolPort"])
        elif r.type == "vsphere:index/virtualMachine:VirtualMachine" and r.name.startswith("web-"):
            # the operator's load balancer serves what each VM's guestinfo tells it (docs/vsphere.md)
            extra = i["extraConfig"]
            if "guestinfo.skyweave.https_port" in extra:
                ports[VS_APP["name"]].add(int(extra["guestinfo.skyweave.https_port"]))
            if extra.get("guestinfo.skyweave.plain_http") != "closed":
                ports[VS_APP["name"]].add(int(extra["guestinfo.skyweave.port"]))
    return ports


def test_the_service_port_redirects_by_default_on_every_vendor(tls_run: OfflineRun) -> None:
    assert _public_ports(tls_run) == {s["name"]: {PORT, HTTPS_PORT} for s in SITES}


def test_plain_http_closed_leaves_only_https_open_on_every_vendor() -> None:
    """plain_http: closed — the same contract everywhere: only https_port reaches the internet, and
    every probe still targets a port that answers 200."""
    result = _build({**APP, "plain_http": "closed"})
    assert _public_ports(result) == {s["name"]: {HTTPS_PORT} for s in SITES}
    res = {r.name: r for r in result.resources}
    aws_world = {rule["fromPort"] for rule in res["web-lb-sg-aws-use1"].inputs["ingress"]}
    assert aws_world == {HTTPS_PORT}
    azure_world = [
        r
        for r in res["web-nsg-azure-weu1"].inputs["securityRules"]
        if r.get("sourceAddressPrefix") == "Internet"
    ]
    assert [r["destinationPortRange"] for r in azure_world] == [str(HTTPS_PORT)]
    assert res["web-fw-service-gcp-euw1"].inputs["allows"] == [
        {"protocol": "tcp", "ports": [str(HTTPS_PORT)]}
    ]
    assert "web-https-redirect-os-dc1" not in res
    for site, what, protocol, port, _ in _instance_probes(result):
        serves_200 = {("HTTP", PORT)} if _terminates_tls(result, site) else {("HTTPS", HTTPS_PORT)}
        assert (protocol, port) in serves_200, (site, what)


def test_plain_http_closed_needs_https() -> None:
    from skyweave import InvalidArgsError

    app = {k: v for k, v in APP.items() if k != "tls_certificates"}
    with pytest.raises(InvalidArgsError) as info:
        _build({**app, "plain_http": "closed"})
    assert "plain_http" in str(info.value) and "needs tls_certificates" in str(info.value)
