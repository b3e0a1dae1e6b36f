"""Arrow as the data plane: every input road (pyarrow CSV, GBK, Parquet, IPC, pandas, Polars, Arrow)
gives the same results, rejects and totals as the exact reader, to the 分; outputs are exact.

The oracle is today's path: the exact CSV reader (pyarrow's reader switched off) and, for totals,
the reference road (``fast=False``: ``Person.from_record`` + ``engine.entitlements`` per row).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pytest.importorskip("numpy")
import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.feather as feather  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import shuangyong as sy  # noqa: E402
from shuangyong import arrow  # noqa: E402
from shuangyong.roster.run import run_roster  # noqa: E402
from shuangyong.roster.reading import CodedColumn, FixedTextColumn, read_roster  # noqa: E402

from _arrow_roster import HEADERS, rows, write_csv  # noqa: E402

PERIOD = 2024


@pytest.fixture(scope="module")
def engine() -> sy.Engine:
    return sy.Engine.from_plugins()


@pytest.fixture(scope="module")
def data() -> list[list[str]]:
    return rows()


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory: pytest.TempPathFactory, data: list[list[str]]) -> Path:
    return write_csv(tmp_path_factory.mktemp("arrow") / "roster.csv", data)


def outputs(run: object, tmp: Path, tag: str) -> tuple[bytes, bytes, dict]:
    res, rej = tmp / f"{tag}-results.csv", tmp / f"{tag}-rejects.csv"
    run.write_results(res)  # type: ignore[attr-defined]
    run.write_rejects(rej)  # type: ignore[attr-defined]
    s = run.summary()  # type: ignore[attr-defined]
    keep = {k: s[k] for k in ("rows_in", "computed", "rejected", "reconciled", "total", "persons_paid", "rules",
                              "categories", "rejects_by_field", "unknown_columns")}
    return res.read_bytes(), rej.read_bytes(), keep


@pytest.fixture(scope="module")
def exact(engine: sy.Engine, csv_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, dict]:
    """Today's path: the exact reader (no pyarrow)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(arrow, "read_csv_arrow_bytes", lambda name, raw, encoding: None)
    try:
        run = run_roster(engine, csv_path, PERIOD)
    finally:
        mp.undo()
    assert run.rejected == 6 and run.summary()["reconciled"]
    return outputs(run, tmp_path_factory.mktemp("exact"), "exact")


def test_reference_road_agrees(engine: sy.Engine, csv_path: Path, exact: tuple, tmp_path: Path) -> None:
    ref = run_roster(engine, csv_path, PERIOD, fast=False)
    res, rej, summ = outputs(ref, tmp_path, "ref")
    assert (res, rej) == exact[:2]

    def amounts(s: dict) -> dict:  # rule titles aside: the two roads may name a pack-redefined rule differently
        return {**s, "rules": [(r["code"], r["persons"], r["amount"]) for r in s["rules"]]}

    assert amounts(summ) == amounts(exact[2])
    assert Decimal(exact[2]["total"]) > 0


def test_pyarrow_csv_reader_is_used_and_identical(engine: sy.Engine, csv_path: Path, exact: tuple, tmp_path: Path) -> None:
    roster = arrow.read_csv_arrow(csv_path, "utf-8-sig")
    assert roster is not None and isinstance(roster.data["类别"], CodedColumn)
    assert list(roster.row_numbers) == list(range(2, len(roster) + 2))
    run = run_roster(engine, csv_path, PERIOD)
    assert run.roster.format == "csv"
    assert outputs(run, tmp_path, "pa") == exact  # results CSV byte for byte


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_csv(engine: sy.Engine, data: list, exact: tuple, tmp_path: Path, encoding: str) -> None:
    p = write_csv(tmp_path / "gbk.csv", data, encoding)
    roster = arrow.read_csv_arrow(p, "gb18030")
    assert roster is not None and "残疾军人" in roster.data["类别"].values
    run = run_roster(engine, p, PERIOD)
    assert run.roster.encoding == "gb18030"
    assert outputs(run, tmp_path, "gbk") == exact


def test_parquet_and_ipc_of_text(engine: sy.Engine, csv_path: Path, exact: tuple, tmp_path: Path) -> None:
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in HEADERS},
                                                                          strings_can_be_null=False))
    pq.write_table(table, tmp_path / "r.parquet")
    pq.write_table(table, tmp_path / "groups.parquet", row_group_size=7)  # a dictionary per row group, unified on reading
    feather.write_feather(table, tmp_path / "r.arrow")
    for name in ("r.parquet", "groups.parquet", "r.arrow"):
        assert outputs(run_roster(engine, tmp_path / name, PERIOD), tmp_path, name) == exact
    assert outputs(run_roster(engine, table, PERIOD), tmp_path, "table") == exact
    # empty cells as nulls: null dictionary indices in the Parquet read, nulls before encoding in the table
    nulls = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in HEADERS},
                                                                          strings_can_be_null=True))
    assert sum(c.null_count for c in nulls.columns) > 0
    pq.write_table(nulls, tmp_path / "nulls.parquet", row_group_size=7)
    assert outputs(run_roster(engine, tmp_path / "nulls.parquet", PERIOD), tmp_path, "nulls") == exact
    assert outputs(run_roster(engine, nulls, PERIOD), tmp_path, "nulls-table") == exact
    assert outputs(run_roster(engine, table.to_batches()[0], PERIOD), tmp_path, "batch") == exact


def test_parquet_of_typed_columns(engine: sy.Engine, csv_path: Path, exact: tuple, tmp_path: Path) -> None:
    """Types pyarrow infers (integers, dates, nulls for empty cells) read as the same values as the text."""
    table = pacsv.read_csv(csv_path)  # 伤残等级 int64 with nulls, 行政区划代码 int64, dates date32, text with nulls
    assert pa.types.is_integer(table.schema.field("伤残等级").type)
    pq.write_table(table, tmp_path / "typed.parquet", row_group_size=5)
    run = run_roster(engine, tmp_path / "typed.parquet", PERIOD)
    res, rej, summ = outputs(run, tmp_path, "typed")
    assert res == exact[0] and summ == exact[2]
    # the same rows are rejected for the same fields (a reason may quote the value as typed)
    assert [line.split(",")[:3] for line in rej.decode("utf-8-sig").splitlines()] == \
        [line.split(",")[:3] for line in exact[1].decode("utf-8-sig").splitlines()]


def test_pandas(engine: sy.Engine, csv_path: Path, exact: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pd = pytest.importorskip("pandas")
    text = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    assert outputs(run_roster(engine, text, PERIOD), tmp_path, "pd-text") == exact
    inferred = pd.read_csv(csv_path)  # floats with NaN for 伤残等级, int64 region
    res, _, summ = outputs(run_roster(engine, inferred, PERIOD), tmp_path, "pd-inferred")
    assert res == exact[0] and summ == exact[2]
    # without pyarrow: row by row, NaN = empty, whole floats = ints; the same answers
    monkeypatch.setattr(arrow, "have_arrow", lambda: False)
    assert outputs(run_roster(engine, text, PERIOD), tmp_path, "pd-plain") == exact
    res2, _, summ2 = outputs(run_roster(engine, inferred, PERIOD), tmp_path, "pd-plain-inferred")
    assert res2 == exact[0] and summ2 == exact[2]


def test_pandas_mixed_object_column(engine: sy.Engine, data: list, exact: tuple, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(data, columns=HEADERS)
    df["伤残等级"] = [int(v) if v.isdigit() else v for v in df["伤残等级"]]  # ints and "" in one object column
    res, _, summ = outputs(run_roster(engine, df, PERIOD), tmp_path, "mixed")
    assert res == exact[0] and summ == exact[2]


def test_polars(engine: sy.Engine, data: list, exact: tuple, tmp_path: Path) -> None:
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({h: [r[j] for r in data] for j, h in enumerate(HEADERS)})
    assert outputs(run_roster(engine, df, PERIOD), tmp_path, "polars") == exact


def _coded_first(lines: list[bytes]) -> list[bytes]:
    """The CSV lines with 户籍 (a column read as dictionary codes) moved to the front (the BOM stays first)."""
    bom = "\ufeff".encode()
    body = [lines[0].removeprefix(bom), *lines[1:]]
    j = HEADERS.index("户籍")
    out = [b",".join([c[j], *c[:j], *c[j + 1:]]) if line else line for line in body for c in [line.split(b",")]]
    return [bom + out[0], *out[1:]]


@pytest.mark.parametrize("mutation", ["quote", "ragged", "blank", "blank-end", "blank-lf", "blank-coded-first", "bad-byte",
                                      "bad-byte-coded", "lone-cr", "short"])
def test_unusual_csv_falls_back_to_the_exact_reader(engine: sy.Engine, csv_path: Path, tmp_path: Path, mutation: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    raw = csv_path.read_bytes()
    lines = raw.split(b"\r\n")
    if mutation == "quote":
        lines[3] = lines[3].replace("测试2".encode(), '"测试,2"'.encode())
    elif mutation == "ragged":
        lines[4] += b",extra"
    elif mutation == "blank":
        lines.insert(6, b"")
    elif mutation == "blank-end":
        lines += [b"", b""]
    elif mutation == "blank-lf":
        lines[5] += b"\n"  # an LF-only blank line inside a CRLF file
    elif mutation == "blank-coded-first":  # 户籍 (read as dictionary codes) first, then a blank line
        lines = _coded_first(lines)
        lines.insert(6, b"")
    elif mutation == "bad-byte":
        lines[7] = lines[7].replace("测试".encode(), b"\xff\xfe")
    elif mutation == "bad-byte-coded":  # in a column read as dictionary codes
        lines[7] = lines[7].replace("镇".encode(), b"\xff\xfe").replace("村".encode(), b"\xff\xfe")
    elif mutation == "lone-cr":
        lines[8] = lines[8].replace("测试".encode(), b"\r")
    else:
        lines[9] = b",".join(lines[9].split(b",")[:5])
    p = tmp_path / "odd.csv"
    p.write_bytes(b"\r\n".join(lines))
    assert arrow.read_csv_arrow(p, "utf-8-sig") is None
    try:
        got = outputs(run_roster(engine, p, PERIOD), tmp_path, "got")
    except sy.ShuangyongError as e:
        got = ("error", str(e))  # type: ignore[assignment]
    monkeypatch.setattr(arrow, "read_csv_arrow_bytes", lambda name, raw, encoding: None)
    try:
        want = outputs(run_roster(engine, p, PERIOD), tmp_path, "want")
    except sy.ShuangyongError as e:
        want = ("error", str(e))  # type: ignore[assignment]
    assert got == want


@pytest.mark.parametrize("coded_first", [False, True])
def test_empty_first_cells_stay_on_the_arrow_reader(engine: sy.Engine, csv_path: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch, coded_first: bool) -> None:
    """A row whose first cell is empty is not a blank line: pyarrow still reads the file, as the exact reader does."""
    lines = csv_path.read_bytes().split(b"\r\n")
    lines[3] = b"," + lines[3].split(b",", 1)[1]
    lines[7] = b"," * lines[7].count(b",")  # every cell empty, but not a blank line
    if coded_first:
        lines = _coded_first(lines)
    p = tmp_path / "empty-first.csv"
    p.write_bytes(b"\r\n".join(lines))
    assert arrow.read_csv_arrow(p, "utf-8-sig") is not None
    got = outputs(run_roster(engine, p, PERIOD), tmp_path, "got")
    monkeypatch.setattr(arrow, "read_csv_arrow_bytes", lambda name, raw, encoding: None)
    assert got == outputs(run_roster(engine, p, PERIOD), tmp_path, "want")


def test_to_arrow_and_pandas(engine: sy.Engine, csv_path: Path, tmp_path: Path) -> None:
    run = run_roster(engine, csv_path, PERIOD)
    t = run.to_arrow()
    assert t.column_names == ["row", "id_number", *run.rule_codes, "total"]
    assert all(t.schema.field(c).type == pa.decimal128(18, 2) for c in [*run.rule_codes, "total"])
    assert t.num_rows == run.computed
    assert pa.compute.sum(t["total"]).as_py() == run.total
    first = next(iter(run.results()))
    assert t.slice(0, 1).to_pylist()[0] == first  # the same values as results(), masked IDs included
    assert "*" * 10 in t["id_number"][0].as_py()
    rj = run.to_arrow("rejects")
    assert rj.to_pylist() == [r.to_dict() for r in run.rejects]
    every = run.to_arrow("all")
    assert every.num_rows == run.rows_in
    assert every["status"].to_pylist().count("rejected") == run.rejected
    assert pa.compute.sum(every["total"]).as_py() == run.total
    bad = every.filter(pa.compute.equal(every["status"], "rejected"))
    assert bad["total"].null_count == run.rejected and bad["field"].null_count == 0
    pd = pytest.importorskip("pandas")
    df = run.to_pandas()
    assert str(df["total"].dtype).startswith("decimal128(18, 2)")
    assert df["total"].sum() == run.total
    assert df["row"].dtype == "int64"
    # Parquet out: the same table, written whole
    run.write_results(tmp_path / "out.parquet")
    run.write_rejects(tmp_path / "rej.parquet")
    assert pq.read_table(tmp_path / "out.parquet").equals(t)
    # the rejects file is the rejects CSV's table: the same rows and IDs, field and reason in the locale (zh_CN)
    rej = pq.read_table(tmp_path / "rej.parquet")
    assert rej.schema.field("row").type == pa.int64()
    assert rej.select(["row", "id_number"]).equals(rj.select(["row", "id_number"]))
    zh = [r.localised("zh_CN") for r in run.all_rejects()]
    assert rej["field"].to_pylist() == [z["field"] for z in zh] and rej["reason"].to_pylist() == [z["reason"] for z in zh]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_money_array_signs_and_nulls() -> None:
    import numpy as np

    fen = np.array([0, 1, 99, 12345, -1, 10**15, -5], dtype=np.int64)
    got = arrow._money_array(np, fen, True).to_pylist()
    assert got == [Decimal("0.00"), Decimal("0.01"), Decimal("0.99"), Decimal("123.45"), None, Decimal("10000000000000.00"), None]
    assert arrow._money_array(np, np.array([-250]), False).to_pylist() == [Decimal("-2.50")]


def test_plain_value() -> None:
    import datetime as dt

    assert arrow.plain_value(float("nan")) is None
    assert arrow.plain_value(6.0) == 6 and type(arrow.plain_value(6.0)) is int
    assert arrow.plain_value(6.5) == 6.5
    assert arrow.plain_value(dt.datetime(2024, 8, 1, 0, 0)) == dt.date(2024, 8, 1)
    assert arrow.plain_value(422827194409030013, "id_number") == "422827194409030013"
    assert arrow.plain_value(1, "region") == 1


def test_batch_function_is_picklable_and_partition_independent(engine: sy.Engine, csv_path: Path) -> None:
    table = pacsv.read_csv(csv_path, convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in HEADERS},
                                                                          strings_can_be_null=False))
    fn = arrow.batch_function(PERIOD, keep=["编号", "行政区划代码"])
    fn = pickle.loads(pickle.dumps(fn))
    single = arrow.results_table(run_roster(engine, csv_path, PERIOD), "all", fn.codes())
    assert fn(table).to_pylist() == [{"编号": k, "行政区划代码": r, **s} for k, r, s in
                                     zip(table["编号"].to_pylist(), table["行政区划代码"].to_pylist(), single.to_pylist())]
    # a repeat in another partition than its first row: the adapters pass row offsets and the repeats
    ids = table["身份证号"].to_pylist()
    ids[230] = ids[3]
    table = table.set_column(0, "身份证号", pa.array(ids))
    run = run_roster(engine, table, PERIOD)
    single = arrow.results_table(run, "all", fn.codes())
    n = table.num_rows
    repeats = arrow.find_repeats(range(2, n + 2), [sy.normalize_id_number(v) for v in ids])
    assert repeats == {11: 10, 232: 5}
    for parts in (1, 3, 7):
        cuts = [n * k // parts for k in range(parts + 1)]
        got = pa.Table.from_batches([fn.run(table.slice(a, b - a), a + 2, repeats) for a, b in zip(cuts, cuts[1:])])
        assert got.drop_columns(["编号", "行政区划代码"]).equals(single), parts
        assert got["编号"].equals(table["编号"])
    # rule columns the roster never reached are there, all null: one schema for every partition
    assert single.column_names[2:-4] == fn.codes()
    assert set(run.rule_codes) < set(fn.codes())
    assert all(single[c].null_count == n for c in set(fn.codes()) - set(run.rule_codes))


def test_cli_format_parquet_and_csv_bytes(csv_path: Path, exact: tuple, tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "shuangyong", "entitle", str(csv_path), "--period", "2024", "--quiet"]
    r = subprocess.run([*cmd, "--out", str(tmp_path / "o.csv"), "--rejects", str(tmp_path / "j.csv")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o.csv").read_bytes() == exact[0] and (tmp_path / "j.csv").read_bytes() == exact[1]
    r = subprocess.run([*cmd, "--out", str(tmp_path / "o.bin"), "--format", "parquet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    t = pq.read_table(tmp_path / "o.bin")
    assert str(pa.compute.sum(t["total"]).as_py()) == exact[2]["total"]
    pq.write_table(pacsv.read_csv(csv_path), tmp_path / "in.parquet")
    r = subprocess.run([sys.executable, "-m", "shuangyong", "entitle", str(tmp_path / "in.parquet"), "--period", "2024", "--quiet",
                        "--out", str(tmp_path / "o2.parquet")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert pq.read_table(tmp_path / "o2.parquet").equals(t)


def test_damaged_parquet_is_a_clear_error(engine: sy.Engine, tmp_path: Path) -> None:
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"PAR1 not really")
    with pytest.raises(sy.RosterError, match="not a readable parquet"):
        read_roster(p)
    r = subprocess.run([sys.executable, "-m", "shuangyong", "entitle", str(p), "--period", "2024"], capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_without_pyarrow_clear_errors(csv_path: Path, tmp_path: Path) -> None:
    """pyarrow blocked: Parquet in or out is a one-line error naming the extra; CSV still works."""
    block = "import sys; sys.modules['pyarrow'] = None; from shuangyong.cli.main import main; raise SystemExit(main(sys.argv[1:]))"
    base = [sys.executable, "-c", block, "entitle", "--period", "2024", "--quiet"]
    r = subprocess.run([*base, str(csv_path), "--out", str(tmp_path / "o.parquet")], capture_output=True, text=True)
    assert r.returncode == 1 and "[arrow]" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "in.parquet").write_bytes(b"PAR1")
    r = subprocess.run([*base, str(tmp_path / "in.parquet")], capture_output=True, text=True)
    assert r.returncode == 1 and "[arrow]" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([*base, str(csv_path), "--out", str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_results_in_pieces(engine: sy.Engine, csv_path: Path, tmp_path: Path) -> None:
    run = run_roster(engine, csv_path, PERIOD)
    pieces = list(arrow.results_pieces(run, size=50))
    assert len(pieces) == -(-run.computed // 50)
    assert pa.concat_tables(pieces).equals(run.to_arrow())
    arrow.write_parquet(iter(pieces), tmp_path / "p.parquet")
    assert pq.read_table(tmp_path / "p.parquet").equals(run.to_arrow())
    # The writer's own pieces carry the 分 buffers as decimal64; the file reads back as decimal128 all the same,
    # money as 8-byte FIXED_LEN_BYTE_ARRAY (what Hive reads) without a dictionary, text with one.
    cents = list(arrow.results_pieces(run, size=50, money_bits=64))
    assert cents[0].schema.field("total").type == pa.decimal64(18, 2)
    arrow.write_parquet(iter(cents), tmp_path / "c.parquet")
    assert pq.read_table(tmp_path / "c.parquet").equals(run.to_arrow())
    chunk = pq.ParquetFile(tmp_path / "c.parquet").metadata.row_group(0)
    kinds = {chunk.column(j).path_in_schema: chunk.column(j) for j in range(chunk.num_columns)}
    assert kinds["total"].physical_type == "FIXED_LEN_BYTE_ARRAY" and not kinds["total"].has_dictionary_page
    assert kinds["id_number"].has_dictionary_page
    # min/max statistics for the row numbers (a reader skips row groups by them), none for the amounts
    assert kinds["row"].is_stats_set and kinds["row"].statistics.min == run.to_arrow()["row"][0].as_py()
    assert not kinds["total"].is_stats_set
    empty = run_roster(engine, [], PERIOD)
    assert [t.num_rows for t in arrow.results_pieces(empty)] == [0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | st.text(max_size=8), max_size=30),
       st.lists(st.none() | st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False), max_size=30))
def test_arrays_from_buffers_equal_pa_array(texts: list, amounts: list) -> None:
    """The buffer-built arrays (no pandas import) hold exactly what ``pa.array`` would build."""
    pa = pytest.importorskip("pyarrow")
    import numpy as np

    assert arrow._text_array(np, texts).equals(pa.array(texts, pa.string()))
    assert arrow._decimal_money_array(np, amounts).equals(pa.array(amounts, pa.decimal128(18, 2)))
    assert arrow._bool_array(np, [t is None for t in texts]).equals(pa.array([t is None for t in texts], pa.bool_()))


def test_finer_amount_is_refused_not_rounded() -> None:
    import numpy as np

    with pytest.raises(ValueError, match="more than two decimal places"):
        arrow._decimal_money_array(np, [Decimal("1.005")])


def test_parquet_outputs_do_not_import_pandas(csv_path: Path, tmp_path: Path) -> None:
    """Writing results and rejects as Parquet builds Arrow arrays from buffers: pandas (a second to import) stays out."""
    pytest.importorskip("pandas")
    code = ("import sys, shuangyong as sy\n"
            "from shuangyong.roster.run import run_roster\n"
            f"run = run_roster(sy.Engine.from_plugins(), {str(csv_path)!r}, 2024)\n"
            f"run.write_outputs({str(tmp_path / 'r.parquet')!r}, {str(tmp_path / 'j.parquet')!r})\n"
            "print('pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "r.parquet").num_rows > 0


def test_id_cells_kept_as_one_string(engine: sy.Engine, data: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ID valid and 18 characters: the Arrow reader keeps the column as one string, and a run with rows
    rejected for other reasons (so the computed persons' IDs are a selection of it) writes what the exact reader's
    run writes, in every format that shows IDs."""
    ids = {r[HEADERS.index("身份证号")] for r in data}
    good = [r for r in data if sy.normalize_id_number(r[HEADERS.index("身份证号")]) == r[HEADERS.index("身份证号")]]
    seen: set[str] = set()
    plain = [r for r in good if not (r[0] in seen or seen.add(r[0]))]  # type: ignore[func-returns-value]
    assert len(plain) > 20 and len(ids) > 20
    for k in (3, 11, 17):  # rejected for their category, not their ID
        plain[k] = list(plain[k])
        plain[k][HEADERS.index("类别")] = "不是类别"
    p = write_csv(tmp_path / "plain.csv", plain)
    roster = read_roster(p)
    assert isinstance(roster.data["身份证号"], FixedTextColumn)
    got = run_roster(engine, roster, PERIOD)
    assert got.rejected >= 3
    assert isinstance(got._o.keys, FixedTextColumn)  # the computed persons' IDs: a selection, still one string
    monkeypatch.setattr(arrow, "read_csv_arrow_bytes", lambda name, raw, encoding: None)
    want = run_roster(engine, p, PERIOD)
    assert outputs(got, tmp_path, "got") == outputs(want, tmp_path, "want")
    assert got.to_arrow("all").equals(want.to_arrow("all"))
    assert got.to_arrow().equals(want.to_arrow())
    assert list(got.results(keep=["身份证号"], reveal=True)) == list(want.results(keep=["身份证号"], reveal=True))
    assert list(got.results()) == list(want.results())


def test_fixed_text_column_reads_like_a_list() -> None:
    import numpy as np

    cells = ["ab", "cd", "ef", "gh"]
    col = FixedTextColumn("".join(cells), 2)
    assert col == cells and list(col) == cells and len(col) == 4
    assert col[-1] == "gh" and col[np.int64(1)] == "cd"
    assert col[1:3] == cells[1:3] and isinstance(col[1:3], FixedTextColumn) and col[::2] == cells[::2]
    assert col.take(np, np.array([3, 0, 0])) == ["gh", "ab", "ab"]
    assert pickle.loads(pickle.dumps(col)) == cells
    with pytest.raises(IndexError):
        col[4]
    with pytest.raises(ValueError):
        FixedTextColumn("abc", 2)


def test_a_csv_file_is_parsed_from_the_file_once_checked_its_bytes_let_go(csv_path: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from shuangyong.roster import reading

    seen: list[object] = []
    held: list[bool] = []
    parse = pacsv.read_csv

    def spy(source: object, **kw: object) -> object:
        seen.append(source)
        held.append(holders[0]._data is not None)
        return parse(source, **kw)

    monkeypatch.setattr(pacsv, "read_csv", spy)
    holders: list[reading.FileBytes] = []
    made = reading.FileBytes.__init__

    def keep(self: reading.FileBytes, path: Path) -> None:
        made(self, path)
        holders.append(self)

    monkeypatch.setattr(reading.FileBytes, "__init__", keep)
    from_file = read_roster(csv_path)
    assert len(seen) == 1 and isinstance(seen[0], pa.NativeFile)  # the file, not a buffer of its bytes
    assert held == [False] and holders[0]._data is None  # the bytes were let go while the table was built
    from_bytes = arrow.read_csv_arrow_bytes(str(csv_path), csv_path.read_bytes(), "utf-8-sig")
    assert from_bytes is not None
    assert from_file.headers == from_bytes.headers and len(from_file) == len(from_bytes)
    assert all(list(from_file.data[h]) == list(from_bytes.data[h]) for h in from_file.headers)


def test_a_roster_file_that_changes_while_it_is_read_is_an_error(csv_path: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from shuangyong.errors import RosterError
    from shuangyong.roster import reading

    copy = tmp_path / "changing.csv"
    copy.write_bytes(csv_path.read_bytes())
    parse = pacsv.read_csv

    def rewrite_then_parse(source: object, **kw: object) -> object:
        copy.write_bytes(csv_path.read_bytes() + csv_path.read_bytes().splitlines(keepends=True)[-1])  # one more row
        return parse(source, **kw)

    monkeypatch.setattr(pacsv, "read_csv", rewrite_then_parse)
    with pytest.raises(RosterError, match="changed while it was read"):
        read_roster(copy)
    # A holder that let its bytes go reads them again only from the file it checked.
    holder = reading.FileBytes(copy)
    holder.drop()
    assert holder.data() == copy.read_bytes()
    copy.write_bytes(b"x")
    holder.drop()
    with pytest.raises(RosterError, match="changed while it was read"):
        holder.data()


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.binary(max_size=40), st.text(max_size=20).map(lambda t: t.encode("utf-8", "surrogatepass")),
                     st.lists(st.sampled_from([b"\xe4\xb8\xad", b"a", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80",
                                               b"\xff", b"\xe4\xb8", b"\n", b"\xf0\x9f\x98\x80"]), max_size=12).map(b"".join)))
def test_arrow_checks_utf8_as_python_decodes_it(raw: bytes) -> None:
    try:
        raw.decode("utf-8")
        python = True
    except UnicodeDecodeError:
        python = False
    assert arrow.utf8_valid(raw) == python


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(1 << 63), (1 << 63) - 1), max_size=50))
def test_json_int_array_writes_what_json_dumps_writes(values: list[int]) -> None:
    # The ledger's pay blocks are this text: Arrow's cast must write exactly the compact JSON the json module does.
    import json

    import numpy as np

    from shuangyong.arrow import json_int_array

    assert json_int_array(np, np.array(values, dtype=np.int64)) == json.dumps(values, separators=(",", ":"))
