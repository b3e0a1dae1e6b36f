"""The rule-pack guide is complete and its code works.

* every ``shuangyong_*`` hookspec has a docstring and a section of
  ``docs/writing-a-rule-pack.md`` titled by its signature;
* every fact of ``shuangyong.facts.FACTS`` is listed in the guide;
* every code block marked ``<!-- check: ... -->`` is checked: ``file PATH``
  blocks equal the repository file, ``tmpfile PATH`` blocks are saved for the
  ``run`` blocks, ``run`` blocks are executed as scripts, and ``params NAME``
  blocks must load as parameter files;
* every file of the example pack is shown in the guide, and the example
  pack's own tests pass (in a subprocess, with ``PYTHONPATH`` at its ``src``).
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shuangyong import hookspecs
from shuangyong.facts import FACTS

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "writing-a-rule-pack.md"
EXAMPLE = ROOT / "docs" / "examples" / "example_pack"

# A marker line, then a fenced block of three or more backticks (four when the block itself holds fences).
_BLOCK = re.compile(r"^<!-- check: (\w+)(?: (\S+))? -->\n(`{3,})[\w-]*\n(.*?)^\3$", re.M | re.S)


def _blocks() -> list[tuple[int, str, str, str]]:
    """(line, kind, argument, code) of every checked block, in document order."""
    text = GUIDE.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m[1], m[2] or "", m[4]) for m in _BLOCK.finditer(text)]


def _signature(fn: object) -> str:
    # Annotations are strings (from __future__ import annotations): show them as written.
    sig = inspect.signature(fn)  # type: ignore[arg-type]
    params = ", ".join(
        p.name if p.annotation is inspect.Parameter.empty else f"{p.name}: {p.annotation}" for p in sig.parameters.values()
    )
    return f"{fn.__name__}({params}) -> {sig.return_annotation}"  # type: ignore[attr-defined]


HOOKS = [getattr(hookspecs, n) for n in dir(hookspecs) if n.startswith("shuangyong_")]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(EXAMPLE / "src"), env.get("PYTHONPATH", "")) if p)
    env.pop("SHUANGYONG_PACKS", None)
    return env


def test_there_are_hooks_and_checked_blocks() -> None:
    assert len(HOOKS) >= 6
    kinds = [b[1] for b in _blocks()]
    assert kinds.count("file") >= 6 and kinds.count("run") >= 8
    assert set(kinds) <= {"file", "tmpfile", "run", "params"}


@pytest.mark.parametrize("hook", HOOKS, ids=lambda h: h.__name__)
def test_hook_is_documented_with_its_signature(hook: object) -> None:
    assert (inspect.getdoc(hook) or "").strip(), f"{hook.__name__} has no docstring"  # type: ignore[attr-defined]
    heading = f"### `{_signature(hook)}`"
    assert heading in GUIDE.read_text(encoding="utf-8").splitlines(), f"missing section: {heading}"


def test_every_fact_is_listed() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    missing = [name for name in FACTS if f"| `{name}` |" not in text]
    assert not missing, f"facts not in the guide's table: {missing}"


def test_every_example_pack_file_is_in_the_guide() -> None:
    shown = {arg for _, kind, arg, _ in _blocks() if kind == "file"}
    files = {
        f.relative_to(ROOT).as_posix()
        for f in EXAMPLE.rglob("*")
        if f.is_file() and "__pycache__" not in f.parts and ".pytest_cache" not in f.parts
        and ".egg-info" not in str(f) and ".hypothesis" not in f.parts
    }
    assert files <= shown, f"example pack files the guide does not show: {sorted(files - shown)}"


_FILES = [(b[0], b[2], b[3]) for b in _blocks() if b[1] == "file"]
_RUNS = [(b[0], b[3]) for b in _blocks() if b[1] == "run"]


@pytest.mark.parametrize("line,path,code", _FILES, ids=[Path(f[1]).name for f in _FILES])
def test_walkthrough_file_matches_the_example_pack(line: int, path: str, code: str) -> None:
    assert (ROOT / path).read_text(encoding="utf-8") == code, f"guide line {line} differs from {path}"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every ``tmpfile`` block, where the ``run`` blocks execute."""
    d = tmp_path_factory.mktemp("guide")
    for _, kind, arg, code in _blocks():
        if kind == "tmpfile":
            (d / arg).parent.mkdir(parents=True, exist_ok=True)
            (d / arg).write_text(code, encoding="utf-8")
    return d


@pytest.mark.parametrize("line,code", _RUNS, ids=[f"line{r[0]}" for r in _RUNS])
def test_guide_snippet_runs(line: int, code: str, workdir: Path) -> None:
    script = workdir / f"snippet_{line}.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=workdir, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"guide line {line} failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.mark.parametrize("name,code", [(b[2], b[3]) for b in _blocks() if b[1] == "params"])
def test_parameter_format_example_loads(name: str, code: str, tmp_path: Path) -> None:
    from shuangyong.params import load_parameter_file

    path = tmp_path / name
    path.write_text(code, encoding="utf-8")
    assert load_parameter_file(path, "422827", "guide")


def test_example_pack_tests_pass() -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark"], cwd=EXAMPLE, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # 5 cases (collected by the shuangyong case plugin, checked on both roads) + 4 tests of the module
    assert re.search(r"\b9 passed\b", proc.stdout), proc.stdout
