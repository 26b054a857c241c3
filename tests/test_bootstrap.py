"""The bootstrap: cloud-init carries exactly the script and files; the digest tracks every change."""

from __future__ import annotations

import shlex

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from skyweave.core.bootstrap import CLOUD_SCRIPT_PATH, BootstrapArgs, node_environment
from skyweave.core.errors import InvalidArgsError

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\x85\u2028\u2029"))
PATHS = st.from_regex(r"/[a-z]{1,8}(/[a-z0-9._-]{1,8}){0,3}", fullmatch=True)
ENV = node_environment("metal", "metal-node-0", "worker", "os-dc1", "az1")


@given(TEXT, st.dictionaries(PATHS, TEXT, max_size=4))
def test_cloud_init_round_trips_the_script_and_files(script: str, files: dict[str, str]) -> None:
    boot = BootstrapArgs(script=script, files=files)
    user_data = boot.cloud_init(ENV)
    assert user_data.startswith("#cloud-config\n")
    doc = yaml.safe_load(user_data)
    written = {f["path"]: f["content"] for f in doc["write_files"]}
    assert written == {**files, CLOUD_SCRIPT_PATH: script}
    assert doc["runcmd"] == [["env", *(f"{k}={v}" for k, v in sorted(ENV.items())), "sh", CLOUD_SCRIPT_PATH]]


@given(TEXT, st.dictionaries(PATHS, TEXT, max_size=3), TEXT)
def test_the_digest_changes_with_any_change(script: str, files: dict[str, str], extra: str) -> None:
    boot = BootstrapArgs(script=script, files=files)
    assert boot.digest() == BootstrapArgs(script=script, files=dict(reversed(files.items()))).digest()
    if extra:
        assert BootstrapArgs(script=script + extra, files=files).digest() != boot.digest()
        assert BootstrapArgs(script=script, files={**files, "/x/new": extra}).digest() != boot.digest()


def test_the_ssh_command_quotes_the_environment() -> None:
    boot = BootstrapArgs(script="echo hi\n")
    line = boot.ssh_command("/tmp/s.sh", {"SKYWEAVE_NODE": "a b", "SKYWEAVE_ROLE": "w;rm -rf /"})
    assert shlex.split(line) == ["SKYWEAVE_NODE=a b", "SKYWEAVE_ROLE=w;rm -rf /", "sh", "/tmp/s.sh"]


def test_files_need_absolute_paths() -> None:
    # built directly, a model reports like a component does: InvalidArgsError naming the key
    with pytest.raises(InvalidArgsError, match=r"files: .*must be an absolute path on the node"):
        BootstrapArgs(script="x", files={"etc/app.conf": "x"})


def test_an_empty_script_is_no_bootstrap() -> None:
    assert not BootstrapArgs().enabled and not BootstrapArgs(script="  \n").enabled
    assert BootstrapArgs(script="true").enabled


def test_the_ssh_install_command_installs_with_sudo_runs_then_removes_the_stage() -> None:
    from skyweave.core.bootstrap import stage_command

    boot = BootstrapArgs(script="echo hi\n", files={"/etc/b.conf": "b", "/opt/my app/a.conf": "a"})
    line = boot.ssh_install_command("/tmp/skyweave-p.AbC123", {"SKYWEAVE_NODE": "n1"})
    assert line.split(" && ") == [
        "sudo -n mkdir -p -- /etc",
        "sudo -n mkdir -p -- '/opt/my app'",
        "sudo -n install -m 0644 -o root -g root /tmp/skyweave-p.AbC123/file-0 /etc/b.conf",
        "sudo -n install -m 0644 -o root -g root /tmp/skyweave-p.AbC123/file-1 '/opt/my app/a.conf'",
        "SKYWEAVE_NODE=n1 sh /tmp/skyweave-p.AbC123/bootstrap.sh",
        "rm -rf -- /tmp/skyweave-p.AbC123",
    ]
    assert stage_command("p") == 'umask 077 && mktemp -d "${TMPDIR:-/tmp}/skyweave-p.XXXXXXXXXX"'
