"""The payment ledger: what was paid, 补发 after a retroactive rise, life events, bank files and audit checks.

::

    from shuangyong import ledger
    book = ledger.open("county.db")                          # creates or migrates
    run = book.pay(engine, roster, sy.Period.month(2025, 8))
    run.lines_paid, run.lines_already_paid, run.total
    book.total_paid(sy.Period.month(2025, 8))
    arr = book.arrears(engine, roster, through=sy.Period.month(2025, 10))
    arr.underpaid_total, arr.overpaid_total
    for line in arr: line.rule, line.period, line.amount, line.cause

See ``docs/ledger.md``.  The ledger is one SQLite file (standard library
``sqlite3``); nothing in it is ever updated or deleted.
"""

from __future__ import annotations

from pathlib import Path

from .arrears import Arrears, ArrearsLine, FuneralOffer
from .book import Book, PayRun
from .events import LifeEvent
from .store import SCHEMA_VERSION, LedgerError

__all__ = ["open", "Book", "PayRun", "Arrears", "ArrearsLine", "FuneralOffer", "LifeEvent", "LedgerError", "SCHEMA_VERSION"]


def open(path: str | Path, *, create: bool = True, timeout: float = 60.0) -> Book:  # noqa: A001 - the contract's name
    """Open the ledger file at ``path``, creating it (unless ``create=False``) or migrating it forward; a newer file is refused."""
    return Book(path, create=create, timeout=timeout)
