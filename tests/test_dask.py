"""shuangyong.dask.entitle on a local Dask scheduler: one row per input row, equal to the single-process run
for 1, 3 and 7 partitions, reconciled with an exact total."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
import dask  # noqa: E402

import shuangyong as sy  # noqa: E402
from shuangyong.roster.run import run_roster  # noqa: E402
from shuangyong.dask import entitle, reconcile  # noqa: E402

from _arrow_roster import HEADERS, rows  # noqa: E402


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame(rows(), columns=HEADERS)


@pytest.fixture(scope="module")
def single(frame: pd.DataFrame) -> tuple[pd.DataFrame, sy.RosterRun]:
    run = run_roster(sy.Engine.from_plugins(), frame, 2024)
    return run.to_pandas("all"), run


@pytest.mark.parametrize("parts", [1, 3, 7])
def test_partitions_equal_single_process(frame: pd.DataFrame, single: tuple, parts: int) -> None:
    want, run = single
    ddf = dd.from_pandas(frame, npartitions=parts)
    assert ddf.npartitions == parts
    got = entitle(ddf, 2024, keep=["编号", "行政区划代码"]).compute(scheduler="threads")
    assert list(got["编号"]) == list(frame["编号"])  # one row per input row, in order, keep carried through
    assert list(got.columns[:4]) == ["编号", "行政区划代码", "row", "id_number"]
    for c in ["row", "id_number", *run.rule_codes, "total", "status", "field", "reason"]:
        assert got[c].reset_index(drop=True).equals(want[c]), c
    assert got["total"].sum() == run.total
    assert (got["status"] == "rejected").sum() == run.rejected == 6


def test_repeat_across_partitions(frame: pd.DataFrame) -> None:
    """A 身份证号 in two partitions: the later row is rejected, citing the first, as in one run."""
    moved = frame.copy()
    moved.loc[230, "身份证号"] = moved.loc[3, "身份证号"]
    run = run_roster(sy.Engine.from_plugins(), moved, 2024)
    want = run.to_pandas("all")
    assert "row 5" in want.loc[230, "reason"]
    for parts in (1, 7):
        got = entitle(dd.from_pandas(moved, npartitions=parts), 2024).compute(scheduler="threads").reset_index(drop=True)
        for c in want.columns:
            assert got[c].equals(want[c]), (parts, c)


def test_meta_matches_and_reconcile(frame: pd.DataFrame, single: tuple) -> None:
    _, run = single
    ddf = dd.from_pandas(frame, npartitions=3)
    result = entitle(ddf, 2024, keep=["编号"])
    out = result.compute(scheduler="threads")
    assert list(out.columns) == list(result._meta.columns)
    assert [str(t) for t in out.dtypes] == [str(t) for t in result._meta.dtypes]
    r = reconcile(result, ddf)
    assert r == {"rows_in": 240, "computed": run.computed, "rejected": run.rejected, "reconciled": True,
                 "total": run.total, "repeated_ids": 1}
    assert isinstance(r["total"], Decimal)


def test_processes_scheduler(frame: pd.DataFrame, single: tuple) -> None:
    """The batch function travels to worker processes (pickled) and loads its engine there."""
    _, run = single
    with dask.config.set(scheduler="processes", num_workers=2):
        got = entitle(dd.from_pandas(frame, npartitions=2), 2024).compute()
    assert got["total"].sum() == run.total
