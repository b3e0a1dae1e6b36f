"""A roster run inside Spark: ``entitle(sdf, period, keep=[...])`` via ``DataFrame.mapInArrow`` (extra ``spark``).

Each partition is handed to :func:`shuangyong.arrow.batch_function` as one Arrow table (its
batches put together); the engine is loaded once per Python worker.  The result, with its schema
declared up front, has one row per input row: the ``keep`` columns unchanged, ``row`` (the row
number a single run gives: position + 2 in partition order), masked ``id_number``, one
``DecimalType(18, 2)`` amount per rule code of the engine (null where the rule does not apply),
``total``, ``status`` (``computed`` / ``rejected``), ``field`` and ``reason``.

Before returning the (lazy) result, ``entitle`` runs two small Spark jobs: rows per partition (to
number rows) and the 身份证号 repeated anywhere in the frame (the later rows are rejected whichever
partitions they fall in), so every partitioning gives the single run's answer.  The frame must
give the same partitions each time it is computed: a file or table read does; after a
non-deterministic step, ``cache()`` it first (a partition whose size changed is refused).
Partition by county code (``sdf.repartition("行政区划代码")``) as the natural split.
:func:`reconcile` checks the result with Spark aggregations.  Spark's Python workers must import
shuangyong and pyarrow: set ``PYSPARK_PYTHON`` to the interpreter that has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from attrs import frozen

from .arrow import BatchFunction, _int64_array, batch_function, canonical_ids, id_column
from .errors import RosterError

__all__ = ["entitle", "reconcile"]


def entitle(sdf: Any, period: Any, keep: Iterable[str] = (), *, packs: Iterable[str] | None = None,
            overrides: Iterable[Any] = (), region: str | None = None) -> Any:
    """One row per input row of the Spark DataFrame ``sdf`` (a lazy Spark DataFrame)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    fn = batch_function(period, packs=packs, overrides=overrides, keep=keep, region=region)
    schema = fn.schema(to_arrow_schema(sdf.schema))
    sizes = {int(r["p"]): int(r["n"]) for r in sdf.select(F.spark_partition_id().alias("p")).groupBy("p")
             .agg(F.count(F.lit(1)).alias("n")).collect()}
    offsets: dict[int, int] = {}
    at = 2
    for p in range(sdf.rdd.getNumPartitions()):
        offsets[p] = at
        at += sizes.get(p, 0)
    repeats: dict[int, int] = {}
    col = id_column(sdf.columns)
    if col is not None:
        keys = sdf.select(col).mapInArrow(_Keys(col, offsets), "row long, k string").where("k is not null")
        firsts = keys.groupBy("k").agg(F.min("row").alias("first"), F.count(F.lit(1)).alias("n")).where("n > 1")
        for r in keys.join(firsts, "k").where("row != first").select("row", "first").collect():
            repeats[int(r["row"])] = int(r["first"])
    return sdf.mapInArrow(_Partition(fn, schema, offsets, sizes, repeats), from_arrow_schema(schema))


def _partition_id() -> int:
    from pyspark import TaskContext

    ctx = TaskContext.get()
    return ctx.partitionId() if ctx is not None else 0


@frozen
class _Keys:
    """Per partition: each row's number and canonical 身份证号."""

    column: str
    offsets: Mapping[int, int]

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        import numpy as np
        import pyarrow as pa

        at = self.offsets[_partition_id()]
        for b in batches:
            yield pa.RecordBatch.from_arrays([_int64_array(np, np.arange(at, at + b.num_rows)), canonical_ids(b, self.column)],
                                             names=["row", "k"])
            at += b.num_rows


@frozen
class _Partition:
    """The function Spark runs on each partition's batches (picklable)."""

    fn: BatchFunction
    schema: Any
    offsets: Mapping[int, int]
    sizes: Mapping[int, int]
    repeats: Mapping[int, int]

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        got = list(batches)
        table = pa.Table.from_batches(got) if got else None
        pid = _partition_id()
        n = table.num_rows if table is not None else 0
        if n != self.sizes.get(pid, 0):
            raise RosterError(f"partition {pid} has {n} rows now and had {self.sizes.get(pid, 0)} when the rows were numbered: "
                              "the DataFrame is not deterministic; cache() it before shuangyong.spark.entitle")
        if not n:
            return
        first = self.offsets[pid]
        repeats = {r: f for r, f in self.repeats.items() if first <= r < first + n}
        out = pa.Table.from_batches([self.fn.run(table, first, repeats)]).cast(self.schema)
        yield from out.to_batches(max_chunksize=10_000)


def reconcile(result: Any, sdf: Any) -> dict[str, Any]:
    """Rows in = computed + rejected, the exact total (``Decimal``, a Spark sum of ``DecimalType``),
    and how many rows of ``sdf`` repeat the 身份证号 of an earlier row (each is one of the rejected rows)."""
    from decimal import Decimal

    from pyspark.sql import functions as F

    rows_in = sdf.count()
    by_status = {r["status"]: r["count"] for r in result.groupBy("status").count().collect()}
    total = result.agg(F.sum("total").alias("t")).collect()[0]["t"]
    col = id_column(sdf.columns)
    repeated = 0
    if col is not None:
        keys = sdf.select(col).mapInArrow(_Keys(col, {p: 0 for p in range(sdf.rdd.getNumPartitions())}), "row long, k string")
        agg = keys.where("k is not null").agg(F.count("k").alias("n"), F.countDistinct("k").alias("d")).collect()[0]
        repeated = int(agg["n"]) - int(agg["d"])
    computed, rejected = int(by_status.get("computed", 0)), int(by_status.get("rejected", 0))
    return {"rows_in": rows_in, "computed": computed, "rejected": rejected, "reconciled": rows_in == computed + rejected,
            "total": Decimal(total if total is not None else 0).quantize(Decimal("0.01")), "repeated_ids": repeated}
