"""Life events a payment office records: a death, a suspension, a resumption — and what they do to a month.

The dates follow the engine's rule for a death: a month is affected when its
first day comes after the event's date (a person alive on the 1st is paid that
month).  So a death on 2025-06-10 stops payment from July; a suspension dated
2025-09-01 (年审 not passed, 生存认证 missed, 条例 第59条) still pays September and
stops from October.  A resumption restores the months whose first day is on or
after its date, and — when ``back_pay`` is set (the office decided the
suspended months are owed, e.g. the 生存认证 was late but the person alive) — the
suspended months as well, which ``arrears`` then lists as 补发.

After a death only one-off rules (丧葬补助, 一次性抚恤金) remain payable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from attrs import frozen

__all__ = ["EVENT_KINDS", "EVENT_WORDS", "LifeEvent", "Standing", "standing"]

EVENT_KINDS = ("death", "suspension", "resumption")
#: Each kind in the words of a 花名册 note.
EVENT_WORDS = {"death": "死亡", "suspension": "暂停发放", "resumption": "恢复发放"}


@frozen(kw_only=True)
class LifeEvent:
    """One recorded event: its kind, the day it took effect, when it was reported, and its document."""

    kind: str
    on: date
    reported_on: date
    document: str = ""
    reason: str = ""
    back_pay: bool = False

    def __attrs_post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {', '.join(EVENT_KINDS)}, not {self.kind!r}")


@frozen
class Standing:
    """What the events say about one month: paid normally, or not, and why."""

    payable: bool
    why: str = ""
    event: LifeEvent | None = None


_OK = Standing(True)


def standing(events: Iterable[LifeEvent], month_start: date, kind: str) -> Standing:
    """Whether a rule of ``kind`` (monthly / yearly / one_off) is payable for the month starting ``month_start``.

    ``events`` are one person's events, in the order recorded.
    """
    evs = list(events)
    deaths = [e for e in evs if e.kind == "death"]
    if deaths and kind != "one_off":
        d = min(deaths, key=lambda e: e.on)
        if month_start > d.on:
            return Standing(False, f"已于{d.on.isoformat()}去世（{d.reported_on.isoformat()}报告），次月起停发", d)
    # Suspensions and resumptions in date order; the last one whose date is before the month decides.
    state: LifeEvent | None = None
    for e in sorted((e for e in evs if e.kind != "death"), key=lambda e: e.on):
        if e.kind == "suspension" and month_start > e.on:
            state = e
        elif e.kind == "resumption" and month_start >= e.on:
            state = e
    if state is not None and state.kind == "suspension" and kind != "one_off":
        # A later resumption with back pay makes the suspended months owed again.
        later = [e for e in evs if e.kind == "resumption" and e.on > state.on and e.back_pay]
        if not later:
            why = f"自{state.on.isoformat()}起暂停发放（{state.reason or '暂停'}{'，' + state.document if state.document else ''}）"
            return Standing(False, why, state)
    return _OK
