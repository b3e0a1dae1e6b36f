"""A roster run inside Dask: ``entitle(ddf, period, keep=[...])`` via ``map_partitions`` (extra ``dask``).

Each partition (a pandas DataFrame) goes through :func:`shuangyong.arrow.batch_function` as one
Arrow batch; the engine is loaded once per worker process.  The result has one row per input row:
the ``keep`` columns unchanged, masked ``id_number``, one exact amount per rule code of the engine
(``pd.ArrowDtype(decimal128(18, 2))``, null where the rule does not apply), ``total``, ``status``
(``computed`` / ``rejected``), ``field`` and ``reason``.  Partition by county code (行政区划代码):
a 身份证号 repeated inside a partition rejects its later rows, as a single run does; one repeated
across partitions is not seen here — :func:`reconcile` counts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .arrow import BatchFunction, batch_function, to_pandas

__all__ = ["entitle", "reconcile"]


def entitle(ddf: Any, period: Any, keep: Iterable[str] = (), *, packs: Iterable[str] | None = None,
            overrides: Iterable[Any] = (), region: str | None = None) -> Any:
    """One row per input row of the Dask DataFrame ``ddf`` (lazy; ``.compute()`` runs it)."""
    import pyarrow as pa

    fn = batch_function(period, packs=packs, overrides=overrides, keep=keep, region=region)
    schema = fn.schema(pa.Schema.from_pandas(ddf._meta, preserve_index=False))
    meta = to_pandas(schema.empty_table())
    return ddf.map_partitions(_run_partition, fn, meta=meta, enforce_metadata=False, align_dataframes=False)


def _run_partition(pdf: Any, fn: BatchFunction) -> Any:
    import pyarrow as pa

    table = pa.Table.from_pandas(pdf, preserve_index=False)
    return to_pandas(pa.Table.from_batches([fn(table)]))


def reconcile(result: Any, ddf: Any) -> dict[str, Any]:
    """Rows in = computed + rejected, the exact total (元, ``Decimal``), and how many 身份证号 repeat across rows.

    ``result`` is :func:`entitle`'s frame, ``ddf`` its input.
    """
    from decimal import Decimal

    import dask

    from .arrow import id_column

    col = id_column(list(ddf.columns))
    counts = result["status"].value_counts()
    paid = result["total"].map_partitions(_fen_sum, meta=("total", "int64")).sum()
    ids = ddf[col].map_partitions(_canonical, meta=(col, "object")) if col else None
    distinct = ids.dropna().nunique() if ids is not None else None
    present = ids.count() if ids is not None else None
    rows_in, counts, paid, distinct, present = dask.compute(ddf.shape[0], counts, paid, distinct, present)
    computed, rejected = int(counts.get("computed", 0)), int(counts.get("rejected", 0))
    return {"rows_in": int(rows_in), "computed": computed, "rejected": rejected,
            "reconciled": int(rows_in) == computed + rejected, "total": Decimal(int(paid)).scaleb(-2),
            "repeated_ids": (int(present) - int(distinct)) if distinct is not None else 0}


def _fen_sum(s: Any) -> Any:
    import pandas as pd

    from .money import to_fen

    return pd.Series([sum(to_fen(v) for v in s.dropna())], dtype="int64")


def _canonical(s: Any) -> Any:
    from .arrow import plain_value
    from .ids import normalize_id_number

    def canon(v: Any) -> Any:
        v = plain_value(v, "id_number")
        return normalize_id_number(str(v)) if isinstance(v, str) and v.strip() else None

    return s.map(canon).astype(object)
