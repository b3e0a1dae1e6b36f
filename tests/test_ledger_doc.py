"""docs/ledger.md is a county's year that runs: its files are written, its commands run in order.

Blocks marked ``<!-- ledger: file NAME -->`` are saved as NAME; in blocks marked
``<!-- ledger: run -->`` each ``$ shuangyong …`` line is run through the CLI's own
``main`` (in this process: fast; the reliability tests use real subprocesses) and
must exit 0, and every other non-empty line of the block must appear, exactly,
among the lines that command printed.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from shuangyong.cli.main import main

DOC = Path(__file__).resolve().parents[1] / "docs" / "ledger.md"
_BLOCK = re.compile(r"^<!-- ledger: (file|run)(?: (\S+))? -->\n(`{3,})[\w-]*\n(.*?)^\3$", re.M | re.S)


def _blocks() -> list[tuple[str, str, str]]:
    return [(m[1], m[2] or "", m[4]) for m in _BLOCK.finditer(DOC.read_text(encoding="utf-8"))]


def _commands(code: str) -> list[tuple[str, list[str]]]:
    """(command, expected lines) in block order."""
    out: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif line.strip() and out:
            out[-1][1].append(line)
    return out


def test_the_county_year_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = _blocks()
    assert sum(1 for b in blocks if b[0] == "run") >= 8
    ran = 0
    for kind, name, code in blocks:
        if kind == "file":
            (tmp_path / name).write_text(code, encoding="utf-8")
            continue
        for command, expected in _commands(code):
            args = shlex.split(command)
            assert args[0] == "shuangyong", command
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(args[1:])
            assert code == 0, f"{command}\n{err.getvalue()}"
            got = out.getvalue().splitlines()
            missing = [e for e in expected if e not in got]
            assert not missing, f"{command}: lines not printed: {missing}\n--- printed:\n{out.getvalue()}"
            ran += 1
    assert ran >= 12
