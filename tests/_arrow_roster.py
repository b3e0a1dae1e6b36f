"""A small generated roster for the Arrow / Dask / Spark tests: real people of three counties, and bad rows.

Bad rows: an invalid 身份证号, a repeated one (next to the first, so every partitioning by
position or county keeps the pair together), a bad 伤残等级, an impossible date, an unknown
category, an empty 身份证号.  Values are text, as a CSV export gives them.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from shuangyong.ids import check_character

HEADERS = ["身份证号", "姓名", "行政区划代码", "户籍", "类别", "伤残等级", "伤残性质", "评残时间", "遗属类别",
           "入伍时间", "退役时间", "服役类型", "义务兵役年限", "编号"]
REGIONS = ("422827", "370830", "451422")


def rows(n: int = 240, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    out: list[list[str]] = []
    for i in range(n):
        region = REGIONS[i * len(REGIONS) // n]  # counties in blocks, as a county export is
        y = rng.randint(1935, 1975)
        birth = f"{y}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        first17 = f"{region}{birth}{(2 * i + 1) % 1000:03d}"
        idn = first17 + check_character(first17)
        grade = rng.choice(["", "", "1", "4", "6", "8", "10"])
        cause = rng.choice(["因战", "因公", "因病"]) if grade else ""
        cats = [c for c, p in (("残疾军人", bool(grade)), ("参战退役人员", rng.random() < 0.3),
                               ("农村籍退役士兵", rng.random() < 0.4), ("带病回乡退伍军人", rng.random() < 0.1)) if p]
        surv = rng.choice(["", "", "", "烈士", "病故"])
        if surv:
            cats.append("烈士遗属" if surv == "烈士" else "病故军人遗属")
        veteran = bool(grade) or any(c in cats for c in ("参战退役人员", "农村籍退役士兵", "带病回乡退伍军人"))
        ey = y + rng.randint(18, 22)
        years = rng.randint(1, 6)
        out.append([idn, f"测试{i}", region, rng.choice(["城镇", "农村"]), "、".join(cats), grade, cause,
                    f"{ey + 1}-03-0{rng.randint(1, 9)}" if grade else "", surv,
                    f"{ey}-03-01" if veteran else "", f"{ey + years}-01-01" if veteran else "",
                    "义务兵" if veteran else "", str(years) if veteran else "", f"P{i:05d}"])
    # bad rows, each next to good ones
    out[5][0] = out[5][0][:17] + ("0" if out[5][0][17] != "0" else "1")  # wrong check character
    out[9][0] = out[8][0]  # repeats row 8's 身份证号
    out[12][5], out[12][6] = "11", "因战"  # no grade 11
    out[20][9] = "1970-02-30"  # no such day
    out[30][4] = "外星人"  # unknown category
    out[41][0] = ""  # no 身份证号
    return out


def write_csv(path: Path, data: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        w.writerows(data)
    return path
