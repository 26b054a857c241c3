"""docs/api/: one page per component whose example runs, whose arguments are generated from the
models and whose outputs table names what the component really has."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
from conftest import ROOT, run
from skyweave.estate.reference import API_COMPONENTS, api_arguments

PAGES = {stem: ROOT / "docs" / "api" / f"{stem}.md" for stem in API_COMPONENTS}


def _example(page: Path) -> str:
    block = re.search(r"## Example\n\n```python\n(.*?)```", page.read_text(), re.S)
    assert block is not None, f"{page.name}: no example"
    return block.group(1)


def _outputs_table(page: Path) -> list[tuple[str, str]]:
    section = page.read_text().split("## Outputs", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`\w+`|—) \| (`\w+`|—) \|", section, re.M)
    return [(a.strip("`"), b.strip("`")) for a, b in rows]


@pytest.mark.parametrize("stem", API_COMPONENTS)
def test_arguments_are_generated_from_the_models(stem: str) -> None:
    text = PAGES[stem].read_text()
    begin, end = "<!-- BEGIN GENERATED ARGUMENTS -->\n", "<!-- END GENERATED ARGUMENTS -->"
    assert text[text.index(begin) + len(begin) : text.index(end)] == api_arguments(API_COMPONENTS[stem]), (
        "regenerate docs/api with skyweave.estate.reference.api_arguments"
    )


@pytest.mark.parametrize("stem", API_COMPONENTS)
def test_the_example_runs_and_the_outputs_table_is_true(stem: str) -> None:
    cls = API_COMPONENTS[stem]
    namespace: dict[str, Any] = {"__name__": "__main__"}
    result = run(lambda: exec(compile(_example(PAGES[stem]), PAGES[stem].name, "exec"), namespace))
    (instance,) = [v for v in namespace.values() if type(v).__name__ == cls]
    assert isinstance(instance, pulumi.ComponentResource)
    (urn,) = [r.urn for r in result.resources if r.type.endswith(f":{cls}")]
    registered = result.component_outputs[urn]
    rows = _outputs_table(PAGES[stem])
    assert rows, f"{stem}: no outputs table"
    for attribute, key in rows:
        if attribute != "—":
            assert hasattr(instance, attribute), f"{cls} has no attribute {attribute}"
        if key != "—":
            assert key in registered, f"{cls} registers no output {key}"
    # every registered output is documented
    assert set(registered) <= {key for _, key in rows}, set(registered) - {key for _, key in rows}


def test_the_api_pages_link_to_files_that_exist() -> None:
    for page in [ROOT / "docs" / "api" / "index.md", *PAGES.values()]:
        for target in re.findall(r"(?<!!)\[[^\]]*\]\(([^)\s#]+)[^)]*\)", page.read_text()):
            if not re.match(r"^[a-z]+:", target):
                assert (page.parent / target).exists(), f"{page.name}: {target}"
