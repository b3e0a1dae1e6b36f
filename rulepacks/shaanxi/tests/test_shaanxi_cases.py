"""Run the hand-computed cases of ``tests/cases/*.toml`` against the pack, exactly.

The engine is the pack plus the TEST-ONLY example incomes of
``tests/example_parameters`` (labelled there as not real figures), because
the 陕西 grant needs incomes an adopting office supplies.  Each case's name
shows its arithmetic; amounts are compared as exact decimal strings, and
every paying explanation must reproduce its amount (``shuangyong.testing``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
import shuangyong_shaanxi
from shuangyong.testing import case_params, check_case

CASES = Path(__file__).parent / "cases"


@pytest.fixture(scope="module")
def engine(example_incomes: object) -> sy.Engine:
    return sy.Engine(plugins=[shuangyong_shaanxi, example_incomes])


@pytest.mark.parametrize("case", case_params(CASES))
def test_case(engine: sy.Engine, case: dict[str, Any]) -> None:
    check_case(engine, case)
