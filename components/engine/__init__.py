"""What the Pulumi engine does, offline: run a program under the SDK's mock runtime and record every
registration (:mod:`.offline`), write the preview (:mod:`.preview`) and read previews, stack
exports and plans back (:mod:`.plans`, :mod:`.preview_json`), drive a policy pack over the
Analyzer protocol (:mod:`.analyzer`, :mod:`.check`, :mod:`.policy_config`), and decide what
``pulumi up`` would change against an earlier state (:mod:`.diff`, :mod:`.replacements`).

Why a layer of its own: the ``skyweave`` command is arguments, commands and reports; how the
engine behaves is a second product with its own sources (pulumi/pulumi's Go code, the SDK's
protos) and its own tests. Only :mod:`skyweave.cli` imports it (tests/test_layers.py). Importing
this package loads nothing: each module loads Pulumi, gRPC or the drivers only when imported.
"""
