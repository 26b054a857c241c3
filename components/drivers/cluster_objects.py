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

from typing import TYPE_CHECKING

import pulumi

from .clusters import ClusterHandle
from .sdk import lazy_sdk
from .site import SiteContext

if TYPE_CHECKING:
    import pulumi_kubernetes as kubernetes
else:
    kubernetes = lazy_sdk("pulumi_kubernetes")

__all__ = ["PROVIDER_SETTINGS", "cluster_provider"]

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
