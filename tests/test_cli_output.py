"""The command line's promises about outputs: stdout, JSON, paths refused, the lock, exit codes,
help, formula-safe payable lists, explain --row, no traceback, kill -9 leaves no partial file."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import shuangyong as sy
from shuangyong.cli.main import EXIT_CODES, main
from shuangyong.outputs import OutputLock

from conftest import make_id

SAMPLE = Path(sy.__file__).parent / "data" / "sample_roster.csv"
ENTITLE = ["entitle", "--period", "2024", "--packs", "national", "--quiet"]


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shuangyong", *args], capture_output=True, text=True, timeout=timeout,
                          encoding="utf-8")


def _small_roster(tmp_path: Path) -> Path:
    p = tmp_path / "roster.csv"
    p.write_text(
        "身份证号,姓名,行政区划代码,类别,伤残等级,伤残性质,评残时间,乡镇\n"
        f"{make_id(seq=1)},测试甲,422827,残疾军人,六级,因战,2010-05-01,=HYPERLINK(\"http://x\")\n"
        f"{make_id(seq=3)},测试乙,422827,残疾军人,十一级,因战,2010-05-01,翔凤镇\n",
        encoding="utf-8",
    )
    return p


def test_out_dash_writes_results_to_stdout_and_report_to_stderr(tmp_path: Path) -> None:
    r = _cli(*ENTITLE, str(_small_roster(tmp_path)), "--out", "-")
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0][:2] == ["row", "id_number"] and rows[1][0] == "2" and len(rows) == 2
    assert not r.stdout.startswith("\ufeff")  # no BOM into a pipe
    assert "读入 2 行 = 计算 1 行 + 退回 1 行" in r.stderr


def test_json_prints_the_summary_and_names_the_files(tmp_path: Path) -> None:
    roster = _small_roster(tmp_path)
    out, rej, summ = tmp_path / "r.csv", tmp_path / "j.csv", tmp_path / "s.json"
    r = _cli(*ENTITLE, str(roster), "--out", str(out), "--rejects", str(rej), "--summary", str(summ), "--json")
    assert r.returncode == 0, r.stderr
    printed = json.loads(r.stdout)
    assert printed["rows_in"] == 2 and printed["reconciled"] and printed["reveal"] is False
    written = json.loads(summ.read_text(encoding="utf-8"))
    assert [(o["kind"], o["path"], o["rows"]) for o in written["outputs"]] == [("results", str(out), 1), ("rejects", str(rej), 1)]
    assert "测试乙" not in summ.read_text(encoding="utf-8") and make_id(seq=3) not in rej.read_text(encoding="utf-8-sig")
    assert _cli(*ENTITLE, str(roster), "--json", "--out", "-").returncode == 1


def test_output_paths_refused_before_reading(tmp_path: Path) -> None:
    roster = _small_roster(tmp_path)
    before = roster.read_bytes()
    r = _cli(*ENTITLE, str(roster), "--out", str(roster))
    assert r.returncode == 1 and "input" in r.stderr and roster.read_bytes() == before
    r = _cli(*ENTITLE, str(roster), "--out", str(tmp_path / "x.csv"), "--rejects", str(tmp_path / "." / "x.csv"))
    assert r.returncode == 1 and "--rejects" in r.stderr and not (tmp_path / "x.csv").exists()
    r = _cli(*ENTITLE, str(tmp_path / "missing.csv"), "--out", str(tmp_path / "missing.csv"))
    assert r.returncode == 1  # refused as the input before trying to read it


def test_second_run_on_the_same_output_fails_clearly_or_waits(tmp_path: Path) -> None:
    roster = _small_roster(tmp_path)
    out = tmp_path / "r.csv"
    lock = OutputLock([out])
    lock.acquire()
    try:
        r = _cli(*ENTITLE, str(roster), "--out", str(out))
        assert r.returncode == 1 and "another run" in r.stderr and not out.exists()
        timer = threading.Timer(1.0, lock.release)
        timer.start()
        r = _cli(*ENTITLE, str(roster), "--out", str(out), "--lock-wait", "120")
        timer.join()
        assert r.returncode == 0, r.stderr
        assert out.exists()
    finally:
        lock.release()


def test_payable_list_keeps_columns_formula_safe_with_chinese_headers(tmp_path: Path) -> None:
    roster = _small_roster(tmp_path)
    out = tmp_path / "r.csv"
    assert main([*ENTITLE, str(roster), "--out", str(out), "--keep", "姓名,乡镇", "--headers", "zh"]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["行号", "身份证号", "姓名", "乡镇"] and "残疾抚恤金" in rows[0] and rows[0][-1] == "合计金额"
    assert rows[1][2] == "测试甲" and rows[1][3] == "'=HYPERLINK(\"http://x\")"
    assert rows[1][1] == sy.mask_id_number(make_id(seq=1))
    assert main([*ENTITLE, str(roster), "--out", str(out), "--keep", "银行账号"]) == 1  # no such column


def test_xlsx_payable_list_is_formatted(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    roster = _small_roster(tmp_path)
    out = tmp_path / "r.xlsx"
    assert main([*ENTITLE, str(roster), "--out", str(out), "--keep", "姓名,乡镇", "--headers", "zh", "--reveal"]) == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["行号", "身份证号", "姓名", "乡镇"]
    assert ws["B2"].value == make_id(seq=1) and ws["B2"].number_format == "@"  # --reveal: the full ID, as text
    assert ws["D2"].data_type == "s" and ws["D2"].value.startswith("=HYPERLINK")  # text, never a live formula
    money = header.index("合计金额") + 1
    assert ws.cell(2, money).number_format == "#,##0.00"
    assert ws.cell(3, 1).value == "合计" and ws.freeze_panes == "A2"


def test_wrong_flag_shows_the_subcommands_usage_and_help_lists_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entitle", str(SAMPLE), "--period", "2024", "--no-such-flag"]) == 2
    err = capsys.readouterr().err
    assert "usage: shuangyong entitle" in err and "--no-such-flag" in err
    assert main(["entitle", "--help"]) == 0
    text = capsys.readouterr().out
    for code in EXIT_CODES:
        assert f"{code:>3}  " in text
    assert "（默认 default: code）" in text and "--lock-wait" in text and "退出码" in text


def test_no_traceback_on_an_internal_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def boom(*a: Any, **k: Any) -> Any:
        raise RuntimeError(f"bug near {make_id(seq=9)}")

    monkeypatch.setattr("shuangyong.roster.run.run_roster", boom)
    monkeypatch.delenv("SHUANGYONG_DEBUG", raising=False)
    assert main([*ENTITLE, str(SAMPLE)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" in err and make_id(seq=9) not in err and len(err.splitlines()) == 1


def test_explain_row_is_the_row_of_the_results_file(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    assert main([*ENTITLE, str(SAMPLE), "--out", str(out)]) == 0
    results = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    pick = results[7]
    r = _cli("explain", "--roster", str(SAMPLE), "--row", pick["row"], "--period", "2024", "--packs", "national", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["person"]["id_number"] == pick["id_number"]
    bad = _cli("explain", "--roster", str(SAMPLE), "--row", "1", "--period", "2024", "--packs", "national")
    assert bad.returncode == 1 and "header is row 1" in bad.stderr


def _big_roster(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("身份证号,行政区划代码,类别,伤残等级,伤残性质,评残时间\n")
        for k in range(n):
            born = f"19{40 + k % 50:02d}-{1 + k % 12:02d}-{1 + k % 28:02d}"
            from datetime import date

            idn = make_id(born=date.fromisoformat(born), seq=k // 600 % 1000)
            fh.write(f"{idn},422827,残疾军人,{1 + k % 10},{'因战' if k % 2 else '因公'},2010-05-01\n")


def test_kill_9_never_leaves_a_complete_looking_partial_file(tmp_path: Path) -> None:
    roster = tmp_path / "big.csv"
    _big_roster(roster, 100_000)
    out, rej, summ = tmp_path / "results.csv", tmp_path / "rejects.csv", tmp_path / "summary.json"
    args = [sys.executable, "-m", "shuangyong", *ENTITLE, str(roster), "--out", str(out), "--rejects", str(rej),
            "--summary", str(summ)]
    full = subprocess.run(args, capture_output=True, timeout=600)
    assert full.returncode == 0, full.stderr
    whole = {p: p.read_bytes() for p in (out, rej, summ)}
    rng = random.Random(11)
    for attempt in range(4):
        for p in whole:
            p.unlink(missing_ok=True)
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for p, data in whole.items():
            if p.exists():  # either absent or exactly the whole file, never a cut one
                got = p.read_bytes()
                if p is summ:
                    a, b = json.loads(got), json.loads(data)
                    a.pop("elapsed_seconds"), b.pop("elapsed_seconds")
                    assert a == b
                else:
                    assert got == data, f"{p.name} is partial after kill -9 (attempt {attempt})"
        if summ.exists():  # the summary is written last: whatever it names is whole
            assert out.exists() and rej.exists()
    leftovers = [f for f in os.listdir(tmp_path) if f.endswith(".part")]
    assert all(f.startswith(".") for f in leftovers)  # temporary names never look like an output


def test_every_option_of_every_subcommand_is_documented_with_chinese() -> None:
    import argparse
    import re

    from shuangyong.cli.main import build_parser

    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    han = re.compile(r"[\u4e00-\u9fff]")
    for name, p in subs.choices.items():
        assert p.epilog and "退出码" in p.epilog, name
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help and han.search(action.help), f"{name} {action.dest}: no Chinese help"


@pytest.mark.parametrize("reveal", [False, True])
def test_csv_with_kept_columns_equals_the_result_rows(tmp_path: Path, reveal: bool) -> None:
    from shuangyong.roster.run import run_roster
    from shuangyong.outputs import safe_cell

    run = run_roster(sy.Engine(), SAMPLE, 2024, reveal=reveal)
    out = tmp_path / "r.csv"
    run.write_results(out, keep=["姓名", "备注"])
    got = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    want = [[safe_cell("" if v is None else v) for v in r.values()] for r in run.results(keep=["姓名", "备注"])]
    assert got[0] == ["row", "id_number", "姓名", "备注", *run.rule_codes, "total"]
    assert got[1:] == want
    assert all(("*" in r[1]) != reveal for r in got[1:])


def test_an_engine_that_fails_says_so_without_waiting_for_standard_input() -> None:
    # A roster file is read while the engine loads; standard input only after it: with a terminal (here a pipe
    # left open) an unknown pack must be reported at once, not once the input ends.
    p = subprocess.Popen([sys.executable, "-m", "shuangyong", "entitle", "-", "--period", "2024", "--packs", "no-such-pack",
                          "--quiet"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        code = p.wait(timeout=60)
    finally:
        p.kill()
        assert p.stdin is not None
        p.stdin.close()
    err = p.stderr.read() if p.stderr is not None else ""
    assert code == 1
    assert "no-such-pack" in err and "Traceback" not in err
