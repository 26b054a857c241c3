"""skyweave's CrossGuard pack: `pulumi preview --policy-pack policies`. The rules live in the
library (skyweave.policy) so they can be tested and reused; this file only builds the pack.
Nothing may print to stdout before PolicyPack(): the engine reads the first line as the port.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from skyweave.policy import build_policies

PolicyPack(
    name="skyweave",
    policies=build_policies(fast_path=True),
    enforcement_level=EnforcementLevel.MANDATORY,
)
