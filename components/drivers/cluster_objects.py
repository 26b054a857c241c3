"""What runs *inside* a fleet's clusters, through ``pulumi-kubernetes``: each cluster's provider,
made from that cluster's own outputs, and the objects a workload is (a Deployment, a
PodDisruptionBudget, a Service of type LoadBalancer).

Vendor-neutral: the vendors' differences reach it as data (the cluster's kubeconfig in the
:class:`~.clusters.ClusterHandle`, the load balancer's annotations and address kind in the
:class:`~.clusters.ClusterTerms`). It lives with the drivers because it names a provider SDK,
which no layer above the drivers may (as :mod:`.cluster_secrets` does for random and tls).

The provider is never a default one and never reads a kubeconfig of the machine running Pulumi:
its ``kubeconfig`` is the cluster's (a Pulumi secret; the vendors' CLI plugins fetch short-lived
tokens, Magnum's holds the admin certificate), and every setting the provider would otherwise
take from the environment (``PULUMI_K8S_*``, pulumi-kubernetes' ``provider.py``) is given, so the
same program builds the same provider on every machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi

from .clusters import ClusterHandle, ClusterTerms, FixedAddresses, WorkloadSpec
from .sdk import lazy_sdk
from .site import SiteContext
from .stand_ins import DOCUMENTATION_NET_3, digest, documentation_address
from .workloads import AppEndpoint, EndpointKind

if TYPE_CHECKING:
    import pulumi_kubernetes as kubernetes
else:
    kubernetes = lazy_sdk("pulumi_kubernetes")

__all__ = [
    "PROVIDER_SETTINGS",
    "ZONE_LABEL",
    "cluster_provider",
    "create_workload",
    "preview_outputs",
]

#: The well-known node label of a node's zone, which every vendor's cloud provider sets (Kubernetes,
#: "Well-Known Labels, Annotations and Taints"): what a workload's topology spread keys on.
ZONE_LABEL = "topology.kubernetes.io/zone"
#: The label a workload's pods are selected by (Kubernetes' recommended labels).
NAME_LABEL = "app.kubernetes.io/name"

#: The provider settings pulumi-kubernetes reads from ``PULUMI_K8S_*`` variables when a program
#: leaves them out (its ``Provider._internal_init``), given here so no shell changes them:
#: server-side apply (the provider's default), no deletion of an unreachable cluster's objects
#: from the state, no silent adoption of objects that already exist.
PROVIDER_SETTINGS: dict[str, bool] = {
    "enable_server_side_apply": True,
    "delete_unreachable": False,
    "skip_update_unreachable": False,
    "upsert_existing_objects": False,
    "enable_config_map_mutable": False,
    "enable_secret_mutable": False,
    "enable_patch_force": False,
    "suppress_deprecation_warnings": False,
    "suppress_helm_hook_warnings": False,
}


def cluster_provider(ctx: SiteContext, handle: ClusterHandle) -> pulumi.ProviderResource:
    """The ``pulumi-kubernetes`` provider of ``handle``'s cluster (``{component}-k8s-{site}``).

    Its kubeconfig is the cluster's, a Pulumi secret in the state as in the program; its
    ``cluster_identifier`` is the cluster's name, so a new token, CA or endpoint updates the
    provider instead of replacing it (and with it every object of the cluster)."""
    kubeconfig: pulumi.Output[str] = pulumi.Output.secret(handle.kubeconfig)  # already one: stays one
    provider: pulumi.ProviderResource = kubernetes.Provider(
        ctx.name("k8s"),
        kubeconfig=kubeconfig,
        cluster_identifier=handle.name,
        opts=pulumi.ResourceOptions(parent=ctx.parent, additional_secret_outputs=["kubeconfig"]),
        **PROVIDER_SETTINGS,
    )
    return provider


def create_workload(
    ctx: SiteContext,
    provider: pulumi.ProviderResource,
    handle: ClusterHandle,
    terms: ClusterTerms,
    spec: WorkloadSpec,
    fixed: FixedAddresses | None = None,
) -> AppEndpoint:
    """``spec`` on ``handle``'s cluster through ``provider``: a Deployment whose pods spread over
    the cluster's zones (``DoNotSchedule``: a zone holding more than one pod beyond another's is
    refused, so losing a zone loses at most its share), a PodDisruptionBudget letting a drain take
    one pod at a time, and a Service of type LoadBalancer with the vendor's annotations. Returns
    the site's entry point as the app's DNS takes it (the load balancer's address, its kind, the
    site's pods as its weight).

    With ``fixed`` (the driver's fixed addresses, made ahead of the load balancer), the Service
    also carries the annotations that give them to it, and DNS targets those addresses (an IP
    endpoint), taken once the Service's load balancer exists."""
    selector = {NAME_LABEL: spec.name}
    labels = {**spec.labels, **selector}
    # After the cluster's nodes: the Deployment's pods need nodes to run on (pulumi-kubernetes
    # waits for its rollout) and the load balancer forwards to them; the dependency also says,
    # to the policy pack, which compute the Service's DNS records reach.
    nodes = [r for key, r in handle.resources.items() if key == "cluster" or key.startswith("nodes-")]
    opts = pulumi.ResourceOptions(parent=ctx.parent, provider=provider, depends_on=nodes)
    meta = kubernetes.meta.v1
    core = kubernetes.core.v1

    def metadata(annotations: Mapping[str, pulumi.Input[str]] | None = None) -> Any:
        return meta.ObjectMetaArgs(
            name=spec.name,
            namespace=spec.namespace,
            labels=labels,
            annotations=dict(annotations or {}) or None,
        )

    deployment = kubernetes.apps.v1.Deployment(
        ctx.name("deployment", spec.name),
        metadata=metadata(),
        spec=kubernetes.apps.v1.DeploymentSpecArgs(
            replicas=spec.replicas,
            selector=meta.LabelSelectorArgs(match_labels=selector),
            template=core.PodTemplateSpecArgs(
                metadata=meta.ObjectMetaArgs(labels=labels),
                spec=core.PodSpecArgs(
                    topology_spread_constraints=[
                        core.TopologySpreadConstraintArgs(
                            max_skew=1,
                            topology_key=ZONE_LABEL,
                            when_unsatisfiable="DoNotSchedule",
                            label_selector=meta.LabelSelectorArgs(match_labels=selector),
                        )
                    ],
                    containers=[
                        core.ContainerArgs(
                            name=spec.name,
                            image=spec.image,
                            ports=[core.ContainerPortArgs(name="http", container_port=spec.container_port)],
                            resources=core.ResourceRequirementsArgs(
                                requests={"cpu": spec.cpu, "memory": spec.memory}
                            ),
                            readiness_probe=core.ProbeArgs(
                                http_get=core.HTTPGetActionArgs(path=spec.health_path, port="http")
                            ),
                        )
                    ],
                ),
            ),
        ),
        opts=opts,
    )
    budget = kubernetes.policy.v1.PodDisruptionBudget(
        ctx.name("pdb", spec.name),
        metadata=metadata(),
        spec=kubernetes.policy.v1.PodDisruptionBudgetSpecArgs(
            max_unavailable=1, selector=meta.LabelSelectorArgs(match_labels=selector)
        ),
        opts=opts,
    )
    service = core.Service(
        ctx.name("service", spec.name),
        metadata=metadata({**terms.load_balancer_annotations, **(fixed.annotations if fixed else {})}),
        spec=core.ServiceSpecArgs(
            type="LoadBalancer",
            load_balancer_ip=fixed.load_balancer_ip if fixed else None,
            selector=selector,
            ports=[
                core.ServicePortArgs(name="http", port=spec.service_port, target_port="http", protocol="TCP")
            ],
        ),
        opts=opts,
    )
    resources = {"deployment": deployment, "pdb": budget, "service": service}
    if fixed is not None:
        # The addresses, once the Service's load balancer has taken them (its status is set).
        addresses: pulumi.Output[list[str]] = pulumi.Output.all(service.status, fixed.addresses).apply(
            lambda values: list(values[1])
        )
        return AppEndpoint(
            site=ctx.site.name,
            vendor=handle.vendor,
            kind=EndpointKind.IP,
            address=addresses.apply(lambda found: found[0]),
            addresses=addresses,
            weight=spec.replicas,
            resources={**resources, **fixed.resources},
        )
    field = "hostname" if terms.load_balancer is EndpointKind.HOSTNAME else "ip"
    address: pulumi.Output[str] = service.status.apply(lambda status: _ingress(status, field))
    return AppEndpoint(
        site=ctx.site.name,
        vendor=handle.vendor,
        kind=terms.load_balancer,
        address=address,
        weight=spec.replicas,
        alias_zone_id=handle.load_balancer_zone_id if terms.load_balancer is EndpointKind.HOSTNAME else None,
        resources=resources,
    )


def _ingress(status: Any, field: str) -> str:
    """The first ingress point's ``ip`` or ``hostname`` in a Service's status ("" before one)."""
    balancer = getattr(status, "load_balancer", None)
    points = getattr(balancer, "ingress", None) or []
    return str(getattr(points[0], field, None) or "") if points else ""


def preview_outputs(type_token: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The offline preview's stand-in for what a cluster computes: a Service of type LoadBalancer's
    ingress point. The stand-in names both an address (RFC 5737's TEST-NET-3) and a hostname under
    ``.invalid`` (RFC 2606); a vendor's cloud provider reports one of them, the one its
    :attr:`~.clusters.ClusterTerms.load_balancer` says, which is the one the workload reads."""
    if type_token != "kubernetes:core/v1:Service":
        return {}
    spec = inputs.get("spec") or {}
    if not isinstance(spec, Mapping) or spec.get("type") != "LoadBalancer":
        return {}
    point = {
        "ip": documentation_address(DOCUMENTATION_NET_3, "k8s-lb", name),
        "hostname": f"{name}-{digest('k8s-lb', name)[:12]}.lb.invalid",
    }
    return {"status": {"loadBalancer": {"ingress": [point]}}}
