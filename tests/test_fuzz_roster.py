"""The bounded roster mutation fuzzer (tests/fuzz_roster.py) in CI: about a minute.

Scale it with SHUANGYONG_FUZZ_CASES (mutants per format), SHUANGYONG_FUZZ_SEED and
SHUANGYONG_FUZZ_SECONDS (a time budget after which it stops early; it never fails for time).
"""

from __future__ import annotations

import os

import fuzz_roster


def test_mutated_rosters_keep_every_promise() -> None:
    cases = int(os.environ.get("SHUANGYONG_FUZZ_CASES", "40"))
    seed = int(os.environ.get("SHUANGYONG_FUZZ_SEED", "20261203"))
    seconds = float(os.environ.get("SHUANGYONG_FUZZ_SECONDS", "60"))
    counts = fuzz_roster.fuzz(cases, seed, seconds)
    # Mutants were both refused and run (the fuzzer reaches past the readers into the runs).
    assert any(k.endswith(":run") for k in counts) and sum(counts.values()) > 0


def test_the_fuzzer_catches_a_broken_promise(monkeypatch: object) -> None:
    """A reader that lost a row must be caught: the check is not one that cannot fail."""
    import random
    from pathlib import Path
    import tempfile

    import pytest

    import shuangyong as sy
    from shuangyong.roster import reading as roster_module

    rng = random.Random(1)
    rows = fuzz_roster.valid_rows(rng, 5)
    data = ("\n".join(",".join(r) for r in rows) + "\n").encode()  # unquoted: the array reader reads it
    real = roster_module._read_csv_lines

    def lossy(name: str, raw: bytes, encoding: str, first: int = 0) -> object:
        r = real(name, raw, encoding, first)
        r.problems.append((0, "row", "x"))
        return r

    mp = pytest.MonkeyPatch()
    mp.setattr(roster_module, "_read_csv_lines", lossy)
    try:
        with tempfile.TemporaryDirectory() as d, pytest.raises(fuzz_roster.Failure, match="disagree"):
            fuzz_roster.check(data, "csv", sy.Engine(), Path(d), {str(r[0]) for r in rows[1:]})
    finally:
        mp.undo()
