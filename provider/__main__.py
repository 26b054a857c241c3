"""Entry point of the skyweave component provider plugin (see PulumiPlugin.yaml).

The engine starts it through the Python language host; it serves the package schema inferred from
the components' types, and constructs HybridVpc, MultiCloudApp, MultiCloudBucket and BareMetalPool
for programs in other languages. The components live in the skyweave package (skyweave.bridge.provider).
"""

import skyweave
from pulumi.provider.experimental import component_provider_host
from skyweave.bridge.provider import COMPONENTS, PACKAGE

if __name__ == "__main__":
    component_provider_host(COMPONENTS, name=PACKAGE, version=skyweave.__version__)
