"""Write the bundled sample roster, src/shuangyong/data/sample_roster.csv (deterministic).

    python scripts/make_sample_roster.py [--out PATH] [--seed 2024]

A few hundred synthetic people — names like 测试甲一, ID numbers made up from
region + birth date + a sequence number with a correct GB 11643 check
character; no real person is meant — in 来凤县 (422827) and four other
counties, covering every category of ``sy.Category``.  About 5 % of the rows
are deliberately wrong so that the reject path shows: a bad check character,
an impossible date, an unknown region, grade 11, a missing region, a repeated
身份证号, an enlistment before birth.  Some rows are unusual but valid and
must be computed: 因病 八级 (no disability pension, says why), stray
whitespace, full-width digits.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from shuangyong.ids import check_character  # noqa: E402
from shuangyong.model import Category  # noqa: E402

HEADERS = ["身份证号", "姓名", "行政区划代码", "户籍", "类别", "入伍时间", "退役时间", "服役类型", "义务兵役年限",
           "伤残等级", "伤残性质", "评残时间", "遗属类别", "与军人关系", "牺牲病故时间", "立功受奖", "艰苦地区", "学历", "死亡时间", "备注"]

#: (code, weight): 来凤县 first; the others are counties with a shipped rule pack.
COUNTIES = (("422827", 70), ("422801", 8), ("370830", 8), ("451422", 7), ("120113", 7))
STEMS = "甲乙丙丁戊己庚辛壬癸"
NUMERALS = "一二三四五六七八九十"


class Maker:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.seq: dict[str, int] = {}
        self.count = 0

    def id_number(self, region: str, born: date, male: bool) -> str:
        key = f"{region}{born:%Y%m%d}"
        n = self.seq.get(key, 0)
        self.seq[key] = n + 1
        s = 2 * n + (1 if male else 2)  # odd sequence digit: male
        first17 = f"{key}{s:03d}"
        return first17 + check_character(first17)

    def name(self) -> str:
        i = self.count
        self.count += 1
        return f"测试{STEMS[i % 10]}{NUMERALS[(i // 10) % 10]}" + (NUMERALS[i // 100 % 10] if i >= 100 else "")

    def born(self, first: int, last: int) -> date:
        start, end = date(first, 1, 1), date(last, 12, 31)
        return start + timedelta(days=self.rnd.randrange((end - start).days + 1))

    def after(self, d: date, years_lo: int, years_hi: int) -> date:
        return d + timedelta(days=self.rnd.randrange(365 * years_lo, 365 * years_hi + 1))

    def region(self) -> str:
        return self.rnd.choices([c for c, _ in COUNTIES], [w for _, w in COUNTIES])[0]

    def person(self, cat: Category) -> dict[str, str]:
        r = self.rnd
        rec = dict.fromkeys(HEADERS, "")
        male = r.random() < 0.8
        region = self.region()
        rec["行政区划代码"] = region
        rec["户籍"] = r.choice(["农村", "农村", "城镇"])
        cats = [cat]
        svc_from, svc_to, born = None, None, None
        old = cat in (Category.DEMOBILISED_VETERAN, Category.SICK_RETURNEE, Category.COMBAT_VETERAN, Category.NUCLEAR_VETERAN,
                      Category.UNIT_8023, Category.RURAL_VETERAN, Category.DISABLED_VETERAN, Category.RETIRED_CADRE,
                      Category.NON_MILITARY_STAFF)
        if cat is Category.DEMOBILISED_VETERAN:
            born = self.born(1928, 1936)
            svc_from = self.after(born, 17, 20)
            svc_to = self.after(svc_from, 3, 8)
            rec["户籍"] = "农村"
        elif old:
            born = self.born(1945, 1968)
            svc_from = self.after(born, 18, 21)
            svc_to = self.after(svc_from, 2, 6)
            if cat is Category.RETIRED_CADRE:
                svc_to = self.after(svc_from, 25, 32)
                rec["服役类型"] = "军官"
        elif cat in (Category.SERVING_MEMBER, Category.AWARDED_MEMBER):
            born = self.born(1996, 2005)
            svc_from = self.after(born, 18, 19)
        elif cat is Category.DISCHARGED_SOLDIER:
            born = self.born(1998, 2004)
            svc_from = date(2022, 9, 1) if r.random() < 0.6 else date(2019, 9, 1)
            svc_to = date(2024, 9, 1) if svc_from.year == 2022 else date(2024, 3, 1)
        elif cat is Category.TRANSFERRED_OFFICER:
            born = self.born(1978, 1988)
            svc_from = self.after(born, 18, 19)
            svc_to = date(2024, 6, 1)
            rec["服役类型"] = "军官"
        else:
            born = self.born(1940, 2010) if cat is not Category.SERVING_CHILD else self.born(2010, 2020)
        if svc_from is not None:
            rec["入伍时间"] = svc_from.isoformat()
            if svc_to is not None and svc_to <= date(2024, 12, 31):
                rec["退役时间"] = svc_to.isoformat()
            if not rec["服役类型"]:
                rec["服役类型"] = "义务兵" if r.random() < 0.7 else "军士"
            if rec["服役类型"] == "义务兵" and svc_to is not None:
                rec["义务兵役年限"] = str(max(1, min(6, (svc_to - svc_from).days // 365 + 1)))
        if cat is Category.DISABLED_VETERAN or (old and r.random() < 0.15):
            cause = r.choice(["因战", "因公", "因公", "因病"])
            grade = r.randint(1, 10)
            rec["伤残等级"] = r.choice([str(grade), f"{NUMERALS[grade - 1]}级"])
            rec["伤残性质"] = cause
            assessed = svc_to or date(2000, 1, 1)
            rec["评残时间"] = (date(2024, r.randint(1, 11), 15) if r.random() < 0.08 else assessed).isoformat()
            if Category.DISABLED_VETERAN not in cats:
                cats.append(Category.DISABLED_VETERAN)
        if cat in (Category.MARTYR_SURVIVOR, Category.DUTY_DEATH_SURVIVOR, Category.ILLNESS_DEATH_SURVIVOR, Category.MARTYR_CHILD):
            status = {Category.MARTYR_SURVIVOR: "烈士", Category.DUTY_DEATH_SURVIVOR: "因公牺牲",
                      Category.ILLNESS_DEATH_SURVIVOR: "病故", Category.MARTYR_CHILD: "烈士"}[cat]
            rec["遗属类别"] = status
            rec["与军人关系"] = "子女" if cat is Category.MARTYR_CHILD else r.choice(["父母", "配偶", "父母"])
            if cat is Category.MARTYR_CHILD:
                cats.append(Category.MARTYR_SURVIVOR)
            if r.random() < 0.3:
                rec["牺牲病故时间"] = date(r.randint(1980, 2023), r.randint(1, 12), r.randint(1, 28)).isoformat()
        if cat in (Category.SERVING_FAMILY, Category.CONSCRIPT_FAMILY, Category.DEPENDENT_SPOUSE, Category.SERVING_CHILD):
            rec["遗属类别"] = "现役"
            rec["与军人关系"] = {Category.DEPENDENT_SPOUSE: "配偶", Category.SERVING_CHILD: "子女"}.get(cat, r.choice(["父母", "配偶"]))
            if cat is Category.CONSCRIPT_FAMILY:
                cats.append(Category.SERVING_FAMILY)
        if cat is Category.AWARDED_MEMBER:
            rec["立功受奖"] = r.choice(["一等功@2024-05-01", "二等功@2024-07-15", "三等功@2024-03-10", "优秀士兵@2024-11-20"])
        if cat in (Category.SERVING_MEMBER, Category.AWARDED_MEMBER) and r.random() < 0.3:
            rec["艰苦地区"] = r.choice(["西藏", "新疆", "高原"])
            rec["学历"] = r.choice(["本科", "大专", "高中"])
        if old and r.random() < 0.04:
            rec["死亡时间"] = date(2024, r.randint(1, 12), r.randint(1, 28)).isoformat()
        if cat is Category.COMBAT_VETERAN and r.random() < 0.3:
            cats.append(Category.RURAL_VETERAN)
        rec["身份证号"] = self.id_number(region, born, male)
        rec["姓名"] = self.name()
        rec["类别"] = "、".join(c.label for c in dict.fromkeys(cats))
        return rec


def build(seed: int = 2024, per_category: int = 14) -> list[dict[str, str]]:
    """The sample rows: every category, then the deliberately unusual and wrong rows."""
    m = Maker(seed)
    rows = [m.person(cat) for _ in range(per_category) for cat in Category]
    m.rnd.shuffle(rows)

    def bad(note: str, **changes: str) -> None:
        base = m.person(Category.DISABLED_VETERAN)
        base.update(changes)
        base["备注"] = note
        rows.append(base)

    for _ in range(2):
        r = m.person(Category.COMBAT_VETERAN)
        last = r["身份证号"][-1]
        r["身份证号"] = r["身份证号"][:-1] + ("0" if last != "0" else "1")
        r["备注"] = "错误：校验码不对"
        rows.append(r)
    bad("错误：不存在的日期", 评残时间="2023-02-30")
    bad("错误：不存在的日期", 入伍时间="1985-13-01")
    bad("错误：行政区划代码不存在", 行政区划代码="990101")
    bad("错误：伤残等级11级", 伤残等级="11")
    bad("错误：缺少行政区划代码", 行政区划代码="")
    bad("错误：入伍早于出生", 入伍时间="1900-01-01")
    bad("错误：缺少伤残性质", 伤残性质="")
    dup = dict(rows[3])
    dup["备注"] = "错误：身份证号重复（后一行不计算）"
    rows.append(dup)
    # Unusual but valid: computed, never rejected.
    bad("因病八级：计算，但不享受残疾抚恤金", 伤残等级="8", 伤残性质="因病")
    bad("因病八级：计算，但不享受残疾抚恤金", 伤残等级="八级", 伤残性质="因病")
    r = m.person(Category.SICK_RETURNEE)
    r["身份证号"] = f"  {r['身份证号']} "
    r["户籍"] = " 农村 "
    r["备注"] = "多余空格：应照常计算"
    rows.append(r)
    r = m.person(Category.DISABLED_VETERAN)
    r["身份证号"] = r["身份证号"].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    r["行政区划代码"] = r["行政区划代码"].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    r["备注"] = "全角数字：应照常计算"
    rows.append(r)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "src" / "shuangyong" / "data" / "sample_roster.csv"))
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    rows = build(args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADERS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
