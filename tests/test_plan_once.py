"""An estate planned once (``skyweave.estate.stack.plan_once``, issue 31: 20,000 units of a
10,000-site estate must not each plan the whole estate) is the plan a unit's program takes when
its configuration is exactly the one planned, and only then: a unit run with any other
configuration, as under a real ``pulumi preview`` of one unit, plans itself. The oracle is the
same unit's run planning for itself: the registrations must be the same, input for input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import skyweave.estate.stack as stack_module
from conftest import stack_raw, write_stack
from skyweave.engine.offline import OfflineMocks, run_program
from skyweave.estate.project import Project
from skyweave.estate.stack import plan_once


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setattr(stack_module, "_PLANNED", [])  # nothing planned before this test
    return write_stack(tmp_path, "dev", {**stack_raw("dev"), "deployment": "units"})


def _run(project: Project, config: dict[str, str], secret: frozenset[str]) -> list[dict[str, Any]]:
    run = run_program(
        project.main,
        project=project.name,
        stack="dev.aws-use1",
        config=config,
        secret_keys=secret,
        mocks=OfflineMocks(),
    )
    return sorted((r.as_dict() for r in run.resources), key=lambda r: str(r["urn"]))


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time a program plans the estate, the stack it planned for."""
    calls: list[str] = []
    real = stack_module.parse_stack_config

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(kwargs.get("stack")))
        return real(*args, **kwargs)

    monkeypatch.setattr(stack_module, "parse_stack_config", counted)
    return calls


def test_a_unit_takes_the_plan_made_once_and_registers_what_it_would_have(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_file = project.read_stack("dev")
    config, secret = stack_file.engine_config(), frozenset(stack_file.secret_keys)
    calls = _counting(monkeypatch)
    alone = _run(project, config, secret)
    assert calls == ["dev.aws-use1"]  # planning for itself, as pulumi preview of one unit does
    planned = plan_once(config, secret, estate="dev", source=stack_file.label)
    assert calls == ["dev.aws-use1", "dev"]
    again = _run(project, config, secret)
    assert calls == ["dev.aws-use1", "dev"]  # the unit took the plan made once
    assert again == alone and len(again) > 3
    assert planned.deployment.value == "units"


def test_any_other_configuration_plans_itself(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    stack_file = project.read_stack("dev")
    config, secret = stack_file.engine_config(), frozenset(stack_file.secret_keys)
    plan_once(config, secret, estate="dev", source=stack_file.label)
    calls = _counting(monkeypatch)
    # The same estate written differently (another JSON spacing): not the text planned, so planned again.
    respaced = {
        k: json.dumps(json.loads(v), indent=1) if k == "skyweave:sites" else v for k, v in config.items()
    }
    assert _run(project, respaced, secret) == _run(project, config, secret)
    assert calls == ["dev.aws-use1"]
    # A key more (another namespace's keys do not matter; the estate's do).
    _run(project, {**config, "skyweave:tags": json.dumps({"team": "net"})}, secret)
    assert calls == ["dev.aws-use1", "dev.aws-use1"]


def test_a_configuration_error_found_once_is_still_each_units_error(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_file = project.read_stack("dev")
    config = {**stack_file.engine_config(), "skyweave:deployment": "unit"}
    with pytest.raises(Exception, match="deployment") as planned:
        plan_once(config, stack_file.secret_keys, estate="dev", source=stack_file.label)
    with pytest.raises(Exception, match="deployment") as unit:
        _run(project, config, frozenset(stack_file.secret_keys))
    assert type(unit.value) is type(planned.value)
