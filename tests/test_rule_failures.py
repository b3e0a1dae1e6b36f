"""A rule that raises or returns a non-money value rejects its row (naming the rule), the run goes on;
a pack that exits at import is a load error."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.roster.run import run_roster
from shuangyong.errors import RuleEvaluationError
from shuangyong.testing import FixturePack

from conftest import make_id

_BASIS = sy.Basis(document="test fixture", certainty="assumption")
BAD_ID = make_id(seq=13)
NAME = "欧阳修竹"


@sy.rule(code="t_fragile", period="yearly", pay_on=(1, 20), title=("测试易错", "test fragile"), inputs=("hukou",),
         basis=_BASIS)
def t_fragile(facts: Any, p: Any) -> Any:
    if facts.hukou is sy.Hukou.URBAN:
        raise ValueError(f"cannot handle {NAME} {BAD_ID}")  # a pack's reason quoting the person (e.g. from its own list)
    if facts.hukou is sy.Hukou.RURAL:
        return 12.5  # a float: not exact money
    return Decimal("100")


def _engine() -> sy.Engine:
    return sy.Engine(plugins=[FixturePack("fragilepack", [t_fragile])])


def _rows() -> list[dict[str, Any]]:
    base = {"行政区划代码": "422827", "伤残等级": "6", "伤残性质": "因战", "评残时间": "2010-05-01"}
    return [
        dict(base, 身份证号=BAD_ID, 户籍="城镇", 姓名=NAME),
        dict(base, 身份证号=make_id(seq=21), 户籍="农村"),
        dict(base, 身份证号=make_id(seq=31)),  # no 户籍: pays 100
    ]


@pytest.mark.parametrize("fast", [False, True])
def test_failing_rule_rejects_the_row_and_the_run_goes_on(fast: bool) -> None:
    if fast:
        pytest.importorskip("numpy")
    run = run_roster(_engine(), _rows(), 2024, fast=fast)
    assert (run.rows_in, run.computed, run.rejected) == (3, 1, 2)
    assert [r.row for r in run.rejects] == [1, 2]
    assert all(r.field == "t_fragile" for r in run.rejects)
    assert "ValueError" in run.rejects[0].reason and "float" in run.rejects[1].reason
    shown = repr(run.rejects) + str(run.summary()) + "\n".join(run.lines())
    assert BAD_ID not in shown and NAME not in shown and "欧***" in run.rejects[0].reason
    row = next(iter(run.results()))
    assert row["t_fragile"] == Decimal("100.00")
    assert run.summary()["reconciled"]


def test_engine_raises_rule_evaluation_error_for_one_person() -> None:
    person = sy.Person.from_record(_rows()[1])
    with pytest.raises(RuleEvaluationError) as e:
        _engine().entitlements(person, sy.Period.year(2024))
    assert e.value.rule == "t_fragile"


def test_pack_calling_sys_exit_at_import_is_a_load_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sy_exitpack.py").write_text("import sys\nsys.exit(0)\n", encoding="utf-8")
    dist = tmp_path / "sy_exitpack-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sy-exitpack\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[shuangyong.rulepacks]\nexitpack = sy_exitpack\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(sy.RulePackLoadError) as e:
        sy.Engine.from_plugins(only=["exitpack"])
    assert e.value.stage == "import" and "sys.exit" in str(e.value)


def test_pack_calling_sys_exit_in_a_hook_is_a_load_error() -> None:
    class Exits:
        __name__ = "exit_hook_pack"

        @sy.hookimpl
        def shuangyong_rules(self, register: Any) -> None:
            raise SystemExit(3)

    with pytest.raises(sy.RulePackLoadError, match="SystemExit"):
        sy.Engine(plugins=[Exits()])
