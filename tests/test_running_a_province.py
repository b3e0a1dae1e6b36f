"""docs/running-a-province.md: every block marked ``<!-- check: run -->`` runs as a script and passes its asserts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "running-a-province.md"
_BLOCK = re.compile(r"^<!-- check: run -->\n```python\n(.*?)^```$", re.M | re.S)
BLOCKS = [(PAGE.read_text(encoding="utf-8").count("\n", 0, m.start()) + 1, m[1]) for m in _BLOCK.finditer(PAGE.read_text(encoding="utf-8"))]


def test_page_has_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"line{n}" for n, _ in BLOCKS])
def test_example_runs(line: int, code: str, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    pytest.importorskip("pandas")
    if "dask" in code:
        pytest.importorskip("dask.dataframe")
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"docs/running-a-province.md line {line}:\n{r.stdout}\n{r.stderr}"
