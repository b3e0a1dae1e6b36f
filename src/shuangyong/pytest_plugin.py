"""The pytest plugin shipped with shuangyong (entry point ``pytest11``): case files run as tests.

Any ``*.toml`` below a ``cases`` folder inside a ``tests`` folder is a *case file* (its format, key by
key: docs/writing-a-rule-pack.md, "Case files").  Each ``[[case]]`` becomes one test that runs the
case one person at a time (:func:`shuangyong.testing.check_case`) **and** through
:func:`shuangyong.roster.run.run_roster` (:func:`shuangyong.testing.check_case_roster`), so a case checks
both roads.  Unknown keys, and cases that state no expectation, fail at collection.

The engine of a case file is the national rules plus: the packs named by its top-level ``packs``
key (entry-point names), or else the pack whose folder holds the file (read from the nearest
``pyproject.toml``'s ``shuangyong.rulepacks`` entry points, importable from ``src/`` without
installing); plus the parameter files of its ``[[parameters]]`` tables (an office's own figures).
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

__all__ = ["pytest_collect_file", "CaseFile", "CaseItem", "FILE_KEYS"]

#: The top-level keys of a case file.
FILE_KEYS = frozenset({"case", "packs", "parameters"})


def _is_case_file(path: Path) -> bool:
    if path.suffix != ".toml":
        return False
    parts = path.parent.parts
    return "cases" in parts and "tests" in parts[: parts.index("cases")]


def pytest_collect_file(file_path: Path, parent: Any) -> Any:
    if _is_case_file(file_path):
        return CaseFile.from_parent(parent, path=file_path)
    return None


def _owning_pack(path: Path) -> list[tuple[str, Any, str]]:
    """The pack (name, module, "") whose ``pyproject.toml`` is nearest above ``path``; none for the core."""
    for folder in path.parents:
        project = folder / "pyproject.toml"
        if not project.is_file():
            continue
        data = tomllib.loads(project.read_text(encoding="utf-8"))
        eps = data.get("project", {}).get("entry-points", {}).get("shuangyong.rulepacks", {})
        out = []
        for name, target in eps.items():
            module = str(target).split(":")[0]
            try:
                mod = importlib.import_module(module)
            except ImportError:
                src = folder / "src"
                if str(src) not in sys.path:
                    sys.path.insert(0, str(src))
                mod = importlib.import_module(module)
            out.append((name, mod, ""))
        return out
    return []


_ENGINES: dict[Any, Any] = {}


def _engine_for(path: Path, data: dict[str, Any]) -> Any:
    from .engine import Engine
    from .plugins import discover
    from .testing import FixturePack

    packs = data.get("packs")
    params = data.get("parameters", [])
    if not isinstance(params, list) or not all(isinstance(p, dict) and set(p) == {"file", "jurisdiction"} for p in params):
        raise ValueError(f"{path}: [[parameters]] tables take exactly file and jurisdiction")
    key = (str(path.parent), repr(packs), repr(params))
    engine = _ENGINES.get(key)
    if engine is None:
        if packs is None:
            entries: list[Any] = _owning_pack(path)
        else:
            entries = list(discover([str(p) for p in packs])) if packs else []
        for i, p in enumerate(params):
            entries.append(FixturePack(f"case_parameters_{i}", [], [path.parent / str(p["file"])], jurisdiction=str(p["jurisdiction"])))
        engine = _ENGINES[key] = Engine(entries)
    return engine


class CaseFile(pytest.File):
    """One case file: a test per ``[[case]]``."""

    def collect(self) -> Any:
        from .testing import validate_case

        data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        unknown = sorted(set(data) - FILE_KEYS)
        if unknown:
            raise self.CollectError(f"{self.path.name}: unknown top-level key(s) {', '.join(unknown)}; a case file takes "
                                    f"{', '.join(sorted(FILE_KEYS))}")
        cases = data.get("case")
        if not isinstance(cases, list) or not cases:
            raise self.CollectError(f"{self.path.name}: no [[case]] tables")
        for i, case in enumerate(cases):
            try:
                validate_case(case, f"{self.path.name} case {i + 1}")
            except ValueError as e:
                raise self.CollectError(str(e)) from None
            yield CaseItem.from_parent(self, name=f"{i + 1:02d} {case['name']}"[:80], case=case, data=data)

    class CollectError(Exception):
        """A case file that cannot be read as cases."""


class CaseItem(pytest.Item):
    """One case, checked one by one and through ``run_roster``."""

    def __init__(self, *, case: dict[str, Any], data: dict[str, Any], **kw: Any) -> None:
        super().__init__(**kw)
        self.case = case
        self.data = data

    def runtest(self) -> None:
        from .testing import check_case, check_case_roster, check_needs

        engine = _engine_for(self.path, self.data)
        check_needs(engine, self.case)
        roads = self.case.get("roads", ["one_by_one", "roster"])
        if "one_by_one" in roads:
            check_case(engine, self.case)
        if "roster" in roads:
            check_case_roster(engine, self.case)

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, AssertionError):
            return f"case {self.case.get('name', '')!r} ({self.path.name}) failed: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"case: {self.name}"
