"""Read a ``skyweave preview --format json`` document back: for ``graph``, ``simulate`` and
``inventory --from-json``, and for an estate built in code (its components' outputs, in-process).

Why from component outputs: a program that builds HybridVpc, MultiCloudApp and BareMetalPool
itself has no ``skyweave:`` keys to plan from, but every component registers what these commands
need as outputs (HybridVpc's ``layout`` and ``links``; each app's and pool's ``placements``,
``minHealthy`` and ``survive``; a pool's ``nodes``). A preview records them — ``run.component_outputs``
in-process, the ``component_outputs`` key (URN → outputs) of the preview JSON on disk.

Every problem with a file is a :class:`~skyweave.core.errors.ConfigError` naming the file and the
JSON path (``plan.json: resources[3].urn``), so the command exits 1 with one message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import files
from ..core.errors import ConfigError, ConfigIssue
from ..core.naming import BARE_METAL_POOL, HYBRID_VPC

if TYPE_CHECKING:
    from ..estate.simulate import Estate
    from .offline import OfflineRun

__all__ = ["PreviewDoc", "estate_of_run", "network_outputs", "read_preview"]


def _issue(path: str, message: str) -> ConfigError:
    return ConfigError([ConfigIssue(path, message, has_value=False)])


@dataclass(frozen=True)
class PreviewDoc:
    """The parts of a preview these commands read."""

    label: str
    project: str
    stack: str
    resources: Sequence[Mapping[str, Any]]
    component_outputs: Mapping[str, Mapping[str, Any]]

    def estate(self) -> Estate:
        from ..estate.simulate import estate_from_components

        try:
            return estate_from_components(self.resources, self.component_outputs)
        except ValueError:
            raise _issue(self.label, _NO_NETWORK) from None

    def network_outputs(self) -> Mapping[str, Any]:
        return network_outputs(self.resources, self.component_outputs, self.label)

    def pool_nodes(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for res in sorted(self.resources, key=lambda r: str(r.get("name"))):
            if res.get("type") == BARE_METAL_POOL:
                nodes = self.component_outputs.get(str(res["urn"]), {}).get("nodes", [])
                out[str(res["name"])] = [dict(n) for n in nodes]
        return out


_NO_NETWORK = (
    "no HybridVpc with outputs in this preview: graph and simulate need the estate's network "
    "(a program that builds a skyweave.HybridVpc)"
)


def network_outputs(
    resources: Sequence[Mapping[str, Any]], component_outputs: Mapping[str, Mapping[str, Any]], label: str
) -> Mapping[str, Any]:
    """The outputs of the one HybridVpc among ``resources`` (its ``layout`` and ``links``: what a
    site graph is drawn from)."""
    networks = [r for r in resources if r.get("type") == HYBRID_VPC and component_outputs.get(str(r["urn"]))]
    if not networks:
        raise _issue(label, _NO_NETWORK)
    if len(networks) > 1:
        names = ", ".join(sorted(str(r.get("name")) for r in networks))
        raise _issue(label, f"several HybridVpcs ({names}): a site graph is drawn for one network")
    return component_outputs[str(networks[0]["urn"])]


def read_preview(path: Path, *, need_component_outputs: bool = False) -> PreviewDoc:
    """Parse and check ``path``, the output of ``skyweave preview --format json``."""
    label = str(path)
    doc = files.read_json(path, label)
    if not isinstance(doc, dict) or not isinstance(doc.get("resources"), list):
        raise _issue(label, "not a preview: expected the JSON of `skyweave preview --format json`")
    for i, row in enumerate(doc["resources"]):
        if not isinstance(row, dict):
            raise _issue(f"{label}: resources[{i}]", "must be an object")
        for key in ("urn", "type", "name"):
            if not isinstance(row.get(key), str):
                raise _issue(f"{label}: resources[{i}].{key}", "missing (a string is required)")
    outputs = doc.get("component_outputs")
    if outputs is None and need_component_outputs:
        raise _issue(
            f"{label}: component_outputs",
            "missing: this preview was written by an older skyweave; run `skyweave preview "
            "--format json` again",
        )
    if outputs is not None and not (
        isinstance(outputs, dict) and all(isinstance(v, dict) for v in outputs.values())
    ):
        raise _issue(f"{label}: component_outputs", "must map each component's URN to its outputs")
    return PreviewDoc(
        label=label,
        project=str(doc.get("project") or "project"),
        stack=str(doc.get("stack") or "stack"),
        resources=doc["resources"],
        component_outputs=outputs or {},
    )


def estate_of_run(run: OfflineRun, label: str) -> Estate:
    """The estate an offline run built (for an estate built in code)."""
    doc = PreviewDoc(
        label, run.project, run.stack, [r.as_dict() for r in run.resources], run.component_outputs
    )
    return doc.estate()
