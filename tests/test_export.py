"""``skyweave export``: operator ``Stack`` objects and a GitHub Actions workflow from a unit graph.

Checked against sources skyweave did not write: the operator's published CRD (its ``v1``
``openAPIV3Schema`` with ``jsonschema``, its CEL rules with ``cel-python``; vendored in
tests/fixtures/pulumi-kubernetes-operator with its commit), pulumi/actions' ``action.yml`` (the
inputs the action declares) and SchemaStore's workflow schema through the real
``check-jsonschema --builtin-schema vendor.github-workflows`` (it ships the schema, so this runs
offline).
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skyweave.cli.export import (
    ANNOTATION_UNIT,
    MATRIX_MAX,
    MAX_ARG_STRLEN,
    PULUMI_ACTION,
    STACK_NAME_MAX,
    EstateConfig,
    OperatorSettings,
    SecretRef,
    WorkflowSettings,
    dump_documents,
    object_name,
    operator_objects,
    workflow,
)
from skyweave.core.errors import ConfigError
from skyweave.planning.units import Unit, UnitGraph

FIXTURES = Path(__file__).parent / "fixtures"
CRD = FIXTURES / "pulumi-kubernetes-operator" / "pulumi.com_stacks.yaml.gz"
CRD_SHA256 = "d8ce0513bb77d5d57753e521fd42e87a87bdaf7abda1be2584aa23c1c03ea290"
ACTION = FIXTURES / "pulumi-actions" / "action.yml"
#: The Kubernetes version whose schemas (kubernetes-validate) the core objects are checked against.
KUBERNETES = "1.31.0"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

#: k8s.io/apimachinery IsDNS1123Subdomain, written from its definition (not skyweave's constant).
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
#: k8s.io/apimachinery IsDNS1123Label (at most 63 characters).
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
#: k8s.io/apimachinery IsValidLabelValue / a label key's name part (63 characters at most).
LABEL = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
SECRET_TEXT = "v1:c2t5d2VhdmUtdGVzdC1jaXBoZXJ0ZXh0LW5ldmVyLXNob3du"
LONG = "prod.link.azure-westeurope-1.openstack-frankfurt-dc1"  # 51 characters


def graph() -> UnitGraph:
    return UnitGraph.of(
        "prod",
        [
            Unit("prod.aws-use1", "site", ("aws-use1",)),
            Unit("prod.gcp-euw1", "site", ("gcp-euw1",)),
            Unit("prod.azure-westeurope-1", "site", ("azure-westeurope-1",)),
            Unit("prod.openstack-frankfurt-dc1", "site", ("openstack-frankfurt-dc1",)),
            Unit(
                "prod.link.aws-use1.gcp-euw1",
                "link",
                ("aws-use1/gcp-euw1",),
                ("prod.aws-use1", "prod.gcp-euw1"),
            ),
            Unit(LONG, "link", ("x",), ("prod.azure-westeurope-1", "prod.openstack-frankfurt-dc1")),
            Unit("prod.global", "global", ("dns",), ("prod.link.aws-use1.gcp-euw1", LONG)),
        ],
    )


def estate_config() -> EstateConfig:
    return EstateConfig(
        label="stacks/Pulumi.prod.yaml",
        plain={
            "skyweave:sites": '[{"name": "aws-use1"}]',
            "aws:region": "us-east-1",
            "skyweave:ipv6": "true",
        },
        structured=frozenset({"skyweave:sites"}),
        secret_keys=frozenset({"byon:fra-ssh-key", "skyweave:psk"}),
    )


def operator_settings(**changes: Any) -> OperatorSettings:
    base: dict[str, Any] = {
        "organisation": "acme",
        "project": "skyweave",
        "repo": "https://github.com/acme/estate.git",
        "branch": "main",
        "repo_dir": "infra",
        "env": {"AWS_ACCESS_KEY_ID": SecretRef("aws-creds", "id")},
    }
    base.update(changes)
    return OperatorSettings(**base)


@cache
def crd() -> dict[str, Any]:
    raw = gzip.decompress(CRD.read_bytes())
    assert hashlib.sha256(raw).hexdigest() == CRD_SHA256, "the vendored CRD is not the recorded file"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc: dict[str, Any] = yaml.load(raw, Loader=loader)
    return doc


def stack_version() -> dict[str, Any]:
    (v1,) = [v for v in crd()["spec"]["versions"] if v["name"] == "v1"]
    assert v1["served"] and v1["storage"]
    return v1


def closed(schema: Any) -> Any:
    """The schema as ``kubectl apply`` (strict field validation) enforces it: an object with
    ``properties`` and neither ``additionalProperties`` nor ``x-kubernetes-preserve-unknown-fields``
    takes no other field (the API server would refuse or prune a misspelt one)."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


@cache
def stack_validator() -> jsonschema.protocols.Validator:
    schema = closed(stack_version()["schema"]["openAPIV3Schema"])
    schema["properties"]["metadata"] = {"type": "object"}  # ObjectMeta: checked below, as the API server does
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema)


def cel_rules(schema: dict[str, Any]) -> list[dict[str, str]]:
    """The CRD's top-level ``x-kubernetes-validations`` (the ones that see ``self.metadata``)."""
    rules: list[dict[str, str]] = schema.get("x-kubernetes-validations", [])
    return rules


@cache
def cel_programs() -> list[tuple[str, Any]]:
    """The CRD's rules compiled (once: cel-python raises the recursion limit when it compiles)."""
    env = celpy.Environment()
    rules = cel_rules(stack_version()["schema"]["openAPIV3Schema"])
    return [(rule["message"], env.program(env.compile(rule["rule"]))) for rule in rules]


@pytest.fixture(autouse=True, scope="module")
def _compiled() -> None:
    cel_programs()


def crd_problems(obj: dict[str, Any]) -> list[str]:
    """Why the API server would refuse ``obj``: the schema, the CEL rules, the object's name."""
    problems = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in stack_validator().iter_errors(obj)
    ]
    for message, program in cel_programs():
        if not program.evaluate({"self": celpy.json_to_cel(obj)}):
            problems.append(message)
    name = obj["metadata"]["name"]
    if not DNS1123.match(name) or len(name) > 253:
        problems.append(f"metadata.name {name!r} is not a DNS-1123 subdomain")
    # the operator mounts each ConfigMap and Secret a unit reads config from as a volume named
    # "configmap-<name>" / "secret-<name>" (stack_controller.go), and a volume's name is a DNS-1123 label
    spec = obj.get("spec", {})
    volumes = [f"configmap-{ref['name']}" for ref in spec.get("configRef", {}).values()]
    volumes += [f"secret-{ref['secret']['name']}" for ref in spec.get("secretsRef", {}).values()]
    problems += [
        f"volume {v!r} is not a DNS-1123 label" for v in volumes if not DNS1123_LABEL.match(v) or len(v) > 63
    ]
    for key, value in obj["metadata"].get("labels", {}).items():
        prefix, _, label = key.rpartition("/")
        if not (LABEL.match(value) and len(value) <= 63 and LABEL.match(label) and len(label) <= 63):
            problems.append(f"label {key}={value!r} is not a Kubernetes label")
        if prefix and not DNS1123.match(prefix):
            problems.append(f"label {key}: prefix {prefix!r} is not a DNS-1123 subdomain")
    return problems


def stacks_of(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == "Stack"]


# --- the operator -------------------------------------------------------------------------------


def test_the_vendored_crd_is_the_operators_and_has_the_rules_relied_on() -> None:
    schema = stack_version()["schema"]["openAPIV3Schema"]
    assert crd()["spec"]["group"] == "pulumi.com" and crd()["spec"]["names"]["kind"] == "Stack"
    assert schema["properties"]["spec"]["required"] == ["stack"]
    assert [r["rule"] for r in cel_rules(schema)] == [f"size(self.metadata.name) <= {STACK_NAME_MAX}"]


def test_every_stack_object_is_valid_against_the_crd() -> None:
    objects = operator_objects(graph(), estate_config(), operator_settings())
    assert objects[0]["kind"] == "ConfigMap"
    stacks = stacks_of(objects)
    assert len(stacks) == len(graph().units)
    for obj in stacks:
        assert obj["apiVersion"] == f"{crd()['spec']['group']}/{stack_version()['name']}"
        assert crd_problems(obj) == [], obj["metadata"]["name"]


def test_the_validation_can_fail() -> None:
    """A misspelt field, a wrong type, a name over the CEL bound: each is refused."""
    (obj,) = [
        o
        for o in stacks_of(operator_objects(graph(), estate_config(), operator_settings()))
        if o["spec"].get("prerequisites")
    ][:1]
    misspelt = copy.deepcopy(obj)
    misspelt["spec"]["prerequisite"] = misspelt["spec"].pop("prerequisites")
    assert crd_problems(misspelt)
    wrong = copy.deepcopy(obj)
    wrong["spec"]["prerequisites"] = [{"requirement": {}}]  # no name
    assert crd_problems(wrong)
    bad_ref = copy.deepcopy(obj)
    bad_ref["spec"]["envRefs"]["PULUMI_ACCESS_TOKEN"] = {"secret": {"name": "x", "key": "y"}}  # no type
    assert crd_problems(bad_ref)
    long = copy.deepcopy(obj)
    long["metadata"]["name"] = "a" * (STACK_NAME_MAX + 1)
    assert crd_problems(long) == ["Stack name must be no more than 42 characters in length."]


def test_prerequisites_form_exactly_the_unit_graph() -> None:
    g = graph()
    stacks = stacks_of(operator_objects(g, estate_config(), operator_settings()))
    unit_of = {o["metadata"]["name"]: o["metadata"]["annotations"][ANNOTATION_UNIT] for o in stacks}
    assert sorted(unit_of.values()) == sorted(g.names())
    edges = {
        (unit_of[o["metadata"]["name"]], unit_of[p["name"]])
        for o in stacks
        for p in o["spec"].get("prerequisites", [])
    }
    assert edges == {(u.name, p) for u in g.units for p in u.prerequisites}
    # each object is listed after its prerequisites: `kubectl apply -f` creates them in order
    seen: set[str] = set()
    for o in stacks:
        assert {p["name"] for p in o["spec"].get("prerequisites", [])} <= seen
        seen.add(o["metadata"]["name"])


def test_stack_names_are_full_and_object_names_fit_the_crd() -> None:
    stacks = stacks_of(operator_objects(graph(), estate_config(), operator_settings()))
    for o in stacks:
        unit = o["metadata"]["annotations"][ANNOTATION_UNIT]
        assert o["spec"]["stack"] == f"acme/skyweave/{unit}"
        assert len(o["metadata"]["name"]) <= STACK_NAME_MAX
    assert object_name("prod.aws-use1") == "prod.aws-use1"
    short = object_name(LONG)
    assert short != LONG and len(short) == STACK_NAME_MAX and DNS1123.match(short)
    assert short == object_name(LONG)  # stable
    assert object_name(LONG + "x") != short


def test_configuration_and_secrets_travel_by_reference_only() -> None:
    objects = operator_objects(graph(), estate_config(), operator_settings(succeeded_within="1h"))
    text = dump_documents(objects)
    assert SECRET_TEXT not in text
    configmap = objects[0]
    assert configmap["data"] == {
        "aws.region": "us-east-1",
        "skyweave.ipv6": "true",
        "skyweave.sites": '[{"name": "aws-use1"}]',
    }
    for o in stacks_of(objects):
        spec = o["spec"]
        assert "config" not in spec and "secrets" not in spec  # never inline
        assert spec["configRef"] == {
            "aws:region": {"name": "prod-config", "key": "aws.region"},
            "skyweave:ipv6": {"name": "prod-config", "key": "skyweave.ipv6"},
            "skyweave:sites": {"name": "prod-config", "key": "skyweave.sites", "json": True},
        }
        assert spec["secretsRef"] == {
            "byon:fra-ssh-key": {
                "type": "Secret",
                "secret": {"name": "prod-secrets", "key": "byon.fra-ssh-key"},
            },
            "skyweave:psk": {"type": "Secret", "secret": {"name": "prod-secrets", "key": "skyweave.psk"}},
        }
        assert spec["envRefs"] == {
            "PULUMI_ACCESS_TOKEN": {
                "type": "Secret",
                "secret": {"name": "pulumi-api-secret", "key": "accessToken"},
            },
            "AWS_ACCESS_KEY_ID": {"type": "Secret", "secret": {"name": "aws-creds", "key": "id"}},
        }
        assert spec["serviceAccountName"] == "skyweave"
        assert (spec["projectRepo"], spec["branch"], spec["repoDir"]) == (
            "https://github.com/acme/estate.git",
            "main",
            "infra",
        )
        for p in spec.get("prerequisites", []):
            assert p["requirement"] == {"succeededWithinDuration": "1h"}
        assert crd_problems(o) == []


def test_the_documents_read_back_as_written() -> None:
    objects = operator_objects(
        graph(), estate_config(), operator_settings(namespace="estates", commit="0" * 40, branch=None)
    )
    assert list(yaml.safe_load_all(dump_documents(objects))) == objects
    assert all(o["metadata"]["namespace"] == "estates" for o in objects)
    assert all(o["spec"]["commit"] == "0" * 40 and "branch" not in o["spec"] for o in stacks_of(objects))


@pytest.mark.parametrize(
    ("changes", "path", "words"),
    [
        ({"organisation": "acme corp"}, "--org", "organisation name"),
        ({"repo": ""}, "--repo", "git repository"),
        ({"branch": None}, "--branch", "exactly one of --branch and --commit"),
        ({"commit": "abc"}, "--branch", "exactly one of --branch and --commit"),
        ({"service_account": "Deploy_Bot"}, "--service-account", "Kubernetes object name"),
        ({"namespace": "-x"}, "--namespace", "Kubernetes object name"),
        ({"succeeded_within": "1 hour"}, "--prerequisite-within", "Go writes"),
        ({"env": {"AWS-KEY": SecretRef("s", "k")}}, "--env", "environment variable"),
        ({"env": {"AWS_KEY": SecretRef("s", "a/b")}}, "--env", "Secret's key"),
        ({"secrets_secret": "prod.secrets"}, "--secrets-secret", "volume `secret-<name>`"),
        ({"secrets_secret": "s" * 57}, "--secrets-secret", "at most 56"),
    ],
)
def test_bad_operator_settings_are_named(changes: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        operator_objects(graph(), estate_config(), operator_settings(**changes))
    assert any(issue.path == path and words in issue.message for issue in caught.value.issues), str(
        caught.value
    )


@pytest.mark.parametrize("estate", ["team.prod", "a" * 90, "x" + ".y" * 40])
def test_configmap_and_secret_names_can_be_mounted_whatever_the_estate(estate: str) -> None:
    g = UnitGraph.of(estate, [Unit(f"{estate}.s", "site"), Unit(f"{estate}.t", "site", (), (f"{estate}.s",))])
    objects = operator_objects(g, estate_config(), operator_settings())
    for obj in stacks_of(objects):
        assert crd_problems(obj) == []
    assert objects[0]["metadata"]["name"].endswith("-config")
    if estate == "team.prod":
        assert objects[0]["metadata"]["name"] == "team-prod-config"
        assert (
            stacks_of(objects)[0]["spec"]["secretsRef"]["skyweave:psk"]["secret"]["name"]
            == "team-prod-secrets"
        )


def test_config_keys_that_cannot_be_configmap_keys_are_named() -> None:
    clash = EstateConfig("stacks/Pulumi.prod.yaml", {"a:b.c": "1", "a.b:c": "2"})
    with pytest.raises(ConfigError, match=r"would share the ConfigMap key 'a\.b\.c'") as caught:
        operator_objects(graph(), clash, operator_settings())
    assert caught.value.source == "stacks/Pulumi.prod.yaml"
    big = EstateConfig("stacks/Pulumi.prod.yaml", {"skyweave:sites": "x" * (1024 * 1024)})
    with pytest.raises(ConfigError, match="over the 1,048,576 bytes a Kubernetes ConfigMap holds"):
        operator_objects(graph(), big, operator_settings())


# --- GitHub Actions -----------------------------------------------------------------------------


def workflow_settings(**changes: Any) -> WorkflowSettings:
    base: dict[str, Any] = {
        "organisation": "acme",
        "project": "skyweave",
        "work_dir": "infra",
        "env": {"ARM_CLIENT_SECRET": "AZURE_SECRET"},
    }
    base.update(changes)
    return WorkflowSettings(**base)


def check_workflow(path: Path) -> subprocess.CompletedProcess[str]:
    """The real check-jsonschema CLI with SchemaStore's workflow schema, as it ships it."""
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_workflow_is_valid_against_schemastores_schema(tmp_path: Path) -> None:
    doc = workflow(graph(), estate_config(), workflow_settings(environment="prod"))
    good = tmp_path / "skyweave-prod.yml"
    good.write_text(dump_documents([doc]), encoding="utf-8")
    result = check_workflow(good)
    assert result.returncode == 0, result.stdout + result.stderr
    # the check can fail: a job without runs-on is refused
    broken = copy.deepcopy(doc)
    del broken["jobs"]["layer-1"]["runs-on"]
    bad = tmp_path / "broken.yml"
    bad.write_text(dump_documents([broken]), encoding="utf-8")
    refused = check_workflow(bad)
    assert refused.returncode == 1 and "runs-on" in refused.stdout


def test_jobs_are_a_matrix_per_layer_and_need_their_units_prerequisites() -> None:
    g = graph()
    doc = workflow(g, estate_config(), workflow_settings())
    jobs = doc["jobs"]
    job_of = {unit: job_id for job_id, job in jobs.items() for unit in job["strategy"]["matrix"]["unit"]}
    assert sorted(job_of) == sorted(g.names())
    assert [sorted(job["strategy"]["matrix"]["unit"]) for job in jobs.values()] == [
        sorted(u.name for u in layer) for layer in g.layers()
    ]
    for job_id, job in jobs.items():
        wanted = {job_of[p] for unit in job["strategy"]["matrix"]["unit"] for p in g[unit].prerequisites}
        assert set(job.get("needs", [])) == wanted, job_id


#: Secrets a YAML document could trip on: a multi-line key, quotes, a colon, a '#', a brace.
HOSTILE_SECRETS = {
    "BYON_FRA_SSH_KEY": (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn: 'x' \"y\" # {z}\n-----END OPENSSH PRIVATE KEY-----\n"
    ),
    "SKYWEAVE_PSK": "}, secret: false, x: {",
}


def github_expressions(text: str, secrets: dict[str, str]) -> str:
    """``text`` with each ``${{ toJSON(secrets.NAME) }}`` replaced as GitHub evaluates it (toJSON of a
    string: a JSON string literal), before the action parses its input."""
    return re.sub(
        r"\$\{\{ toJSON\(secrets\.([A-Z0-9_]+)\) \}\}",
        lambda m: json.dumps(secrets[m.group(1)], indent=2),
        text,
    )


def test_the_pulumi_step_uses_only_the_actions_declared_inputs_and_secrets_by_reference() -> None:
    declared = set(yaml.safe_load(ACTION.read_text(encoding="utf-8"))["inputs"])
    doc = workflow(graph(), estate_config(), workflow_settings())
    text = dump_documents([doc])
    assert SECRET_TEXT not in text
    for job in doc["jobs"].values():
        (step,) = [s for s in job["steps"] if s["uses"] == PULUMI_ACTION]
        assert set(step["with"]) <= declared
        assert step["with"]["stack-name"] == "acme/skyweave/${{ matrix.unit }}"
        assert step["env"] == {
            "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
            "ARM_CLIENT_SECRET": "${{ secrets.AZURE_SECRET }}",
        }
        assert "${{ toJSON(secrets.BYON_FRA_SSH_KEY) }}" in step["with"]["config-map"]
        config_map = yaml.safe_load(github_expressions(step["with"]["config-map"], HOSTILE_SECRETS))
        assert config_map["byon:fra-ssh-key"] == {
            "value": HOSTILE_SECRETS["BYON_FRA_SSH_KEY"],
            "secret": True,
        }
        assert config_map["skyweave:psk"] == {"value": HOSTILE_SECRETS["SKYWEAVE_PSK"], "secret": True}
        assert config_map["skyweave:sites"] == {"value": '[{"name": "aws-use1"}]', "secret": False}
        assert config_map["skyweave:ipv6"] == {
            "value": "true",
            "secret": False,
        }  # a string, as the engine passes it
        for value in step["env"].values():
            assert re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+ \}\}", value)


def test_a_layer_over_the_matrix_limit_is_split() -> None:
    units = [Unit(f"big.s{i:04d}", "site") for i in range(MATRIX_MAX + 3)]
    units.append(Unit("big.global", "global", (), tuple(u.name for u in units)))
    doc = workflow(UnitGraph.of("big", units), EstateConfig("x", {}), workflow_settings())
    jobs = doc["jobs"]
    assert list(jobs) == ["layer-1-part-1", "layer-1-part-2", "layer-2"]
    assert [len(j["strategy"]["matrix"]["unit"]) for j in jobs.values()] == [MATRIX_MAX, 3, 1]
    assert jobs["layer-2"]["needs"] == ["layer-1-part-1", "layer-1-part-2"]


def test_secret_keys_without_a_github_name_are_named() -> None:
    clash = EstateConfig("stacks/Pulumi.prod.yaml", {}, secret_keys=frozenset({"a:b-c", "a:b_c"}))
    with pytest.raises(ConfigError, match="would share the GitHub secret A_B_C") as caught:
        workflow(graph(), clash, workflow_settings())
    assert caught.value.source == "stacks/Pulumi.prod.yaml"
    with pytest.raises(ConfigError, match="GitHub secret's name"):
        workflow(graph(), estate_config(), workflow_settings(env={"TOKEN": "GITHUB_TOKEN"}))


# --- the command ----------------------------------------------------------------------------------

REPO = "https://github.com/acme/estate.git"


def units_project(tmp_path: Path, stack: str = "prod", *, git: bool = True) -> Path:
    """A copy of the example project whose ``stack`` is deployed as units (in a git checkout)."""
    from conftest import stack_raw, write_stack

    write_stack(tmp_path, stack, {**stack_raw(stack), "deployment": "units"})
    if git:
        (tmp_path / ".git").mkdir()
    return tmp_path


def export(project: Path, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from skyweave.cli import main

    code = main(["-C", str(project), "export", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def operator_args(*more: str) -> list[str]:
    return ["--stack", "prod", "--to", "operator", "--org", "acme", "--repo", REPO, "--branch", "main", *more]


def test_prod_exports_one_valid_stack_per_unit_forming_the_planned_graph(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skyweave.cli import main

    project = units_project(tmp_path)
    out = tmp_path / "deploy" / "operator"
    code, _, err = export(project, *operator_args("--out", str(out)), capsys=capsys)
    assert code == 0, err
    # the graph `skyweave stacks` prints
    assert main(["-C", str(project), "stacks", "--stack", "prod", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)["units"]
    documents = [yaml.safe_load(path.read_text()) for path in sorted(out.iterdir())]
    stacks = stacks_of(documents)
    assert len(stacks) == len(printed) == 39 and len(documents) == len(printed) + 1
    unit_of = {o["metadata"]["name"]: o["metadata"]["annotations"][ANNOTATION_UNIT] for o in stacks}
    assert sorted(unit_of.values()) == sorted(u["name"] for u in printed)
    edges = {
        (unit_of[o["metadata"]["name"]], unit_of[p["name"]])
        for o in stacks
        for p in o["spec"].get("prerequisites", [])
    }
    assert edges == {(u["name"], p) for u in printed for p in u["prerequisites"]}
    for obj in stacks:
        assert crd_problems(obj) == [], obj["metadata"]["name"]
        assert obj["spec"]["stack"] == f"acme/skyweave/{unit_of[obj['metadata']['name']]}"
        assert obj["spec"]["repoDir"] == "."
        assert obj["spec"]["secretsRef"] == {
            "byon:fra-ssh-key": {
                "type": "Secret",
                "secret": {"name": "prod-secrets", "key": "byon.fra-ssh-key"},
            }
        }
    text = "".join(path.read_text() for path in out.iterdir())
    ciphertext = yaml.safe_load((project / "stacks" / "Pulumi.prod.yaml").read_text())["config"][
        "byon:fra-ssh-key"
    ]
    assert ciphertext["secure"] not in text
    (configmap,) = [d for d in documents if d["kind"] == "ConfigMap"]
    kubernetes_validate.validate(configmap, KUBERNETES, strict=True)  # Kubernetes' own schema
    assert configmap["data"]["skyweave.deployment"] == "units"
    assert "byon.fra-ssh-key" not in configmap["data"]
    # stdout holds the same objects as one stream
    code, stream, _ = export(project, *operator_args(), capsys=capsys)
    assert code == 0 and sorted(map(str, yaml.safe_load_all(stream))) == sorted(map(str, documents))


def test_prod_exports_a_valid_workflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = units_project(tmp_path)
    out = tmp_path / ".github" / "workflows"
    argv = [
        "--stack",
        "prod",
        "--to",
        "github-actions",
        "--org",
        "acme",
        "--out",
        str(out),
        "--env",
        "ARM_CLIENT_SECRET",
    ]
    code, _, err = export(project, *argv, capsys=capsys)
    assert code == 0, err
    (written,) = out.iterdir()
    assert written.name == "skyweave-prod.yml"
    result = check_workflow(written)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load(written.read_text())
    assert "secure" not in written.read_text()
    assert sum(len(j["strategy"]["matrix"]["unit"]) for j in doc["jobs"].values()) > 30


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--to", "helm"], ["--to: 'helm'", "valid: operator, github-actions"]),
        (["--to", "operator", "--repo", REPO, "--branch", "main"], ["--org", "Pulumi organisation"]),
        (["--to", "operator", "--org", "acme", "--branch", "main"], ["--repo", "git repository"]),
        (
            ["--to", "operator", "--org", "acme", "--repo", REPO],
            ["--branch", "exactly one of --branch and --commit"],
        ),
        (
            ["--to", "github-actions", "--org", "acme", "--namespace", "x"],
            ["--namespace applies to --to operator"],
        ),
        (
            ["--to", "operator", "--org", "acme", "--repo", REPO, "--branch", "main", "--env", "AWS_KEY"],
            ["--env: 'AWS_KEY'", "VAR=SECRET"],
        ),
        (["--to", "operator", "--org", "a b", "--repo", REPO, "--branch", "main"], ["--org: 'a b'"]),
    ],
)
def test_bad_options_are_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: list[str]
) -> None:
    project = units_project(tmp_path)
    code, out, err = export(project, "--stack", "prod", *argv, capsys=capsys)
    assert code == 1 and out == ""
    assert "Traceback" not in err
    for word in words:
        assert word in err, err


def test_a_single_stack_estate_says_how_to_switch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import stack_raw, write_stack

    write_stack(tmp_path, "prod", stack_raw("prod"))
    code, out, err = export(tmp_path, *operator_args("--repo-dir", "."), capsys=capsys)
    assert code == 1 and out == ""
    assert "stacks/Pulumi.prod.yaml" in err
    assert "skyweave:deployment: 'single'" in err
    assert "set `skyweave:deployment: units` in stacks/Pulumi.prod.yaml" in err


def test_outside_git_the_repo_dir_must_be_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = units_project(tmp_path, git=False)
    code, _, err = export(project, *operator_args(), capsys=capsys)
    assert code == 1 and "--repo-dir" in err and "not inside a git repository" in err
    code, out, _ = export(project, *operator_args("--repo-dir", "infra/estate"), capsys=capsys)
    assert code == 0 and "repoDir: infra/estate" in out


def test_an_output_directory_that_cannot_be_written_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = units_project(tmp_path)
    a_file = tmp_path / "taken"
    a_file.write_text("not a directory")
    code, _, err = export(project, *operator_args("--out", str(a_file)), capsys=capsys)
    assert code == 1 and str(a_file) in err and "is a file, not a directory" in err
    code, _, err = export(project, *operator_args("--out", str(a_file / "below")), capsys=capsys)
    assert code == 1 and str(a_file / "below") in err and "Traceback" not in err
    blocked = tmp_path / "blocked"
    (blocked / "prod-config.yaml").mkdir(parents=True)  # where a file is to go, a directory
    code, _, err = export(project, *operator_args("--out", str(blocked)), capsys=capsys)
    assert code == 1 and str(blocked / "prod-config.yaml") in err and "is a directory" in err


def test_a_read_only_output_directory_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = units_project(tmp_path)
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        if os.access(read_only, os.W_OK):
            pytest.skip("root writes into a read-only directory")
        code, _, err = export(project, *operator_args("--out", str(read_only)), capsys=capsys)
        assert code == 1 and str(read_only) in err and "permission denied" in err
        assert list(read_only.iterdir()) == []
    finally:
        read_only.chmod(0o755)


# --- docs/export.md: every example runs ---------------------------------------------------------

DOC = Path(__file__).resolve().parent.parent / "docs" / "export.md"


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def shown_in(shown: Any, actual: Any) -> bool:
    """``shown`` is ``actual`` with some mapping keys left out (lists and values exactly)."""
    if isinstance(shown, dict):
        return isinstance(actual, dict) and all(
            k in actual and shown_in(v, actual[k]) for k, v in shown.items()
        )
    return bool(shown == actual)


def test_the_docs_commands_run_and_their_examples_are_what_they_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skyweave.cli import main

    project = units_project(tmp_path)
    monkeypatch.chdir(project)
    commands = [
        line for block in doc_blocks("bash") for line in block.splitlines() if line.startswith("skyweave ")
    ]
    assert [(c.split()[5], c.endswith("--check")) for c in commands] == [
        ("operator", False),
        ("operator", True),
        ("github-actions", False),
    ]
    for command in commands:
        assert main(command.split()[1:]) == 0, capsys.readouterr().err
    assert "deploy/operator: up to date (40 files)" in capsys.readouterr().out
    stack_yaml, setup_yaml, step_yaml = doc_blocks("yaml")

    written = {p.name: yaml.safe_load(p.read_text()) for p in (project / "deploy" / "operator").iterdir()}
    stacks = stacks_of(list(written.values()))
    assert len(stacks) == 39 and "prod-config.yaml" in written  # as the page says
    shown = yaml.safe_load(stack_yaml)
    assert shown_in(shown, written[f"{shown['metadata']['name']}.yaml"])

    setup = list(yaml.safe_load_all(setup_yaml))
    for obj in setup:
        kubernetes_validate.validate(obj, KUBERNETES, strict=True)
    (account,) = [d for d in setup if d["kind"] == "ServiceAccount"]
    (binding,) = [d for d in setup if d["kind"] == "ClusterRoleBinding"]
    assert {o["spec"]["serviceAccountName"] for o in stacks} == {account["metadata"]["name"]}
    assert binding["subjects"][0]["name"] == account["metadata"]["name"]
    assert binding["roleRef"]["name"] == "system:auth-delegator"
    secrets = {
        (d["metadata"]["name"], key) for d in setup if d["kind"] == "Secret" for key in d["stringData"]
    }
    referenced = {
        (ref["secret"]["name"], ref["secret"]["key"])
        for o in stacks
        for refs in (o["spec"]["envRefs"], o["spec"].get("secretsRef", {}))
        for ref in refs.values()
    }
    assert secrets == referenced

    workflow_file = project / ".github" / "workflows" / "skyweave-prod.yml"
    assert check_workflow(workflow_file).returncode == 0
    doc = yaml.safe_load(workflow_file.read_text())
    assert list(doc["jobs"]) == ["layer-1", "layer-2", "layer-3", "layer-4"]  # as the page says
    (step,) = yaml.safe_load(step_yaml)
    for job in doc["jobs"].values():
        assert shown_in(step, job["steps"][-1])
    (said,) = re.findall(r"prod's is\s+([0-9.]+) KB", DOC.read_text(encoding="utf-8"))
    assert f"{len(doc['jobs']['layer-1']['steps'][-1]['with']['config-map']) / 1000:.1f}" == said


def test_the_docs_error_for_an_unknown_engine_is_the_real_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (said,) = re.findall(r"\| `--to helm` \| `([^`]+)` \|", DOC.read_text(encoding="utf-8"))
    code, _, err = export(units_project(tmp_path), "--stack", "prod", "--to", "helm", capsys=capsys)
    assert code == 1 and said in err


# --- any graph ------------------------------------------------------------------------------------


@st.composite
def unit_graphs(draw: st.DrawFn) -> UnitGraph:
    """Acyclic graphs of units whose names are valid unit names, long ones (over the CRD's 42) too."""
    label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
    n = draw(st.integers(1, 14))
    names = draw(
        st.lists(
            st.lists(label, min_size=1, max_size=4).map(lambda parts: "prod." + ".".join(parts)),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    names = [name for name in names if len(name) <= 100] or ["prod.a"]
    units = [
        Unit(name, "site", (), tuple(draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else ()))
        for i, name in enumerate(names)
    ]
    return UnitGraph.of("prod", draw(st.permutations(units)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit_graphs())
def test_any_graph_exports_as_itself(g: UnitGraph) -> None:
    stacks = stacks_of(operator_objects(g, estate_config(), operator_settings()))
    names = [o["metadata"]["name"] for o in stacks]
    assert len(set(names)) == len(names) == len(g.units)
    unit_of = {o["metadata"]["name"]: o["metadata"]["annotations"][ANNOTATION_UNIT] for o in stacks}
    edges = {
        (unit_of[o["metadata"]["name"]], unit_of[p["name"]])
        for o in stacks
        for p in o["spec"].get("prerequisites", [])
    }
    assert edges == {(u.name, p) for u in g.units for p in u.prerequisites}
    for o in stacks:
        assert crd_problems(o) == []
    jobs = workflow(g, estate_config(), workflow_settings())["jobs"]
    job_of = {unit: job_id for job_id, job in jobs.items() for unit in job["strategy"]["matrix"]["unit"]}
    assert sorted(job_of) == sorted(g.names())
    order = list(jobs)
    for job_id, job in jobs.items():
        wanted = {job_of[p] for unit in job["strategy"]["matrix"]["unit"] for p in g[unit].prerequisites}
        assert set(job.get("needs", [])) == wanted
        assert all(order.index(need) < order.index(job_id) for need in wanted)


def test_a_unit_file_an_earlier_export_left_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = units_project(tmp_path)
    out = tmp_path / "deploy"
    out.mkdir()
    left = yaml.safe_load(
        dump_documents(stacks_of(operator_objects(graph(), estate_config(), operator_settings()))[:1])
    )
    left["metadata"]["name"] = left["metadata"]["annotations"][ANNOTATION_UNIT] = "prod.gone"
    (out / "prod.gone.yaml").write_text(yaml.safe_dump(left))
    (out / "other.yaml").write_text("kind: ConfigMap\nmetadata: {name: mine}\n")
    (out / "broken.yaml").write_text("{")
    code, _, err = export(project, *operator_args("--out", str(out)), capsys=capsys)
    assert code == 0
    assert f"note: {out / 'prod.gone.yaml'} holds 'prod.gone', no longer a unit of prod" in err
    assert "other.yaml" not in err and "broken.yaml" not in err
    left["metadata"]["annotations"][ANNOTATION_UNIT] = "prod.\x1b[2Jgone"  # a file's text reaches no terminal
    (out / "prod.gone.yaml").write_text(yaml.safe_dump(left))
    code, _, err = export(project, *operator_args("--out", str(out)), capsys=capsys)
    assert code == 0 and "\x1b" not in err and "prod.\\x1b[2Jgone" in err
    stacks = stacks_of(
        [yaml.safe_load(p.read_text()) for p in out.glob("prod*.yaml") if p.name != "prod.gone.yaml"]
    )
    assert {o["metadata"]["labels"]["skyweave/estate"] for o in stacks} == {"prod"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the limit is Linux's")
def test_the_input_size_limit_is_the_kernels(tmp_path: Path) -> None:
    """One environment string of MAX_ARG_STRLEN bytes (its '\\0' counted) starts a process; one
    byte more does not: the limit the workflow's config-map input is held to is this kernel's."""
    name = "INPUT_CONFIG-MAP"
    fits = "x" * (MAX_ARG_STRLEN - len(name) - 2)  # name, '=', value, '\\0'
    subprocess.run(["/bin/true"], env={name: fits}, check=True)
    with pytest.raises(OSError) as refused:
        subprocess.run(["/bin/true"], env={name: fits + "x"}, check=True)
    assert refused.value.errno == 7  # E2BIG: "Argument list too long"


def test_a_configuration_too_large_for_an_action_input_is_refused() -> None:
    big = EstateConfig("stacks/Pulumi.prod.yaml", {"skyweave:sites": "s" * MAX_ARG_STRLEN})
    with pytest.raises(ConfigError, match="Linux refuses over 131,072 bytes") as caught:
        workflow(graph(), big, workflow_settings())
    assert caught.value.issues[0].path == "stacks/Pulumi.prod.yaml" and "--to operator" in str(caught.value)
    fits = EstateConfig("stacks/Pulumi.prod.yaml", {"skyweave:sites": "s" * (MAX_ARG_STRLEN - 200)})
    workflow(graph(), fits, workflow_settings())


def test_a_value_github_would_evaluate_is_refused() -> None:
    sneaky = EstateConfig(
        "stacks/Pulumi.prod.yaml", {"skyweave:tags": '{"owner": "${{ secrets.PULUMI_ACCESS_TOKEN }}"}'}
    )
    with pytest.raises(ConfigError, match="GitHub would evaluate as an expression") as caught:
        workflow(graph(), sneaky, workflow_settings())
    assert caught.value.issues[0].path == "skyweave:tags"
    assert "PULUMI_ACCESS_TOKEN" not in str(caught.value)


def test_a_diy_backend_takes_no_access_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = units_project(tmp_path)
    argv = ["--backend", "s3://acme-state", "--env", "PULUMI_CONFIG_PASSPHRASE=estate-passphrase"]
    code, out, err = export(project, *operator_args(*argv), capsys=capsys)
    assert code == 0, err
    for obj in stacks_of(list(yaml.safe_load_all(out))):
        assert obj["spec"]["backend"] == "s3://acme-state"
        assert obj["spec"]["envRefs"] == {
            "PULUMI_CONFIG_PASSPHRASE": {
                "type": "Secret",
                "secret": {"name": "estate-passphrase", "key": "PULUMI_CONFIG_PASSPHRASE"},
            }
        }
        assert crd_problems(obj) == []
    argv = [
        "--stack",
        "prod",
        "--to",
        "github-actions",
        "--org",
        "organization",
        "--backend",
        "s3://acme-state",
    ]
    code, out, err = export(project, *argv, "--out", str(tmp_path / "wf"), capsys=capsys)
    assert code == 0, err
    assert check_workflow(tmp_path / "wf" / "skyweave-prod.yml").returncode == 0
    doc = yaml.safe_load((tmp_path / "wf" / "skyweave-prod.yml").read_text())
    declared = set(yaml.safe_load(ACTION.read_text(encoding="utf-8"))["inputs"])
    for job in doc["jobs"].values():
        step = job["steps"][-1]
        assert step["with"]["cloud-url"] == "s3://acme-state" and "cloud-url" in declared
        assert "PULUMI_ACCESS_TOKEN" not in step.get("env", {})
    # a self-hosted Pulumi Cloud still takes the token
    code, out, _ = export(project, *operator_args("--backend", "https://pulumi.acme.example"), capsys=capsys)
    assert code == 0 and "PULUMI_ACCESS_TOKEN" in out
    code, _, err = export(project, *operator_args("--backend", "acme-state"), capsys=capsys)
    assert code == 1 and "--backend: 'acme-state'" in err


def test_the_repo_dir_is_found_from_the_nearest_git(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra" / "estate").mkdir(parents=True)
    project = units_project(tmp_path / "infra" / "estate", git=False)
    code, out, err = export(project, *operator_args(), capsys=capsys)
    assert code == 0, err
    assert {o["spec"]["repoDir"] for o in stacks_of(list(yaml.safe_load_all(out)))} == {"infra/estate"}
    argv = ["--stack", "prod", "--to", "github-actions", "--org", "acme"]
    code, out, err = export(project, *argv, capsys=capsys)
    assert code == 0, err
    jobs = yaml.safe_load(out)["jobs"].values()
    assert {job["steps"][-1]["with"]["work-dir"] for job in jobs} == {"infra/estate"}


def test_check_names_each_file_that_is_not_what_export_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = units_project(tmp_path)
    out = tmp_path / "deploy"
    assert export(project, *operator_args("--out", str(out)), capsys=capsys)[0] == 0
    code, said, _ = export(project, *operator_args("--out", str(out), "--check"), capsys=capsys)
    assert code == 0 and "up to date (40 files)" in said
    # the stack file changes and nobody exports: the ConfigMap is out of date
    stack_file = project / "stacks" / "Pulumi.prod.yaml"
    stack_file.write_text(stack_file.read_text().replace("owner: platform", "owner: network"))
    (out / "prod.aws-use1.yaml").unlink()
    left = yaml.safe_load((out / "prod.gcp-euw1.yaml").read_text())
    left["metadata"]["name"] = left["metadata"]["annotations"][ANNOTATION_UNIT] = "prod.gone"
    (out / "prod.gone.yaml").write_text(yaml.safe_dump(left))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, said, _ = export(project, *operator_args("--out", str(out), "--check"), capsys=capsys)
    assert code == 4
    assert f"{out / 'prod-config.yaml'}: differs from what the stack file makes" in said
    assert f"{out / 'prod.aws-use1.yaml'}: missing" in said
    assert f"{out / 'prod.gone.yaml'}: holds 'prod.gone', no longer a unit of prod" in said
    assert "3 files out of date" in said
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing written
    code, _, err = export(project, *operator_args("--check"), capsys=capsys)
    assert code == 1 and "--check" in err and "--out DIR" in err
