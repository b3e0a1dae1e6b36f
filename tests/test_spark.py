"""shuangyong.spark.entitle in a real local PySpark session (local[2]): one row per input row, equal to
the single-process run for 1, 3 and 7 partitions, reconciled with Spark aggregations.

Skipped, with the reason, where pyspark or a Java runtime is absent.  One session for the module.
"""

from __future__ import annotations

import os
import shutil
import sys
from decimal import Decimal

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime (java not on PATH, JAVA_HOME unset): Spark cannot start", allow_module_level=True)

import shuangyong as sy  # noqa: E402
from shuangyong.batch import run_roster  # noqa: E402
from shuangyong.spark import entitle, reconcile  # noqa: E402

from _arrow_roster import HEADERS, rows  # noqa: E402


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    from pyspark.sql import SparkSession

    # Spark's Python workers must import shuangyong and pyarrow: this interpreter has them.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("shuangyong-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def single() -> sy.RosterRun:
    return run_roster(sy.Engine.from_plugins(), [dict(zip(HEADERS, r)) for r in rows()], 2024)


def test_partitions_equal_single_process(spark, single: sy.RosterRun) -> None:  # type: ignore[no-untyped-def]
    data = rows()
    want = single.to_arrow("all")
    base = spark.createDataFrame(data, schema=", ".join(f"`{h}` string" for h in HEADERS))
    for parts in (1, 3, 7):
        sdf = base.coalesce(1).repartitionByRange(parts, "编号") if parts > 1 else base.coalesce(1)
        result = entitle(sdf, 2024, keep=["编号", "行政区划代码"])
        assert result.columns[:3] == ["编号", "行政区划代码", "id_number"]
        assert dict(result.dtypes)["total"] == "decimal(18,2)"
        got = {r["编号"]: r.asDict() for r in result.collect()}
        assert len(got) == len(data)  # one row per input row
        for i, r in enumerate(data):
            g = got[r[12 + 1]]
            assert g["行政区划代码"] == r[2]
            for c in ["id_number", *single.rule_codes, "total", "status", "field", "reason"]:
                assert g[c] == want[c][i].as_py(), (parts, i, c)
        summary = reconcile(result, sdf)
        assert summary == {"rows_in": len(data), "computed": single.computed, "rejected": single.rejected,
                           "reconciled": True, "total": single.total, "repeated_ids": 1}
        assert isinstance(summary["total"], Decimal)
