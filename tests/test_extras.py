"""The one install hint: it must work for how shuangyong was installed."""

from __future__ import annotations

import json
import shlex
import sys
from importlib import metadata
from typing import Any

import pytest

from shuangyong import extras


class _Dist:
    def __init__(self, direct_url: dict[str, Any] | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        return json.dumps(self.direct_url) if self.direct_url is not None and name == "direct_url.json" else None


@pytest.mark.parametrize("direct_url, expected", [
    ({"url": "file:///home/clerk/shuangyong", "dir_info": {"editable": True}}, "-e '/home/clerk/shuangyong[office]'"),
    ({"url": "file:///opt/src/shuangyong", "dir_info": {}}, "'/opt/src/shuangyong[office]'"),
    ({"url": "file:///tmp/shuangyong-0.9-py3-none-any.whl", "archive_info": {}}, "'/tmp/shuangyong-0.9-py3-none-any.whl[office]'"),
    ({"url": "https://example.org/x.tar.gz", "archive_info": {}}, "'shuangyong[office]'"),
    (None, "'shuangyong[office]'"),  # from a package index: no direct_url.json
])
def test_hint_follows_the_installation(monkeypatch: pytest.MonkeyPatch, direct_url: Any, expected: str) -> None:
    monkeypatch.setattr(extras.metadata, "distribution", lambda name: _Dist(direct_url))
    hint = extras.install_hint("office")
    assert hint == f"{shlex.quote(sys.executable)} -m pip install {expected}"


def test_hint_when_running_from_a_source_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> Any:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(extras.metadata, "distribution", missing)
    hint = extras.install_hint("xlsx")
    assert hint.endswith("[xlsx]'") and " -e " in hint  # this test runs from the repository


def test_office_extra_is_declared() -> None:
    import tomllib
    from pathlib import Path

    data = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    declared = data["project"]["optional-dependencies"]
    for extra, modules in extras.EXTRAS.items():
        assert extra in declared and all(any(d.startswith(m) for d in declared[extra]) for m in modules)
    assert ".[office]" in (Path(__file__).parents[1] / "scripts" / "demo.sh").read_text(encoding="utf-8")
