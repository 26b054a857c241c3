"""Policy configs (issue 29, item 10): a custom pack inside a project is not handed the stack's
policy file (written for skyweave's pack), and a waiver's date is a real date written in ASCII
digits — ``2027-02-30``, a trailing newline or non-ASCII digits are refused, not accepted and then
silently dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, CliOnce
from skyweave.cli import main
from skyweave.core.errors import ConfigError
from skyweave.engine.policy_config import validate_policy_config
from skyweave.policy.waivers import parse_waivers

RULE = "skyweave-security-no-open-admin-ports"


def _config(expires: str) -> dict[str, dict[str, object]]:
    return {
        RULE: {"waivers": [{"resource": "x", "justification": "a reason long enough", "expires": expires}]}
    }


@pytest.mark.parametrize(
    "expires",
    [
        "2027-02-30",
        "2027-13-01",
        "2027-00-10",
        "2027-01-01\n",
        "２０２７-01-01",
        "٢٠٢٧-٠١-٠١",
        "2027-1-01",
        " 2027-01-01",
    ],
)
def test_a_waiver_date_that_is_not_a_date_is_refused(expires: str) -> None:
    with pytest.raises(ConfigError, match=r"\[0\]\.expires: must (match|be) a date"):
        validate_policy_config(_config(expires), "policy.json")


@pytest.mark.parametrize("expires", ["2027-02-28", "2028-02-29", "2999-12-31"])
def test_a_real_date_is_accepted_and_kept(expires: str) -> None:
    validate_policy_config(_config(expires), "policy.json")
    [waiver] = parse_waivers(_config(expires)[RULE]["waivers"])
    assert waiver.expires is not None and waiver.expires.isoformat() == expires


def test_a_custom_pack_in_a_project_is_not_given_the_stacks_policy_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_once: CliOnce
) -> None:
    """Judged from the stack's plan (`--from-json`, the project's stack named by the plan): the
    policy file is chosen by the same code for `--stack`, without running the program twice."""
    from policy_helpers import USER_PACK

    assert (ROOT / "stacks" / "Pulumi.dev.policy.json").is_file() or (
        ROOT / "stacks" / "Pulumi.prod.policy.json"
    ).is_file()
    stack = "prod" if (ROOT / "stacks" / "Pulumi.prod.policy.json").is_file() else "dev"
    code, plan = cli_once("preview", "--stack", stack, "--format", "json")
    assert code == 0
    (tmp_path / "plan.json").write_text(plan)
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 2.0.0\n")
    (pack / "__main__.py").write_text(USER_PACK)
    from_plan = ["--from-json", str(tmp_path / "plan.json")]
    assert main(["-C", str(ROOT), "check", *from_plan, "--pack", str(pack), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["pack"] == "mine" and not any("policy config" in note for note in doc["notes"]), err
    # an explicit --config still goes to the pack it names
    config = tmp_path / "mine.json"
    config.write_text(json.dumps({"my-policy": "mandatory"}))
    code = main(
        [
            "-C",
            str(ROOT),
            "check",
            *from_plan,
            "--pack",
            str(pack),
            "--config",
            str(config),
            "--format",
            "json",
        ]
    )
    violations = json.loads(capsys.readouterr().out)["violations"]
    assert (
        code == 4
        and violations
        and {(v["policy"], v["level"]) for v in violations} == {("my-policy", "mandatory")}
    )
