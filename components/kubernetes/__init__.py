"""KubernetesFleet: managed Kubernetes clusters over several sites and vendors (docs/kubernetes.md)."""
