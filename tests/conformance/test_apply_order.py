"""(c) The apply-order model: every provider-side precondition skyweave relies on is ordered.

Each row of ``preconditions.PRECONDITIONS`` is a rule a cloud API enforces at create time, with
its source; this asserts that the recorded dependency graph (``depends_on``, input dependencies
and providers, transitively) orders every pair the rule relates, on both example stacks and the
generated estates.
"""

from __future__ import annotations

import pytest
from conformance_harness import GENERATED, STACKS, estate
from preconditions import PRECONDITIONS, violations


@pytest.mark.parametrize("row", PRECONDITIONS, ids=[p.key for p in PRECONDITIONS])
@pytest.mark.parametrize("name", (*STACKS, *GENERATED))
def test_every_precondition_is_ordered(name: str, row: object) -> None:
    found = [str(v) for v in violations(estate(name), (row,))]  # type: ignore[arg-type]
    assert not found, "\n".join(found)


def test_every_row_says_where_the_rule_comes_from() -> None:
    keys = [row.key for row in PRECONDITIONS]
    assert len(keys) == len(set(keys))
    for row in PRECONDITIONS:
        assert row.rule.endswith((".", ")")) and len(row.rule) > 40, row.key
        assert "http" in row.source or "/" in row.source, row.key
        assert (row.find is None) != (row.serial_key is None), row.key


def test_the_model_covers_every_shape_it_relates() -> None:
    """Each row relates resources some estate has; a row that matches nothing tests nothing."""
    names = (*STACKS, *GENERATED)
    for row in PRECONDITIONS:
        assert any(estate(n).of_type(*row.dependent) for n in names), row.key
