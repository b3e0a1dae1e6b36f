"""Run the hand-computed cases of ``tests/cases/*.toml`` against the pack, exactly.

Each case's name shows its arithmetic; amounts are compared as exact decimal
strings, and every paying explanation must reproduce its amount from the
numbers it shows (see ``shuangyong.testing``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
import shuangyong_guangxi
from shuangyong.testing import case_params, check_case

CASES = Path(__file__).parent / "cases"


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine(plugins=[shuangyong_guangxi])


@pytest.mark.parametrize("case", case_params(CASES))
def test_case(engine: sy.Engine, case: dict[str, Any]) -> None:
    check_case(engine, case)
