"""Entry point of the skyweave component provider plugin (see PulumiPlugin.yaml).

The engine starts it through the Python language host; it serves the package schema inferred from
the components' types, and constructs HybridVpc, MultiCloudApp, MultiCloudBucket and BareMetalPool
for programs in other languages. The components live in the skyweave package (skyweave.bridge.provider).
"""

from skyweave.bridge.provider import host

if __name__ == "__main__":
    host()  # the SDK's component_provider_host, answering refusals as one message
