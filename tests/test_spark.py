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
from shuangyong.roster.run import run_roster  # noqa: E402
from shuangyong.spark import entitle, reconcile  # noqa: E402

from _arrow_roster import HEADERS, rows  # noqa: E402


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    from pyspark.sql import SparkSession

    # Spark's Python workers must import shuangyong and pyarrow: this interpreter has them.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("shuangyong-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data() -> list[list[str]]:
    d = rows()
    d[230][0] = d[3][0]  # a repeat far from its first row: another partition
    return d


def test_partitions_equal_single_process(spark, data: list) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    from shuangyong.arrow import results_table

    base = spark.createDataFrame(data, schema=", ".join(f"`{h}` string" for h in HEADERS)).coalesce(1).cache()
    for parts in (1, 3, 7):
        sdf = base if parts == 1 else base.repartition(parts).cache()
        assert sdf.rdd.getNumPartitions() == parts
        order = [r["编号"] for r in sdf.select("编号").collect()]  # the frame's own row order
        by_key = {r[13]: r for r in data}
        frame = pd.DataFrame([by_key[k] for k in order], columns=HEADERS)
        single = run_roster(sy.Engine.from_plugins(), frame, 2024)
        result = entitle(sdf, 2024, keep=["编号", "行政区划代码"])
        want = results_table(single, "all", result.columns[4:-4]).to_pylist()
        assert result.columns[:4] == ["编号", "行政区划代码", "row", "id_number"]
        assert dict(result.dtypes)["total"] == "decimal(18,2)"
        got = sorted((r.asDict() for r in result.collect()), key=lambda r: r["row"])
        assert len(got) == len(data)  # one row per input row
        assert [g["编号"] for g in got] == order
        for g, w in zip(got, want):
            assert {k: v for k, v in g.items() if k not in ("编号", "行政区划代码")} == w, \
                [(k, g[k], w[k]) for k in w if g[k] != w[k]]
        assert sum(1 for g in got if g["status"] == "rejected") == single.rejected == 7
        if parts != 7:
            continue  # the reconciliation's Spark jobs once, on the most partitioned frame
        summary = reconcile(result, sdf)
        assert summary == {"rows_in": len(data), "computed": single.computed, "rejected": single.rejected,
                           "reconciled": True, "total": single.total, "repeated_ids": 2}
        assert isinstance(summary["total"], Decimal)
