"""Which rows each rule priced on the fast (columnar) path, and why the others were not.

A roster run counts, per rule, the rows it priced from fact arrays and, for every other row, the
reason (:data:`REASONS`).  The counts go into the roster summary as ``rules[].fast_path``
(``{"rows": …, "other_rows": …, "why": {reason: rows}}``) and ``shuangyong packs --check`` prints them
for a pack author (:func:`check_packs`).  Counting never changes an amount: it only reports which road
priced it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

__all__ = ["REASONS", "FastPathStats", "rule_support", "check_packs", "synthetic_roster"]

#: Every reason a row of a rule can take another road, with its Chinese gloss.
REASONS: dict[str, str] = {
    "extends": "补充项目（extends=）的基础项目不能与其一起走快速路径（周期不同、基础项目本身不能走快速路径），按人计算",
    "unknown_fact": "规则读取了事实目录（shuangyong.facts.CATALOGUE）之外的事实，按人计算",
    "region": "本区划另有规则不能走快速路径，整区按人计算",
    "event": "一次性规则的事件不是记录中的日期列，按人计算",
    "outside_vocabulary": "公式以替身不支持的方式使用了日期、facts.on 或年龄（见 shuangyong.standins），按真实值分组计算",
    "on": "公式需要具体月份（facts.on 的相等比较或字段），逐月计算",
    "changes": "按日期变化的事实（年龄、服役年限等）在本期内变化，逐单位计算",
    "failed": "公式在快速路径上出错，改由逐人路径计算（并报告错误）",
    "record": "该行含快速解析不接受的字段，按人计算",
    "reference": "未安装 numpy 或 fast=False：全部按人计算",
}


class FastPathStats:
    """Per rule: rows priced on the fast path, and the other rows by reason."""

    def __init__(self) -> None:
        self.fast: Counter[str] = Counter()
        self.other: dict[str, Counter[str]] = {}
        #: Region → rule code → reason, for regions sent to the per-person road as a whole.
        self.region_reason: dict[str, dict[str, str]] = {}
        #: Rows (roster indices) whose formula failed on the fast path.
        self.failed_rows: set[int] = set()
        #: The reason for reference-road rows not otherwise explained.
        self.default_reason = "record"

    def add_fast(self, code: str, rows: int) -> None:
        self.fast[code] += rows

    def add_other(self, code: str, reason: str, rows: int = 1) -> None:
        if rows:
            self.other.setdefault(code, Counter())[reason] += rows

    def reference_row(self, i: int, region: str, codes: Iterable[str]) -> None:
        """A row priced on the per-person road: count it, with its reason, for every rule that applies."""
        if i in self.failed_rows:
            for c in codes:
                self.add_other(c, "failed")
            return
        why = self.region_reason.get(region)
        for c in codes:
            self.add_other(c, why.get(c, "region") if why is not None else self.default_reason)

    def for_rule(self, code: str) -> dict[str, Any]:
        other = self.other.get(code, Counter())
        return {"rows": int(self.fast[code]), "other_rows": int(sum(other.values())), "why": dict(sorted(other.items()))}


def rule_support(reg: Any, base: Any) -> str | None:
    """Why a rule registration cannot be priced on the fast path at all (``None``: it can)."""
    from .columns import _ONE_OFF_COLUMNS, _fact_known

    rule = reg.rule
    if not all(_fact_known(f) for f in rule.inputs):
        return "unknown_fact"
    if base is not None or getattr(reg, "extends", None):
        # A supplement is priced together with its base (pricing.PricedRule) when both are periodic
        # rules of one kind and the base is itself priced alone.
        if base is None or rule.period == "one_off" or base.rule.period != rule.period or base.rule.pay_on != rule.pay_on:
            return "extends"
        if base.extends or rule_support(base, None) is not None:
            return "extends"
        return None
    if rule.period == "one_off" and not (isinstance(rule.event, str) and (rule.event in _ONE_OFF_COLUMNS or rule.event == "awards")):
        return "event"
    return None


def synthetic_roster(regions: Iterable[str], per_region: int = 200, seed: int = 12) -> list[dict[str, Any]]:
    """A synthetic roster for each region: people of every kind the record format knows (no real persons)."""
    import random

    from ..ids import check_character

    rnd = random.Random(seed)
    cats = ["", "残疾军人", "参战退役人员", "带病回乡退伍军人", "在乡老复员军人", "农村籍退役士兵", "烈士遗属", "病故军人遗属",
            "义务兵家属", "参战退役人员、残疾军人"]
    out: list[dict[str, Any]] = []
    for region in regions:
        for k in range(per_region):
            born = date(1930 + rnd.randrange(70), 1 + rnd.randrange(12), 1 + rnd.randrange(28))
            first17 = f"{region[:6]}{born:%Y%m%d}{rnd.randrange(1000):03d}"
            cat = rnd.choice(cats)
            rec: dict[str, Any] = {"id_number": first17 + check_character(first17), "region": region,
                                   "hukou": rnd.choice(["农村", "城镇"]), "categories": cat}
            if rnd.random() < 0.7 and born.year < 1990:
                enl = date(born.year + 18, 1 + rnd.randrange(12), 1 + rnd.randrange(28))
                rec.update(enlisted=enl.isoformat(), service_type=rnd.choice(["义务兵", "军士", "军官"]))
                if rnd.random() < 0.8:
                    rec["discharged"] = date(enl.year + 2 + rnd.randrange(10), 1 + rnd.randrange(12), 1 + rnd.randrange(28)).isoformat()
            if "残疾军人" in cat:
                rec.update(disability_grade=str(1 + rnd.randrange(10)), disability_cause=rnd.choice(["因战", "因公", "因病"]),
                           disability_date=date(1990 + rnd.randrange(35), 1 + rnd.randrange(12), 1 + rnd.randrange(28)).isoformat())
            if cat.endswith("遗属"):
                rec.update(survivor_of={"烈士遗属": "烈士", "病故军人遗属": "病故"}[cat], relation=rnd.choice(["父母", "配偶", "子女"]))
            out.append(rec)
    return out


def check_packs(engine: Any, period: Any, names: Iterable[str] | None = None, roster: Any = None) -> list[dict[str, Any]]:
    """Each rule of the chosen packs (all but ``national`` by default): fast or not, and why.

    Without ``roster`` a synthetic roster of the packs' jurisdictions is priced; with one, that roster.
    Returns one entry per (pack, rule, jurisdiction): ``{"pack", "rule", "jurisdiction", "static", "rows",
    "other_rows", "why"}`` where ``static`` is a reason the rule can never be fast (or ``None``).
    """
    from .run import run_roster

    wanted = set(names) if names else {p.name for p in engine.packs if p.name != "national"}
    out: list[dict[str, Any]] = []
    for pack in sorted(wanted):
        regs = [r for r in engine.registry.rules if r.pack == pack]
        regions = sorted({r.jurisdiction for r in regs if r.jurisdiction.isdigit()}) or ["110101"]
        run = run_roster(engine, roster if roster is not None else synthetic_roster(regions), period)
        stats = {r["code"]: r.get("fast_path") or {} for r in run.summary()["rules"]}
        for reg in regs:
            base = None
            if reg.extends:
                base = next((r for r, _ in engine.selection(reg.jurisdiction) if r.code == reg.extends), None) \
                    if reg.jurisdiction.isdigit() else None
            fp = stats.get(reg.code, {})
            out.append({"pack": reg.pack, "rule": reg.code, "jurisdiction": reg.jurisdiction, "static": rule_support(reg, base),
                        "rows": fp.get("rows", 0), "other_rows": fp.get("other_rows", 0), "why": fp.get("why", {})})
    return out
