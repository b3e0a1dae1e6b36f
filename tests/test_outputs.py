"""Output files written whole (shuangyong.outputs): atomic files, path checks, the lock, formula-safe tables."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuangyong.errors import OutputLockedError, OutputPathError
from shuangyong.outputs import (
    OutputLock,
    OutputSet,
    atomic_file,
    check_output_paths,
    safe_cell,
    write_table,
)


def test_atomic_file_appears_only_when_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_file(target, "w") as fh:
            fh.write("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.csv"]  # no temporary file left behind
    with atomic_file(target, "w") as fh:
        fh.write("new")
        assert target.read_text() == "old"  # not yet renamed
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_output_set_renames_together_and_discards_together(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    with pytest.raises(ValueError):
        with OutputSet() as outs:
            outs.open(a).write(b"A")
            outs.open(b).write(b"B")
            raise ValueError
    assert not a.exists() and not b.exists() and not os.listdir(tmp_path)
    with OutputSet() as outs:
        outs.open(a).write(b"A")
        outs.open(b).write(b"B")
        assert not a.exists()
    assert a.read_bytes() == b"A" and b.read_bytes() == b"B"


def test_output_paths_refused_before_reading(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("身份证号\n")
    with pytest.raises(OutputPathError, match="input"):
        check_output_paths([roster], {"--out": str(tmp_path / "." / "roster.csv")})
    with pytest.raises(OutputPathError, match="--out"):
        check_output_paths([roster], {"--out": tmp_path / "r.csv", "--rejects": tmp_path / "r.csv"})
    with pytest.raises(OutputPathError, match="standard output"):
        check_output_paths([roster], {"--out": "-", "--rejects": "-"})
    with pytest.raises(OutputPathError, match="folder"):
        check_output_paths([roster], {"--out": tmp_path})
    check_output_paths([roster], {"--out": tmp_path / "r.csv", "--rejects": tmp_path / "j.csv", "--summary": None})
    # a symlink to the roster is the roster
    link = tmp_path / "link.csv"
    link.symlink_to(roster)
    with pytest.raises(OutputPathError):
        check_output_paths([roster], {"--out": link})


def test_lock_fails_clearly_or_waits(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    with OutputLock([out]):
        with pytest.raises(OutputLockedError, match="lock-wait"):
            OutputLock([out]).acquire()
        with pytest.raises(OutputLockedError, match="0.2"):
            OutputLock([out], wait=0.2).acquire()
    with OutputLock([out]):  # released: free again
        pass
    assert not os.listdir(tmp_path)  # the lock file goes with the lock


def test_lock_of_a_killed_process_is_released(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    code = textwrap.dedent(f"""
        import sys, time
        from shuangyong.outputs import OutputLock
        lock = OutputLock([{str(out)!r}]); lock.acquire()
        print("locked", flush=True); time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(OutputLockedError):
            OutputLock([out]).acquire()
        proc.kill()
        proc.wait()
        with OutputLock([out], wait=5):
            pass
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("text", ["=1+2", "+86", "-2+3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_formula_cells_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text
    assert safe_cell(Decimal("-12.50")) == "-12.50"  # our own numbers stay numbers
    assert safe_cell("张三") == "张三" and safe_cell(None) == ""


@given(st.text(max_size=30))
def test_safe_cell_never_starts_a_formula(text: str) -> None:
    out = safe_cell(text)
    assert not out or out[0] not in "=+-@\t\r"
    assert out in (text, "'" + text)


HEADER = ["row", "id_number", "姓名", "amount"]
ROWS = [
    {"row": 2, "id_number": "4228**********123X", "姓名": "=cmd|' /C calc'!A0", "amount": Decimal("2805.31")},
    {"row": 3, "id_number": "4228**********1245", "姓名": "张**", "amount": Decimal("-10.00")},
    {"row": 4, "id_number": "4228**********0011", "姓名": None, "amount": None},
]


def test_csv_table_is_formula_safe_with_totals(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    write_table(p, HEADER, ROWS, titles={"row": "行号", "amount": "金额"}, money=["amount"], totals="合计")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert lines[0] == ["行号", "id_number", "姓名", "金额"]
    assert lines[1][2] == "'=cmd|' /C calc'!A0"
    assert lines[2][3] == "-10.00"
    assert lines[4] == ["合计", "", "", "2795.31"]


def test_jsonl_table_keeps_money_exact(tmp_path: Path) -> None:
    p = tmp_path / "t.jsonl"
    write_table(p, HEADER, ROWS)
    rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["amount"] == "2805.31" and rows[2]["amount"] is None


def test_xlsx_table_is_formatted_and_formula_safe(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    p = tmp_path / "t.xlsx"
    write_table(p, HEADER, ROWS, titles={"amount": "金额"}, money=["amount"], text=["id_number"], totals="合计", sheet="结果")
    wb = openpyxl.load_workbook(p)
    ws = wb["结果"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold and ws["D1"].value == "金额"
    assert ws["C2"].data_type == "s" and ws["C2"].value == "=cmd|' /C calc'!A0"  # text, not a formula
    assert ws["B2"].number_format == "@"
    assert ws["D2"].number_format == "#,##0.00" and Decimal(str(ws["D2"].value)) == Decimal("2805.31")
    assert ws["A5"].value == "合计" and Decimal(str(ws["D5"].value)) == Decimal("2795.31")
    assert ws.column_dimensions["C"].width >= 8


def test_write_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    write_table("-", HEADER, ROWS[:1], format="csv")
    out = capsys.readouterr().out
    assert "2805.31" in out and "'=cmd" in out
