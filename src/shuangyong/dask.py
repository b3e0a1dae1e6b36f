"""A roster run inside Dask: ``entitle(ddf, period, keep=[...])`` (extra ``dask``).

Each partition (a pandas DataFrame) goes through :func:`shuangyong.arrow.batch_function` as one
Arrow table; the engine is loaded once per worker process.  The result has one row per input row,
in input order: the ``keep`` columns unchanged, ``row`` (the row number a single run of the whole
frame gives: position + 2), masked ``id_number``, one exact amount per rule code of the engine
(``pd.ArrowDtype(decimal128(18, 2))``, null where the rule does not apply), ``total``, ``status``
(``computed`` / ``rejected``), ``field`` and ``reason``.

Before returning the (lazy) result, ``entitle`` reads the 身份证号 column once to number the rows
and to find 身份证号 repeated anywhere in the frame: the later rows are rejected whichever
partitions they fall in, so every partitioning gives the single run's answer.  Partition by
county code (行政区划代码) as the natural split.  :func:`reconcile` checks the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .arrow import BatchFunction, batch_function, find_repeats, id_column, to_pandas

__all__ = ["entitle", "reconcile"]


def entitle(ddf: Any, period: Any, keep: Iterable[str] = (), *, packs: Iterable[str] | None = None,
            overrides: Iterable[Any] = (), region: str | None = None) -> Any:
    """One row per input row of the Dask DataFrame ``ddf`` (a lazy Dask DataFrame; ``.compute()`` runs it)."""
    import dask
    import dask.dataframe as dd
    import pyarrow as pa
    from dask import delayed

    fn = batch_function(period, packs=packs, overrides=overrides, keep=keep, region=region)
    schema = fn.schema(pa.Schema.from_pandas(ddf._meta, preserve_index=False))
    meta = to_pandas(schema.empty_table())
    parts = ddf.to_delayed()
    col = id_column(list(ddf.columns))
    keyed = dask.compute(*[delayed(_keys)(p, col) for p in parts])
    offsets: list[int] = []
    rows: list[int] = []
    keys: list[str | None] = []
    at = 2
    for n, k in keyed:
        offsets.append(at)
        rows.extend(range(at, at + n))
        keys.extend(k)
        at += n
    repeats = find_repeats(rows, keys)
    out = [delayed(_run_partition)(p, fn, first, {r: f for r, f in repeats.items() if first <= r < first + n})
           for p, first, (n, _) in zip(parts, offsets, keyed)]
    return dd.from_delayed(out, meta=meta, verify_meta=False)


def _keys(pdf: Any, col: str | None) -> tuple[int, list[str | None]]:
    from .arrow import plain_value
    from .ids import normalize_id_number

    if col is None:
        return len(pdf), [None] * len(pdf)
    out: list[str | None] = []
    for v in pdf[col].tolist():
        v = plain_value(v, "id_number")
        out.append(normalize_id_number(v) if isinstance(v, str) and v.strip() else None)
    return len(pdf), out


def _run_partition(pdf: Any, fn: BatchFunction, first_row: int, repeats: Mapping[int, int]) -> Any:
    import pyarrow as pa

    table = pa.Table.from_pandas(pdf, preserve_index=False)
    out = to_pandas(pa.Table.from_batches([fn.run(table, first_row, repeats)]))
    out.index = pdf.index
    return out


def reconcile(result: Any, ddf: Any) -> dict[str, Any]:
    """Rows in = computed + rejected, and the exact total (元, ``Decimal``) of ``entitle``'s result.

    ``result`` is :func:`entitle`'s frame, ``ddf`` its input.  ``repeated_ids`` counts the rows of
    ``ddf`` whose 身份证号 an earlier row has (each is one of the rejected rows).
    """
    from decimal import Decimal

    import dask

    from dask import delayed

    counts = result["status"].value_counts()
    paid = result["total"].map_partitions(_fen_sum, meta=("total", "int64")).sum()
    col = id_column(list(ddf.columns))
    rows_in, counts, paid = dask.compute(ddf.shape[0], counts, paid)
    keyed = dask.compute(*[delayed(_keys)(p, col) for p in ddf.to_delayed()])
    keys = [k for _, ks in keyed for k in ks]
    computed, rejected = int(counts.get("computed", 0)), int(counts.get("rejected", 0))
    return {"rows_in": int(rows_in), "computed": computed, "rejected": rejected,
            "reconciled": int(rows_in) == computed + rejected, "total": Decimal(int(paid)).scaleb(-2),
            "repeated_ids": len(find_repeats(range(len(keys)), keys))}


def _fen_sum(s: Any) -> Any:
    import pandas as pd

    from .money import to_fen

    return pd.Series([sum(to_fen(v) for v in s.dropna())], dtype="int64")
