"""A bounded mutation fuzzer for the roster input side (issue 11): CSV, JSON Lines and XLSX.

Valid synthetic rosters are written in each format, mutated the way townships and attackers do
(stray quotes, cut lines, NUL bytes, joined files, other digits, numeric IDs, swapped columns, deep
JSON, damaged workbook XML …), and every mutant is read and run.  For every input it checks:

- no traceback: a mutant is either refused with a one-line :class:`RosterError` or run;
- rows in = computed + rejected, on the columnar and on the reference road, which agree;
- no ID is computed that is not in the input (after folding digits), and no person is paid twice;
- the two CSV readers (array and exact) read the same rows, cells and problems;
- no full 身份证号 of the input in a reject, the summary or an error message.

Run it alone for longer: ``python tests/fuzz_roster.py`` with ``SHUANGYONG_FUZZ_CASES`` (mutants
per format, default 60 in the test), ``SHUANGYONG_FUZZ_SEED`` and ``SHUANGYONG_FUZZ_SECONDS``
(a time budget; stops early, never fails for time).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import random
import re
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HEADER = ["身份证号", "姓名", "行政区划代码", "户籍", "类别", "伤残等级", "伤残性质", "评残时间", "死亡时间", "备注"]
_NAMES = ["测试甲", "测试乙丙", "测试丁", "测试戊己", "测试庚"]
_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ID_TEXT = re.compile(r"[0-9]{17}[0-9Xx]")
#: Masking of every echoed value is issue 11's output side (shuangyong.privacy): once it is in, the
#: fuzzer also puts IDs in columns that are echoed in reasons (a roster whose columns are swapped).
_MASKING_WIRED = importlib.util.find_spec("shuangyong.privacy") is not None
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _id(rng: random.Random) -> str:
    from shuangyong.ids import check_character

    born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 70 * 365))
    first17 = f"{rng.choice(['422827', '370830', '110101'])}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_character(first17)


def valid_rows(rng: random.Random, n: int) -> list[list[str]]:
    rows = [list(HEADER)]
    for _ in range(n):
        idn = _id(rng)
        region = idn[:6]
        disabled = rng.random() < 0.6
        rows.append([
            idn, rng.choice(_NAMES), region, rng.choice(["农村", "城镇", ""]),
            rng.choice(["残疾军人", "残疾军人、参战退役人员", "参战退役人员", "在乡老复员军人", ""]),
            rng.choice(["六级", "5", "8", "一级"]) if disabled else "", rng.choice(["因战", "因公", "因病"]) if disabled else "",
            rng.choice(["2010-05-01", "2024-05-10", "2024年8月1日"]) if disabled else "",
            rng.choice(["", "", "", "2024-06-15"]), rng.choice(["", "备注", "x"]),
        ])
    return rows


# -- writing --------------------------------------------------------------------------------


def to_csv(rows: list[list[Any]], rng: random.Random) -> bytes:
    nl = rng.choice(["\n", "\r\n"])
    quote_all = rng.random() < 0.3

    def cell(v: Any) -> str:
        s = "" if v is None else str(v)
        return '"' + s.replace('"', '""') + '"' if quote_all else s

    text = nl.join(",".join(cell(v) for v in r) for r in rows) + nl
    if rng.random() < 0.2:  # a title line above the header, as a workbook saved as CSV has
        text = rng.choice(["某县优抚对象花名册", "某县优抚对象花名册,,,", '"标题",身份证号']) + nl + text
    enc = rng.choice(["utf-8", "gbk", "utf-8-sig"])
    return text.encode(enc, "replace")


def to_jsonl(rows: list[list[Any]], rng: random.Random) -> bytes:
    head = rows[0]
    lines = []
    for r in rows[1:]:
        rec = {h: v for h, v in zip(head, r) if v not in ("", None)}
        lines.append(json.dumps(rec, ensure_ascii=rng.random() < 0.5))
    return ("\n".join(lines) + "\n").encode()


def to_xlsx(rows: list[list[Any]], rng: random.Random) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    if rng.random() < 0.3:
        ws.append(["某县优抚对象花名册"])
    for r in rows:
        ws.append([None if v == "" else v for v in r])
    if rng.random() < 0.2:
        ws.append(["合计"])
    if rng.random() < 0.2:
        wb.create_sheet("其他").append(["x", "y"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- mutating -------------------------------------------------------------------------------


def mutate_rows(rows: list[list[Any]], rng: random.Random) -> list[list[Any]]:
    """Mutations a clerk's edits and exports make, on the table before it is written."""
    rows = [list(r) for r in rows]
    body = rows[1:]
    for _ in range(rng.randint(1, 3)):
        if not body:
            break
        r = rng.choice(body)
        k = rng.randrange(12)
        if k == 0:  # the same person again, maybe in other digits
            twin = list(rng.choice(body))
            twin[0] = str(twin[0]).translate(rng.choice([_ARABIC, _FULLWIDTH, str.maketrans("", "")]))
            body.append(twin)
        elif k == 1:  # an ID stored as a number (JSON number / XLSX number cell)
            if isinstance(r[0], str) and r[0][:17].isdigit() and r[0][-1].isdigit():
                r[0] = int(r[0])
        elif k == 2 and len(r) > 1:  # columns swapped
            r[0], r[1] = r[1], r[0]
        elif k == 3:  # a cut-off row
            del r[rng.randrange(1, len(r)):]
        elif k == 4:  # a placeholder in the ID column
            r[0] = rng.choice(["证件号码缺失", "无", "", "  ", "110101"])
        elif k == 5:
            r[rng.randrange(len(r))] = rng.choice(['"', 'a"b', '"x', "=1+1", "\t", "9999-12-31", "0", "-1", "1e400", "NaN"])
        elif k == 6:  # lower-case x, spaces
            r[0] = f" {str(r[0]).lower()} "
        elif k == 7 and _MASKING_WIRED and len(r) > 2:  # an ID in a column that is not the ID column
            r[rng.choice([2, len(r) - 1])] = r[0]
        elif k == 7:
            r.extend(["", ""])
        elif k == 8:
            r.append("多余")
        elif k == 9 and len(r) > 8:
            r[8] = rng.choice(["9999-12-31", "0001-01-01", "2024-02-30", "2024年13月1日"])
        elif k == 10 and len(r) > 2:
            r[2] = rng.choice(["990101", "", "４２２８２７", "4228270012"])
        else:
            body.insert(rng.randrange(len(body) + 1), [""] * len(HEADER))
    return [rows[0], *body]


_INSERTS = [b'"', b",", b"\n", b"\r", b"\0", b"\xef\xbb\xbf", b"\xff", b"\x80", "证件号码缺失".encode(), b'""', b"\r\n", b"{", b"[" * 50]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        if not b:
            break
        k = rng.randrange(6)
        at = rng.randrange(len(b))
        if k <= 1:
            b[at:at] = rng.choice(_INSERTS)
        elif k == 2:
            del b[at:at + rng.randint(1, 20)]
        elif k == 3:  # a line repeated elsewhere (two files joined, with a BOM)
            lines = bytes(b).split(b"\n")
            line = rng.choice(lines)
            b = bytearray(b"\n".join([*lines, (b"\xef\xbb\xbf" if rng.random() < 0.5 else b"") + line]))
        elif k == 4:
            del b[at:]
        else:
            b[at] = rng.randrange(256)
    return bytes(b)


def mutate_xlsx(data: bytes, rng: random.Random) -> bytes:
    """A damaged workbook: a part's XML mutated, then zipped again (the zip itself stays whole)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    target = rng.choice([n for n in src.namelist() if n.endswith(".xml")])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            part = src.read(info.filename)
            if info.filename == target:
                part = _mutate_xml(part, rng)
            dst.writestr(info.filename, part)
    return out.getvalue()


def _mutate_xml(part: bytes, rng: random.Random) -> bytes:
    choices = [(b'r="A2"', b'r="A0"'), (b'r="B2"', b'r="XFD2"'), (b't="s"', b't="e"'), (b't="s"', b""), (b'<row r="2"', b'<row r="9999999"'),
               (b"<v>", b"<v>-"), (b"<v>", b"<v>99999999"), (b'state="visible"', b'state="hidden"'), (b"</sheetData>", b""),
               (b"<c ", b'<c t="inlineStr" '), (b"</row>", b"</row><mergeCells><mergeCell ref=\"A2:A3\"/></mergeCells>")]
    old, new = rng.choice(choices)
    if old in part:
        i = [m.start() for m in re.finditer(re.escape(old), part)]
        at = rng.choice(i)
        return part[:at] + new + part[at + len(old):]
    return mutate_bytes(part, rng)


# -- checking -------------------------------------------------------------------------------


class Failure(AssertionError):
    pass


def _input_text(data: bytes, fmt: str) -> str:
    """Everything the input says, as text with digits folded (for "no ID computed that is not in the input")."""
    from shuangyong.ids import fold_digits

    if fmt == "xlsx":
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
            data = b"".join(z.read(n) for n in z.namelist())
        except Exception:
            return ""
    parts = [data.decode(enc, "ignore") for enc in ("utf-8", "gb18030")]
    text = fold_digits("\n".join(parts))
    # JSON escapes (\u0664) written with ensure_ascii: decode them too.
    text += "\n" + fold_digits(_ESCAPE.sub(lambda m: chr(int(m[1], 16)), parts[0]))
    return text.upper()


def check(data: bytes, fmt: str, engine: Any, tmp: Path, known_ids: set[str]) -> str:
    """Read and run one input; raise :class:`Failure` on a broken promise.  Returns what happened."""
    from shuangyong.roster.run import run_roster
    from shuangyong.errors import RosterError
    from shuangyong.roster.reading import _read_csv, read_roster

    p = tmp / f"in.{fmt}"
    p.write_bytes(data)
    try:
        roster = read_roster(p)
    except RosterError as e:
        msg = str(e)
        if "\n" in msg:
            raise Failure(f"a multi-line error: {msg!r}") from None
        _no_full_id(msg, known_ids, "an error message")
        if fmt == "csv":  # the other reader must refuse too
            try:
                _read_csv(p, None, arrays=False)
            except RosterError:
                pass
            else:
                raise Failure(f"the array reader refused, the exact reader did not: {msg}")
        return "refused"
    if fmt == "csv":
        slow = _read_csv(p, None, arrays=False)
        if (roster.headers != slow.headers or {h: list(c) for h, c in roster.data.items()} != {h: list(c) for h, c in slow.data.items()}
                or list(roster.row_numbers) != list(slow.row_numbers) or roster.problems != slow.problems):
            raise Failure("the two CSV readers disagree")
    try:
        fast = run_roster(engine, roster, 2024)
        ref = run_roster(engine, roster, 2024, fast=False)
    except RosterError as e:
        if "\n" in str(e):
            raise Failure(f"a multi-line error: {e!r}") from None
        _no_full_id(str(e), known_ids, "an error message")
        return "refused"
    text = _input_text(data, fmt)
    for run in (fast, ref):
        if run.rows_in != run.computed + run.rejected or run.rows_in != len(roster):
            raise Failure(f"rows in {run.rows_in} != computed {run.computed} + rejected {run.rejected}")
        keys = list(run._o.keys)
        if len(set(keys)) != len(keys):
            raise Failure("a person is paid twice")
        for k in keys:
            if k not in text:
                raise Failure(f"ID {k[:4]}… computed but not in the input")
        out = json.dumps(run.summary(), ensure_ascii=False) + "\n".join(f"{r.id_number} {r.field} {r.reason}" for r in run.rejects)
        out += "\n".join(run.lines()) + repr(run) + repr(roster)
        _no_full_id(out, known_ids, "the outputs")
    if [(r.row, r.field) for r in fast.rejects] != [(r.row, r.field) for r in ref.rejects] or fast.total != ref.total:
        raise Failure("the columnar and the reference road disagree")
    return "run"


def _no_full_id(text: str, known: set[str], where: str) -> None:
    from shuangyong.ids import fold_digits

    for m in _ID_TEXT.finditer(fold_digits(text)):
        if m.group().upper() in known:
            raise Failure(f"a full 身份证号 in {where}")


# -- the loop -------------------------------------------------------------------------------


def fuzz(cases: int, seed: int, seconds: float | None = None, formats: tuple[str, ...] = ("csv", "jsonl", "xlsx"),
         report: Callable[[str], None] | None = None) -> dict[str, int]:
    """Run ``cases`` mutants per format; return counts of outcomes.  Raises :class:`Failure` with the case's seed."""
    import shuangyong as sy

    engine = sy.Engine()
    counts: dict[str, int] = {}
    started = time.monotonic()
    writers = {"csv": to_csv, "jsonl": to_jsonl, "xlsx": to_xlsx}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for k in range(cases):
            for fmt in formats:
                if fmt == "xlsx":
                    try:
                        import openpyxl  # noqa: F401
                    except ImportError:
                        continue
                if seconds is not None and time.monotonic() - started > seconds:
                    return counts
                case_seed = seed * 1_000_003 + k * 7 + len(fmt)
                rng = random.Random(case_seed)
                rows = valid_rows(rng, rng.randint(1, 12))
                known = {str(r[0]).upper() for r in rows[1:]}
                if rng.random() < 0.7:
                    rows = mutate_rows(rows, rng)
                data = writers[fmt](rows, rng)
                if rng.random() < 0.6:
                    data = mutate_xlsx(data, rng) if fmt == "xlsx" else mutate_bytes(data, rng)
                try:
                    what = check(data, fmt, engine, tmp, known)
                except Failure as e:
                    raise Failure(f"{fmt} case seed {case_seed}: {e}") from None
                except Exception:
                    raise Failure(f"{fmt} case seed {case_seed}: a traceback:\n{traceback.format_exc()}") from None
                counts[f"{fmt}:{what}"] = counts.get(f"{fmt}:{what}", 0) + 1
                if report is not None:
                    report(f"{fmt} {case_seed} {what}")
    return counts


def main() -> int:
    cases = int(os.environ.get("SHUANGYONG_FUZZ_CASES", "500"))
    seed = int(os.environ.get("SHUANGYONG_FUZZ_SEED", "1"))
    seconds = float(os.environ["SHUANGYONG_FUZZ_SECONDS"]) if "SHUANGYONG_FUZZ_SECONDS" in os.environ else None
    try:
        counts = fuzz(cases, seed, seconds)
    except Failure as e:
        print(f"FAIL {e}", file=sys.stderr)
        return 1
    print(json.dumps(counts, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    raise SystemExit(main())
