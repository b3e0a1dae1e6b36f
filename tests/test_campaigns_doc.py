"""docs/campaigns.md works as written: a district's year run from an empty folder (issue 17).

Blocks marked ``<!-- check: tmpfile NAME -->`` are saved under NAME; ``shell``
blocks run each ``$ command`` line through the real ``shuangyong`` command
(exit status 0 unless the marker says ``exit=N``); ``run`` blocks are Python
scripts run in the folder.  All in document order, in one folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("lunar_python")

DOC = Path(__file__).resolve().parents[1] / "docs" / "campaigns.md"
_BLOCK = re.compile(r"^<!-- check: (\w+)(?: (\S+))? -->\n(`{3,})[\w-]*\n(.*?)^\3$", re.M | re.S)


def _cli() -> list[str]:
    exe = shutil.which("shuangyong", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "shuangyong"]


def test_campaigns_doc_runs_end_to_end(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    blocks = [(text.count("\n", 0, m.start()) + 1, m[1], m[2] or "", m[4]) for m in _BLOCK.finditer(text)]
    kinds = [b[1] for b in blocks]
    assert kinds.count("shell") >= 7 and kinds.count("run") >= 3 and kinds.count("tmpfile") >= 3
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.pop("SHUANGYONG_PACKS", None)
    for line, kind, arg, code in blocks:
        if kind == "tmpfile":
            (tmp_path / arg).write_text(code, encoding="utf-8")
        elif kind == "shell":
            want = int(arg.split("=", 1)[1]) if arg.startswith("exit=") else 0
            for cmd in (ln[2:] for ln in code.splitlines() if ln.startswith("$ ")):
                args = cmd.split()
                assert args[0] == "shuangyong"
                r = subprocess.run(_cli() + args[1:], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
                assert r.returncode == want, f"docs/campaigns.md:{line}: {cmd}\n{r.stdout}\n{r.stderr}"
                assert "Traceback" not in r.stderr, f"docs/campaigns.md:{line}: {cmd}\n{r.stderr}"
        else:
            r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
            assert r.returncode == 0, f"docs/campaigns.md:{line}:\n{r.stdout}\n{r.stderr}"
    names = (tmp_path / "春节慰问名单.csv").read_text(encoding="utf-8-sig")
    assert "合计（3户，6人）" in names and "3000.00" in names and "张一" not in names
