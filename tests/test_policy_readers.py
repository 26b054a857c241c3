"""The policy readers: what each claims is what its SDK declares, each token is one reader's, and
readers plug in like drivers (built-in table, entry point, registration).

The independent source for the tokens is the installed provider SDKs' own registration tables
(``tests/conformance/sdk_declarations.py``: the tables the engine resolves resource references
with), never the readers' constants.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from conformance.sdk_declarations import _token_table
from policy_helpers import check_stack, res
from skyweave.policy import readers, rule_by_name
from skyweave.policy.reading import Reader

#: Tokens of older SDK majors the readers still read (a plan made with them), which the installed
#: majors no longer register: azure-native 2's Monitor autoscale settings (``insights``) and
#: Traffic Manager (``network``), renamed in azure-native 3.
OLDER_SDK_TOKENS = frozenset(
    {
        "azure-native:insights:AutoscaleSetting",
        "azure-native:network:Endpoint",
        "azure-native:network:Profile",
    }
)


def test_every_claimed_type_is_one_the_installed_sdks_declare() -> None:
    declared = _token_table()
    for reader in readers.all_readers():
        undeclared = sorted(t for t in reader.claims() if t not in declared)
        assert set(undeclared) <= OLDER_SDK_TOKENS, (reader.vendor, undeclared)


def test_each_type_is_claimed_by_one_reader_of_its_own_package() -> None:
    claims = Counter(t for reader in readers.all_readers() for t in reader.claims())
    assert [t for t, n in claims.items() if n > 1] == []
    for reader in readers.all_readers():
        foreign = {t.split(":", 1)[0] for t in reader.claims()} - reader.packages
        # Only the on-prem reader reads another package's type: the commands that configure its hosts.
        assert foreign == ({"command"} if reader.vendor == "onprem" else set()), reader.vendor


class _Sky(Reader):
    vendor = "skycloud"
    display_name = "Sky Cloud"
    packages = frozenset({"skycloud"})
    compute = {"skycloud:index:Server": "server"}

    def capacity(self, estate: object, res: object) -> tuple[str, int, list[str]]:
        return "server", 1, ["sky-a"]


@pytest.fixture
def sky() -> Iterator[None]:
    with readers.reader_registered(_Sky):
        yield


def test_a_registered_reader_makes_its_package_a_judged_cloud(sky: None) -> None:
    assert "skycloud" in readers.cloud_packages()
    assert readers.package_vendor("skycloud") == "skycloud" and readers.vendor_name("skycloud") == "Sky Cloud"
    server = res("skycloud:index:Server", "s1", site="sky-1")
    assert check_stack(rule_by_name("skyweave-coverage-unjudged"), [server]) == []
    vendors = check_stack(rule_by_name("skyweave-redundancy-min-vendors"), [server], minVendors=1)
    assert vendors == []


def test_without_it_the_package_is_not_judged() -> None:
    assert not readers.judges("skycloud:index:Server") and readers.judges("random:index/randomId:RandomId")
    server = res("skycloud:index:Server", "s1", site="sky-1")
    (finding,) = check_stack(rule_by_name("skyweave-coverage-unjudged"), [server])
    assert "no policy reader for package skycloud" in finding.message
    assert "skycloud" not in readers.cloud_packages()


def test_a_reader_names_its_vendor() -> None:
    class Nameless(Reader):
        pass

    with pytest.raises(ValueError, match="Nameless names no vendor"):
        readers.register_reader(Nameless)


def test_vendor_names_come_from_the_readers() -> None:
    assert [readers.vendor_name(v) for v in ("aws", "gcp", "openstack", "azure", "onprem")] == [
        "AWS",
        "GCP",
        "OpenStack",
        "Azure",
        "on-prem",
    ]
    assert (
        readers.vendor_name("azure-native") == "Azure" and readers.package_vendor("azure-native") == "azure"
    )
    assert readers.package_vendor("google-native") == "gcp"
