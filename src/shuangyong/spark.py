"""A roster run inside Spark: ``entitle(sdf, period, keep=[...])`` via ``DataFrame.mapInArrow`` (extra ``spark``).

Each partition is handed to :func:`shuangyong.arrow.batch_function` as one Arrow table (its
batches put together, so a 身份证号 repeated inside a partition rejects its later rows as a single
run does); the engine is loaded once per Python worker.  The result, with its schema declared up
front, has one row per input row: the ``keep`` columns unchanged, masked ``id_number``, one
``DecimalType(18, 2)`` amount per rule code of the engine (null where the rule does not apply),
``total``, ``status`` (``computed`` / ``rejected``), ``field`` and ``reason``.

Partition by county code (``sdf.repartition("行政区划代码")``).  :func:`reconcile` checks rows
in = computed + rejected, sums the total exactly with a Spark aggregation, and counts 身份证号
repeated across the whole frame (a repeat across partitions is not rejected by the batches).
Spark's Python workers must import shuangyong and pyarrow: set ``PYSPARK_PYTHON`` to the
interpreter that has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from attrs import frozen

from .arrow import BatchFunction, batch_function, canonical_ids, id_column

__all__ = ["entitle", "reconcile"]


def entitle(sdf: Any, period: Any, keep: Iterable[str] = (), *, packs: Iterable[str] | None = None,
            overrides: Iterable[Any] = (), region: str | None = None) -> Any:
    """One row per input row of the Spark DataFrame ``sdf`` (lazy, like any Spark transformation)."""
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    fn = batch_function(period, packs=packs, overrides=overrides, keep=keep, region=region)
    schema = fn.schema(to_arrow_schema(sdf.schema))
    return sdf.mapInArrow(_Partition(fn, schema), from_arrow_schema(schema))


@frozen
class _Partition:
    """The function Spark runs on each partition's batches (picklable)."""

    fn: BatchFunction
    schema: Any

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        got = list(batches)
        if not got:
            return
        table = pa.Table.from_batches(got)
        if not table.num_rows:
            return
        out = pa.Table.from_batches([self.fn(table)]).cast(self.schema)
        yield from out.to_batches(max_chunksize=10_000)


def reconcile(result: Any, sdf: Any) -> dict[str, Any]:
    """Rows in = computed + rejected, the exact total (``Decimal``, a Spark sum of ``DecimalType``),
    and how many rows repeat a 身份证号 of another row anywhere in ``sdf``."""
    from decimal import Decimal

    from pyspark.sql import functions as F

    rows_in = sdf.count()
    by_status = {r["status"]: r["count"] for r in result.groupBy("status").count().collect()}
    total = result.agg(F.sum("total").alias("t")).collect()[0]["t"]
    col = id_column(sdf.columns)
    repeated = 0
    if col is not None:
        keys = sdf.select(col).mapInArrow(_Canonical(col), "k string").where("k is not null")
        agg = keys.agg(F.count("k").alias("n"), F.countDistinct("k").alias("d")).collect()[0]
        repeated = int(agg["n"]) - int(agg["d"])
    computed, rejected = int(by_status.get("computed", 0)), int(by_status.get("rejected", 0))
    return {"rows_in": rows_in, "computed": computed, "rejected": rejected, "reconciled": rows_in == computed + rejected,
            "total": Decimal(total if total is not None else 0).quantize(Decimal("0.01")), "repeated_ids": repeated}


@frozen
class _Canonical:
    column: str

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        for b in batches:
            yield pa.RecordBatch.from_arrays([canonical_ids(b, self.column)], names=["k"])
