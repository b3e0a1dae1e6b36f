"""Make the pack importable when its tests run from a checkout without installing it."""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import shuangyong_shaanxi  # noqa: F401  (installed, or PYTHONPATH=src)
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


from typing import Any  # noqa: E402

import pytest  # noqa: E402

import shuangyong as sy  # noqa: E402

#: TEST-ONLY parameter file with example incomes (not real figures).
EXAMPLE_PARAMETERS = Path(__file__).resolve().parent / "example_parameters"


class ExampleIncomes:
    """TEST-ONLY plugin: registers example incomes and 年退役金 for 陕西 (610000).

    This is how an adopting office supplies the figures the pack lacks: a
    plugin (or its own pack) whose ``shuangyong_parameters`` registers a
    parameter file for the province.
    """

    @sy.hookimpl
    def shuangyong_pack_info(self) -> dict[str, Any]:
        return {"name": "shaanxi_test_example", "version": "0", "title": "TEST-ONLY example incomes", "jurisdictions": ["610000"]}

    @sy.hookimpl
    def shuangyong_parameters(self, register: Any) -> None:
        register(EXAMPLE_PARAMETERS, jurisdiction="610000")


@pytest.fixture(scope="module")
def example_incomes() -> ExampleIncomes:
    return ExampleIncomes()
