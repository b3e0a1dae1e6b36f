"""The case-file plugin (shuangyong.pytest_plugin): what it collects, what it refuses, both roads.

Run as a real ``pytest`` subprocess on a folder outside this repository, as a pack author would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shuangyong.testing import record_from_case, validate_case

# A pack written outside this repository, as the guide describes: pyproject entry point, one rule, one
# parameter file; never installed (the plugin imports it from src/).
PYPROJECT = """
[project]
name = "shuangyong-tmpcase"
version = "0"
[project.entry-points."shuangyong.rulepacks"]
tmpcase = "shuangyong_tmpcase"
"""
MODULE = """
from pathlib import Path
import shuangyong as sy

BASIS = sy.Basis(document="test fixture", certainty="assumption")

@sy.rule(code="tmp_allowance", period="monthly", title=("测试补助", "test allowance"), inputs=("categories",),
         params=("monthly",), basis=BASIS)
def tmp_allowance(facts, p):
    if not facts.has(sy.Category.COMBAT_VETERAN):
        return sy.NotEligible("非参战退役人员", "not a combat veteran")
    return p.monthly

@sy.hookimpl
def shuangyong_pack_info():
    return {"name": "tmpcase", "version": "0", "jurisdictions": ["422827"]}

@sy.hookimpl
def shuangyong_parameters(register):
    register(Path(__file__).parent / "tmp_allowance.toml", jurisdiction="422827")

@sy.hookimpl
def shuangyong_rules(register):
    register(tmp_allowance, jurisdiction="422827")
"""
PARAMS = """
[monthly]
description = "test fixture"
unit = "元/月"
[[monthly.values]]
from = 2000-01-01
value = 100
source = { document = "test fixture", certainty = "assumption" }
"""
GOOD = """
[[case]]
name = "参战 2024: 100 × 12 = 1,200"
period = "2024"
person = { "行政区划代码" = "422827", born = "1950-03-15", "类别" = "参战退役人员" }
expect = { tmp_allowance = 1200 }
explain = { tmp_allowance = "100" }
"""


def _pytest(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)], capture_output=True,
                          text=True, cwd=folder, timeout=300)


def _case_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    pack = tmp_path / "pack"
    (pack / "src" / "shuangyong_tmpcase").mkdir(parents=True)
    (pack / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (pack / "src" / "shuangyong_tmpcase" / "__init__.py").write_text(MODULE, encoding="utf-8")
    (pack / "src" / "shuangyong_tmpcase" / "tmp_allowance.toml").write_text(PARAMS, encoding="utf-8")
    cases = pack / "tests" / "cases"
    cases.mkdir(parents=True)
    for name, text in files.items():
        (cases / name).write_text(text, encoding="utf-8")
    return tmp_path / "pack"


def test_a_case_file_outside_the_repository_runs_on_both_roads(tmp_path: Path) -> None:
    # one subprocess: a right case passes, a wrong amount fails naming the case
    out = _pytest(_case_folder(tmp_path, {"good.toml": GOOD, "wrong.toml": GOOD.replace("1200 }", "1201 }")}))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "1 passed" in out.stdout and "1 failed" in out.stdout
    assert "wrong.toml" in out.stdout and "参战 2024" in out.stdout


def test_unknown_keys_and_cases_without_expectation_are_refused(tmp_path: Path) -> None:
    files = {
        "unknown.toml": GOOD.replace("expect =", "expected ="),
        "none.toml": GOOD.replace('expect = { tmp_allowance = 1200 }\nexplain = { tmp_allowance = "100" }\n', ""),
        "top.toml": "packz = []\n" + GOOD,
    }
    out = _pytest(_case_folder(tmp_path, files))
    assert out.returncode != 0
    for why in ("unknown key(s) expected", "states no expectation", "unknown top-level key(s) packz"):
        assert why in out.stdout, (why, out.stdout)


def test_validate_case_and_record_from_case() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        validate_case({"name": "x", "period": "2024", "person": {}, "expect": {"a": "1"}, "extra": 1})
    with pytest.raises(ValueError, match="no expectation"):
        validate_case({"name": "x", "period": "2024", "person": {}, "expect": {}})
    # Chinese headers; a synthetic ID from region, birth date and seq
    rec = record_from_case({"行政区划代码": "422827", "出生日期": "1950-03-15", "类别": "参战退役人员"})
    assert rec["id_number"][6:14] == "19500315"
    # with an ID, the birth date is the ID's: none is invented
    rec = record_from_case({"region": "422827", "id_number": "422827196005200118"})
    assert "birth_date" not in rec
