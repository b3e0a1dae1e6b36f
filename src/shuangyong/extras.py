"""Optional extras and the one install hint the library prints for them.

A hint must work for how this copy was installed: ``pip install 'shuangyong[office]'`` only works
from a package index, so a copy installed from a source tree (``pip install -e .``, the README's
``scripts/demo.sh``) or run from one is told to install the extra from that tree.  Every message
that names a missing optional library builds its hint here.
"""

from __future__ import annotations

import json
import shlex
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

__all__ = ["EXTRAS", "install_hint"]

#: Extras declared in pyproject.toml, by what they bring.  ``office`` is what a county office needs
#: to run a real roster (numpy for speed, openpyxl for writing .xlsx); ``scripts/demo.sh`` installs it.
EXTRAS = {
    "office": ("numpy", "openpyxl"),
    "xlsx": ("openpyxl",),
    "fast": ("numpy",),
}


def install_hint(extra: str = "office") -> str:
    """The command that installs ``extra`` into the running Python, for how shuangyong was installed."""
    target = _source_tree()
    pip = f"{shlex.quote(sys.executable or 'python3')} -m pip install"
    if target is None:
        return f"{pip} 'shuangyong[{extra}]'"
    path, editable = target
    return f"{pip} {'-e ' if editable else ''}{shlex.quote(f'{path}[{extra}]')}"


def _source_tree() -> tuple[str, bool] | None:
    """The source folder this copy was installed from (and whether editable), or ``None`` for an index install."""
    try:
        dist = metadata.distribution("shuangyong")
    except metadata.PackageNotFoundError:
        here = Path(__file__).resolve().parents[2]  # src/shuangyong/extras.py → the repository root
        return (str(here), True) if (here / "pyproject.toml").is_file() else None
    try:
        text = dist.read_text("direct_url.json")
    except (OSError, ValueError):
        text = None
    if not text:
        return None
    try:
        info = json.loads(text)
    except ValueError:
        return None
    url = str(info.get("url", ""))
    if not url.startswith("file:"):
        return None  # from an index or a repository URL: the index name is the way to add an extra
    path = unquote(urlparse(url).path)
    dir_info = info.get("dir_info")
    return path, bool(dir_info.get("editable", False)) if isinstance(dir_info, dict) else False
