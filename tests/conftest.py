"""Shared helpers for the core tests: synthetic, valid 公民身份号码 (no real persons)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import settings

from shuangyong.ids import check_character

# No per-example deadline: CI machines are shared and slow examples are not failures (speed is
# measured in benchmarks/, never asserted in tests).
settings.register_profile("shuangyong", deadline=None)
settings.load_profile("shuangyong")


def make_id(region: str = "422827", born: date = date(1960, 5, 20), seq: int = 123) -> str:
    """A valid 18-character ID for a synthetic person; odd ``seq`` = male."""
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def idn() -> str:
    return make_id()
