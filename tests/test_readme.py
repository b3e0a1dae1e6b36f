"""The README's Python example runs as written and gives the amounts it states."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S)
    assert code is not None
    ns: dict[str, object] = {}
    exec(compile(code.group(1).replace("print(", "str("), "README", "exec"), ns)  # noqa: S102
    res = ns["res"]
    # 54,220 ÷ 12 = 4,518.33 × 7 = 31,628.31; 59,100 ÷ 12 = 4,925.00 × 5 = 24,625.00
    assert res["disability_pension"].amount == Decimal("56253.31")  # type: ignore[index]
    assert res.total == Decimal("56253.31")  # type: ignore[attr-defined]


def test_readme_names_the_two_commands_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    assert "bash scripts/demo.sh" in text and "bash scripts/test.sh" in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/test.sh" in ci
