"""Each rule's checkov equivalents are what both tools do on the same twins (issue 24).

``tests/twins/<case>/`` holds a Terraform file (``main.tf``) and a Pulumi program
(``__main__.py``) declaring the same resources under the same names with the same settings.
checkov runs once over every ``main.tf`` (a session fixture: one process, its time printed);
the pack judges each program under the offline runtime through the Analyzer protocol.

What is compared is a *unit*: the resources of a twin joined by references (a bucket with its
ACLs, policy and public access block; a load balancer with its listener), since checkov reports
a misconfigured pair on one end (a public ACL on the bucket) and the pack on the other (the ACL).

The equivalents are generated from what the twins show: for a checkov check ``C`` of the
catalogue, the rules that fire on *every* unit where ``C`` fails; the one such rule is ``C``'s
equivalent. So a rule cites ``C`` exactly when, on every twin where checkov fails ``C``, that
rule fires too — and it is the only rule that always does. The estate rules below are left out
of the pairing: they judge what a single-resource twin lacks by construction (a second zone, a
copy on another vendor), which no checkov check looks at.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping

import pytest
from skyweave.policy import ALL_RULES, rule_by_name
from twins_lib import (
    CHECKOV_VERSION,
    CatalogueRow,
    PackRun,
    Verdicts,
    catalogue,
    checkov_executable,
    checkov_version,
    run_checkov,
    run_pack,
    terraform_resources,
    twin_names,
)

Unit = tuple[str, str]  # (twin, the least name of the resources references join)

#: Rules about the estate's redundancy, which every one-vendor twin fails by construction (one
#: zone, no copy on another vendor): not paired with any checkov check.
ESTATE_RULES = frozenset(
    {
        "skyweave-redundancy-bucket-copied-to-another-vendor",
        "skyweave-redundancy-zone-spread",
        "skyweave-redundancy-host-spread",
        "skyweave-redundancy-min-vendors",
        "skyweave-redundancy-survives-vendor-loss",
    }
)

#: Units where a rule fires and none of the checkov checks it is paired with fails: the pack is
#: stricter there, each for the reason given.
STRICTER: dict[tuple[str, str, str], str] = {
    ("aws-network", "ftp_open", "skyweave-security-no-open-admin-ports"): (
        "FTP (21) is one of the rule's default ports; no checkov check names it"
    ),
    ("azure", "nic_public", "skyweave-security-no-public-ip-on-instances"): (
        "an interface with a public address: checkov 3.3.30's CKV_AZURE_119 passes it"
    ),
    ("aws-services", "key_unprotected", "skyweave-security-stateful-protected"): (
        "a KMS key without protect (Terraform: prevent_destroy): checkov checks that for Cloud KMS keys "
        "(CKV_GCP_82) but not for AWS's"
    ),
    ("gcp", "sql_plaintext", "skyweave-security-databases-private-encrypted"): (
        "sslMode admits unencrypted connections: checkov's CKV_GCP_6 fails it too, but it also fails "
        "ENCRYPTED_ONLY (sql_encrypted_only), so it is no rule's pair"
    ),
}


@pytest.fixture(scope="session")
def rows() -> list[CatalogueRow]:
    return catalogue()


@pytest.fixture(scope="session")
def checkov(rows: list[CatalogueRow]) -> tuple[Verdicts, Verdicts]:
    """One checkov run over every twin, limited to the catalogue's checks."""
    if checkov_executable() is None:
        why = (
            f"checkov is not installed: python3 -m venv .venv-checkov && .venv-checkov/bin/python -m pip "
            f"install checkov=={CHECKOV_VERSION} (or set SKYWEAVE_CHECKOV); .ci/run does this"
        )
        if os.environ.get("CI"):
            pytest.fail(why)  # CI installs it: its absence there is a broken install, not a choice
        pytest.skip(why)
    executable = checkov_executable()
    assert executable is not None
    version = checkov_version(executable)
    assert version == CHECKOV_VERSION, f"{executable} is checkov {version!r}; the twins pin {CHECKOV_VERSION}"
    failed, passed, seconds = run_checkov(row.check for row in rows)
    print(f"\ncheckov over {len(twin_names())} twins: {seconds:.1f} s")
    return failed, passed


@pytest.fixture(scope="session")
def pack_run() -> PackRun:
    return run_pack(twin_names())


def _units(pack_run: PackRun, twin: str) -> dict[str, str]:
    """Each resource of ``twin`` → its unit's name (the least name of the resources references
    join to it, through the Pulumi program's dependencies)."""
    parent: dict[str, str] = {name: name for name in pack_run.resources[twin]}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for name, deps in pack_run.dependencies[twin].items():
        for dep in deps:
            if dep in parent:
                a, b = sorted((find(name), find(dep)))
                parent[b] = a
    return {name: find(name) for name in parent}


def _by_unit(pack_run: PackRun, verdicts: Verdicts) -> dict[tuple[str, str], set[str]]:
    joined: dict[tuple[str, str], set[str]] = defaultdict(set)
    for twin in twin_names():
        units = _units(pack_run, twin)
        for (where, name), found in verdicts.items():
            if where == twin:
                joined[(twin, units.get(name, name))] |= found
    return joined


def pair(
    covered: set[str], failed: Mapping[Unit, set[str]], fired: Mapping[Unit, set[str]]
) -> tuple[dict[str, set[str]], list[str]]:
    """(rule → the checks it is paired with, problems): a covered check pairs with the one rule
    that fires on every unit where it fails; none, or more than one, is a problem to fix."""
    paired: dict[str, set[str]] = defaultdict(set)
    problems: list[str] = []
    for check in sorted(covered):
        units = sorted(unit for unit, checks in failed.items() if check in checks)
        if not units:
            problems.append(f"{check}: no twin fails it (add one)")
            continue
        always = set.intersection(*(set(fired.get(unit, set())) for unit in units))
        if len(always) == 1:
            paired[next(iter(always))].add(check)
        elif not always:
            problems.append(f"{check}: no rule fires on every unit checkov fails it on ({units})")
        else:
            problems.append(
                f"{check}: {sorted(always)} all fire wherever it fails (add a twin that parts them)"
            )
    return dict(paired), problems


def _generated(
    rows: list[CatalogueRow], checkov: tuple[Verdicts, Verdicts], pack_run: PackRun
) -> tuple[dict[str, set[str]], list[str]]:
    """(rule → the checkov checks the twins pair it with, problems found while pairing)."""
    fired = {
        unit: {r for r in rules if r not in ESTATE_RULES}
        for unit, rules in _by_unit(pack_run, pack_run.fired).items()
    }
    covered = {row.check for row in rows if row.rule is not None}
    return pair(covered, _by_unit(pack_run, checkov[0]), fired)


def test_a_check_pairs_with_the_one_rule_that_fires_wherever_it_fails() -> None:
    """The pairing itself, on made-up verdicts (it needs no checkov)."""
    a, b, c = ("t", "a"), ("t", "b"), ("t", "c")
    failed = {a: {"CKV_1", "CKV_2"}, b: {"CKV_1"}, c: {"CKV_3"}}
    fired = {a: {"rule-x", "rule-y"}, b: {"rule-x"}, c: set()}
    paired, problems = pair({"CKV_1", "CKV_2", "CKV_3", "CKV_4"}, failed, fired)
    assert paired == {"rule-x": {"CKV_1"}}
    assert problems == [
        "CKV_2: ['rule-x', 'rule-y'] all fire wherever it fails (add a twin that parts them)",
        "CKV_3: no rule fires on every unit checkov fails it on ([('t', 'c')])",
        "CKV_4: no twin fails it (add one)",
    ]


def _cited(rule_name: str) -> set[str]:
    rule = rule_by_name(rule_name)
    assert rule is not None
    found: set[str] = set()
    for entry in rule.equivalents:
        if entry.startswith("checkov "):
            found |= set(re.findall(r"CKV2?_[A-Z]+_\d+", entry))
    return found


def _checkov_entry(checks: set[str]) -> str:
    def key(check: str) -> tuple[str, int]:
        head, _, number = check.rpartition("_")
        return head, int(number)

    return "checkov " + ", ".join(sorted(checks, key=key))


def test_the_twins_are_twins(pack_run: PackRun) -> None:
    """Every resource main.tf declares is registered by the program under the same name (the
    program may need more: a setting Terraform keeps inside a resource can be its own in Pulumi)."""
    for twin in twin_names():
        text = (pack_run.root / twin / "main.tf").read_text(encoding="utf-8")
        declared = re.findall(r'^resource\s+"[a-z0-9_]+"\s+"([A-Za-z0-9_-]+)"', text, re.MULTILINE)
        assert len(declared) == len(set(declared)), f"{twin}: a name declared twice"
        assert terraform_resources(twin) <= pack_run.resources[twin], twin


def test_each_rules_checkov_equivalents_are_what_the_twins_show(
    rows: list[CatalogueRow], checkov: tuple[Verdicts, Verdicts], pack_run: PackRun
) -> None:
    paired, problems = _generated(rows, checkov, pack_run)
    assert problems == []
    wrong = {
        rule.name: (_checkov_entry(paired[rule.name]) if paired.get(rule.name) else "(none)")
        for rule in ALL_RULES
        if _cited(rule.name) != paired.get(rule.name, set())
    }
    assert wrong == {}, "set each rule's checkov equivalents to what the twins show: " + repr(wrong)


def test_the_catalogue_names_the_rule_the_twins_pair_each_check_with(
    rows: list[CatalogueRow], checkov: tuple[Verdicts, Verdicts], pack_run: PackRun
) -> None:
    paired, _ = _generated(rows, checkov, pack_run)
    by_check = {check: rule for rule, checks in paired.items() for check in checks}
    assert len({row.check for row in rows}) == len(rows), "a check listed twice"
    for row in rows:
        if row.rule is not None:
            assert by_check.get(row.check) == row.rule, row
        else:
            assert row.why_not and row.why_not.startswith("not covered: "), row
            assert row.check not in by_check, row
    assert {r.name for r in ALL_RULES} >= {row.rule for row in rows if row.rule}


def test_where_a_rule_fires_checkov_fails_a_check_it_is_paired_with_or_the_pack_is_stricter(
    rows: list[CatalogueRow], checkov: tuple[Verdicts, Verdicts], pack_run: PackRun
) -> None:
    paired, _ = _generated(rows, checkov, pack_run)
    failed = _by_unit(pack_run, checkov[0])
    unexplained = []
    for (twin, unit), rules in sorted(_by_unit(pack_run, pack_run.fired).items()):
        for rule in sorted(rules):
            missed = paired.get(rule) and not paired[rule] & failed.get((twin, unit), set())
            if missed and (twin, unit, rule) not in STRICTER:
                unexplained.append((twin, unit, rule))
    assert unexplained == [], unexplained
    assert set(STRICTER) <= {
        (twin, unit, rule)
        for (twin, unit), rules in _by_unit(pack_run, pack_run.fired).items()
        for rule in rules
    }


def test_on_each_unit_checkov_fails_no_covered_check_the_rules_that_fire_do_not_cite(
    rows: list[CatalogueRow], checkov: tuple[Verdicts, Verdicts], pack_run: PackRun
) -> None:
    """The twins, one by one: what checkov fails on a unit among the covered checks is among the
    checkov equivalents the rules firing on its Pulumi twin cite (as `skyweave rules` prints them)."""
    covered = {row.check for row in rows if row.rule is not None}
    fired = _by_unit(pack_run, pack_run.fired)
    for unit, checks in sorted(_by_unit(pack_run, checkov[0]).items()):
        cited = set().union(*(_cited(rule) for rule in fired.get(unit, set())))
        assert checks & covered <= cited, (unit, sorted(checks & covered - cited))


def _clouds() -> Iterator[str]:
    yield from ("aws", "gcp", "azure", "openstack")


def test_the_catalogue_covers_each_cloud(rows: list[CatalogueRow]) -> None:
    """About fifteen of checkov's checks per cloud (OpenStack: all five it has)."""
    for cloud in _clouds():
        listed = [row for row in rows if row.cloud == cloud]
        assert len(listed) >= (5 if cloud == "openstack" else 15), cloud
