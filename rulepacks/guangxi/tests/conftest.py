"""Make the pack importable when its tests run from a checkout without installing it."""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import shuangyong_guangxi  # noqa: F401  (installed, or PYTHONPATH=src)
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
