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

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from .. import files
from ..core.display import UNKNOWN
from ..core.errors import ConfigError, ConfigIssue
from ..core.naming import BARE_METAL_POOL, HYBRID_VPC, MULTI_CLOUD_APP, NAME_PATTERN
from ..planning.failure import FailureKind

if TYPE_CHECKING:
    from ..estate.simulate import Estate
    from .offline import OfflineRun

__all__ = ["PreviewDoc", "estate_of_run", "network_outputs", "read_preview"]

# --- what graph, simulate and inventory read from component outputs -------------------------
# Checked when a preview JSON is read, so a value of the wrong type is one message naming its
# path (never a KeyError in a renderer), and only plain names, identifiers and addresses reach
# the renderers (a site name with a newline, an address holding an Ansible template are refused).

#: A site, component or node name: what the stack file and the components accept.
_Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=63)]
#: A vendor, region, zone, shape, role, source or link id: letters, digits and ``._:/@+-``.
_Word = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:/@+-]{1,253}$")]
_HOST_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = Annotated[
    str, StringConstraints(pattern=rf"^{_HOST_LABEL}(\.{_HOST_LABEL})*\.?$", max_length=254)
]
_Count = Annotated[int, Field(ge=0, le=1_000_000)]


def _address(value: str) -> str:
    if value == UNKNOWN:
        return value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not re.fullmatch(rf"(?=.{{1,253}}$){_HOST_LABEL}(\.{_HOST_LABEL})*", value):
            raise ValueError(f"expected an IP address, a DNS name or {UNKNOWN}") from None
    return value


class _Outputs(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class _Site(_Outputs):
    vendor: _Word
    region: _Word
    zones: list[_Word | None] = []


class _Layout(_Outputs):
    sites: dict[_Name, _Site] = {}


class _Link(_Outputs):
    sites: Annotated[list[_Name], Field(min_length=2, max_length=2)]
    shape: _Word
    routing: _Word
    tunnels: _Count = 0
    active_paths: _Count | None = None
    redundant: bool = True


class _Links(_Outputs):
    asns: dict[_Name, Annotated[int, Field(ge=0, le=4_294_967_295)]] = {}
    links: dict[_Word, _Link] = {}


class _NetworkOutputs(_Outputs):
    layout: _Layout | None = None
    links: _Links | None = None


class _Placement(_Outputs):
    site: _Name
    vendor: _Word
    region: _Word
    zone: _Word
    count: _Count


class _WorkloadOutputs(_Outputs):
    placements: list[_Placement] = []
    minHealthy: _Count | None = None
    survive: FailureKind | None = Field(default=None, strict=False)
    dnsName: _HOSTNAME | None = None


class _Node(_Outputs):
    name: _Name
    pool: _Name
    role: _Word
    source: _Word
    site: _Name
    vendor: _Word
    region: _Word
    zone: _Word
    address: Annotated[str, AfterValidator(_address)] = UNKNOWN
    ssh_user: Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_.-]{0,31}$")] | None = None
    failure_domain: dict[_Word, _Word] = {}


class _PoolOutputs(_WorkloadOutputs):
    nodes: list[_Node] = []


_OUTPUT_MODELS: dict[str, type[_Outputs]] = {
    HYBRID_VPC: _NetworkOutputs,
    MULTI_CLOUD_APP: _WorkloadOutputs,
    BARE_METAL_POOL: _PoolOutputs,
}


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

    def estate(self, policy_config: Mapping[str, Any] | None = None) -> Estate:
        """From the HybridVpc's outputs, or, without one, as the policy pack derives it from the
        resources (:mod:`skyweave.engine.derived`; ``policy_config``: the survives-vendor-loss
        rule's settings, which hold a service without a component)."""
        from ..estate.simulate import estate_from_components
        from .derived import derived_estate, facts_of_rows, has_network

        if not has_network(self.resources, self.component_outputs):
            facts = facts_of_rows(self.resources, self.component_outputs, self.label)
            return derived_estate(facts, policy_config)
        try:
            return estate_from_components(self.resources, self.component_outputs)
        except ValueError:
            raise _issue(self.label, _NO_NETWORK) from None

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
    types = {row["urn"]: row["type"] for row in doc["resources"]}
    for urn, values in (outputs or {}).items():
        model = _OUTPUT_MODELS.get(types.get(urn, ""))
        if model is not None:
            files.validate(model, values, label, prefix=f"component_outputs[{urn}]")
    return PreviewDoc(
        label=label,
        project=str(doc.get("project") or "project"),
        stack=str(doc.get("stack") or "stack"),
        resources=doc["resources"],
        component_outputs=outputs or {},
    )


def estate_of_run(run: OfflineRun, label: str, policy_config: Mapping[str, Any] | None = None) -> Estate:
    """The estate an offline run built (for an estate built in code); ``policy_config``: see
    :meth:`PreviewDoc.estate`."""
    doc = PreviewDoc(
        label, run.project, run.stack, [r.as_dict() for r in run.resources], run.component_outputs
    )
    return doc.estate(policy_config)
