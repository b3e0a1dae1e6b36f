"""The rule-pack generator behind ``shuangyong new-pack NAME --region CODE``.

:func:`new_pack` writes a complete, working skeleton distribution
``shuangyong-<name>`` into ``<dest>/<name>/``: a ``pyproject.toml`` with the
``shuangyong.rulepacks`` entry point, a package ``shuangyong_<name>`` with
the three hook implementations, one rule, one dated parameter file whose
figure is a placeholder marked ``certainty = "assumption"`` (with a TODO to
replace it by the real document), one passing test computed by hand, and a
README.  The skeleton's tests pass as generated, without installing it
(``python -m pytest`` in the new folder).  ``docs/writing-a-rule-pack.md``
explains every file.

The templates are :class:`string.Template` strings kept in this module, so
the generator needs no data files; ``$$`` is a literal dollar sign.
"""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path
from string import Template

from ..errors import ShuangyongError
from ..ids import NATIONAL, PROVINCES, region_level, validate_region

__all__ = ["NewPackError", "new_pack", "validate_pack_name", "render_pack"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_NAME_MAX = 40
_LEVEL_ZH = {"township": "乡镇/街道", "county": "县/区", "prefecture": "市/州", "province": "省/直辖市/自治区"}


class NewPackError(ShuangyongError, ValueError):
    """``new-pack`` was given a bad name or destination; ``field`` says which argument."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field} {value!r}: {reason}")


def validate_pack_name(name: object) -> str:
    """Check a pack name: a lowercase Python identifier such as ``laifeng`` or ``hubei_enshi``.

    The name becomes the entry-point name, the module ``shuangyong_<name>``
    and the distribution ``shuangyong-<name>``.  ``national`` is reserved, and
    the name of a pack that is already installed is refused (two packs with
    one name cannot be loaded together).
    """
    if not isinstance(name, str):
        raise NewPackError("name", name, "must be a string")
    if not _NAME.match(name):
        raise NewPackError(
            "name", name, "must be a lowercase identifier: a letter a–z, then letters, digits or _ (e.g. laifeng, hubei_enshi)"
        )
    if len(name) > _NAME_MAX:
        raise NewPackError("name", name, f"is longer than {_NAME_MAX} characters")
    if name == NATIONAL or name.startswith("shuangyong"):
        raise NewPackError("name", name, "is reserved; name the pack after its place (e.g. laifeng)")
    for ep in entry_points(group="shuangyong.rulepacks"):
        if ep.name == name:
            dist = f" (distribution {ep.dist.name} {ep.dist.version})" if ep.dist is not None else ""
            raise NewPackError("name", name, f"a rule pack of this name is already installed{dist}; choose another name")
    return name


def render_pack(name: str, region: str) -> dict[str, str]:
    """The skeleton's files as ``{relative path: text}``, after validating ``name`` and ``region``."""
    name = validate_pack_name(name)
    region = validate_region(region, field="region")
    module = f"shuangyong_{name}"
    rule = f"{name}_allowance"
    from .. import __version__

    # A region outside the pack's province, for the "does not apply elsewhere" test.
    other = "310101" if region.startswith("11") else "110101"
    values = {
        "name": name,
        "dist": f"shuangyong-{name}",
        "module": module,
        "rule": rule,
        "region": region,
        "province": PROVINCES[region[:2]],
        "level": region_level(region),
        "level_zh": _LEVEL_ZH[region_level(region)],
        "other_region": other,
        "core_version": __version__,
    }
    files = {
        "pyproject.toml": _PYPROJECT,
        "README.md": _README,
        f"src/{module}/__init__.py": _INIT,
        f"src/{module}/rules.py": _RULES,
        f"src/{module}/parameters/{rule}.toml": _PARAMETERS,
        f"tests/test_{name}.py": _TEST,
    }
    return {path: Template(text).substitute(values) for path, text in files.items()}


def new_pack(name: str, region: str, dest: Path) -> Path:
    """Write a working skeleton pack ``shuangyong-<name>`` into ``dest/<name>/`` and return that folder.

    Raises :class:`NewPackError` for a bad name or an existing folder (nothing
    is overwritten) and :class:`~shuangyong.errors.InvalidRegionError` for a
    bad region code.
    """
    files = render_pack(name, region)
    root = Path(dest) / name
    if root.exists():
        raise NewPackError("dest", str(root), "already exists; refusing to overwrite it (choose another --dest or remove it)")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# -- templates -------------------------------------------------------------------------
# Kept close to docs/examples/example_pack/ so the guide describes both.

_PYPROJECT = '''\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
dynamic = ["version"]
description = "shuangyong rule pack for $province $region"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["shuangyong>=$core_version"]

[project.optional-dependencies]
test = ["pytest>=7.4"]

# The engine finds the pack through this entry point: name = module.
[project.entry-points."shuangyong.rulepacks"]
$name = "$module"

[tool.setuptools.dynamic]
version = { attr = "$module.__version__" }

[tool.setuptools.packages.find]
where = ["src"]

# Parameter files are data, not code: ship them inside the package.
[tool.setuptools.package-data]
$module = ["parameters/*.toml"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
'''

_INIT = '''\
"""$dist: shuangyong rule pack for $province $region.

Hook implementations only: who the pack is, and what it registers.  Rules
are in ``rules.py``; their figures, dated and sourced, in ``parameters/``.
Generated by ``shuangyong new-pack``; see docs/writing-a-rule-pack.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shuangyong as sy

from . import rules

__version__ = "0.1.0"

#: The $level_zh this pack covers (GB/T 2260 行政区划代码).
JURISDICTION = "$region"

PARAMETERS = Path(__file__).parent / "parameters"


@sy.hookimpl
def shuangyong_pack_info() -> dict[str, Any]:
    return {
        "name": "$name",
        "version": __version__,
        "title": "$province $region 规则包",
        "jurisdictions": [JURISDICTION],
        # TODO: one line per document the pack relies on, with its certainty.
        "sources": ["TODO: 文件名称 文号 [assumption]"],
    }


@sy.hookimpl
def shuangyong_parameters(register: Any) -> None:
    register(PARAMETERS, jurisdiction=JURISDICTION)


@sy.hookimpl
def shuangyong_rules(register: Any) -> None:
    register(rules.$rule, jurisdiction=JURISDICTION)
'''

_RULES = '''\
"""Benefit rules of $dist, one function per rule code."""

from __future__ import annotations

from typing import Any

import shuangyong as sy

# TODO: the document this rule implements: title, 文号, article, and how sure you are
# (primary = you read the legal text; secondary = a news or government page; inferred; assumption).
BASIS = sy.Basis(
    document="TODO: 本地文件名称",
    certainty="assumption",
    note="placeholder written by `shuangyong new-pack`; replace with the real document",
)


@sy.rule(
    code="$rule",
    period="monthly",
    title=("$province $region 残疾军人生活补助（模板）", "Monthly allowance for disabled veterans (template)"),
    inputs=("categories",),
    params=("monthly_amount",),
    basis=BASIS,
    eligibility=("持有残疾军人类别者按月发放（模板）", "paid monthly to holders of the 残疾军人 category (template)"),
    assumptions=("TODO: 金额与条件均为模板占位，见 parameters/$rule.toml",),
)
def $rule(facts: Any, p: Any) -> Any:
    """TODO: restate the article in plain words.  Template: 残疾军人 receive a fixed sum each month."""
    if not facts.has(sy.Category.DISABLED_VETERAN):
        return sy.NotEligible("不是残疾军人", "not a disabled service member")
    return p.monthly_amount
'''

_PARAMETERS = '''\
# Parameters of rule $rule; full names are "$rule.<table name>".
# TODO: replace the placeholder below with the figure of the real document: its date in
# force ("from"), value, and source (document, number, article, certainty as you know it).

[monthly_amount]
description = "残疾军人生活补助（模板占位数字）"
unit = "元/月"

[[monthly_amount.values]]
from = 2024-01-01
value = 100
source = { document = "TODO: 本地文件名称", certainty = "assumption", note = "TODO: placeholder written by `shuangyong new-pack`; replace it with the real document" }
'''

_TEST = '''\
"""Tests of $dist; run ``python -m pytest`` in the pack folder (no install needed)."""

from __future__ import annotations

from decimal import Decimal

import shuangyong as sy
from shuangyong.ids import check_character

import $module

ENGINE = sy.Engine(plugins=[$module])  # the national rules plus this pack


def _id_number(region: str, birth: str, seq: str) -> str:
    """A synthetic 公民身份号码 with a valid check character (not a real person)."""
    first17 = region[:6] + birth + seq
    return first17 + check_character(first17)


def test_disabled_veteran_gets_100_a_month_for_12_months_of_2024() -> None:
    # Hand computation: 100 元/月 (parameters/$rule.toml, from 2024-01-01) × 12 months = 1200.00.
    person = sy.Person.from_record(
        {"id_number": _id_number("$region", "19600101", "001"), "region": "$region", "categories": "残疾军人"}
    )
    res = ENGINE.entitlements(person, sy.Period.year(2024))
    assert res["$rule"].amount == Decimal("1200.00")


def test_other_categories_get_nothing_and_are_told_why() -> None:
    person = sy.Person.from_record(
        {"id_number": _id_number("$region", "19600101", "001"), "region": "$region", "categories": "退役士兵"}
    )
    res = ENGINE.entitlements(person, sy.Period.year(2024))
    assert res["$rule"].amount == Decimal("0")
    assert res["$rule"].reason == "不是残疾军人"


def test_rule_does_not_apply_outside_$name() -> None:
    person = sy.Person.from_record(
        {"id_number": _id_number("$other_region", "19600101", "001"), "region": "$other_region", "categories": "残疾军人"}
    )
    assert "$rule" not in ENGINE.entitlements(person, sy.Period.year(2024))
'''

_README = '''\
# $dist

A `shuangyong` rule pack for $province $region,
generated by `shuangyong new-pack`.  How to write one: `docs/writing-a-rule-pack.md`
in the shuangyong repository.

| rule code | title | jurisdiction |
|---|---|---|
| `$rule` | 残疾军人生活补助（模板） | $region |

## Sources

Every figure names its document and how sure it is (primary, secondary,
inferred, assumption).

| parameter | value | document | certainty |
|---|---|---|---|
| `$rule.monthly_amount` | 100 元/月 from 2024-01-01 | TODO: placeholder — replace with the real document | assumption |

## TODO before use

1. Replace the placeholder rule in `src/$module/rules.py` by the rules of your documents.
2. Replace the placeholder figure in `src/$module/parameters/$rule.toml`,
   with the document's date in force, number, article and certainty.
3. Rewrite the tests with cases computed by hand from the documents.
4. List every source above and in `shuangyong_pack_info()`.

## Test and install

```bash
python -m pytest                  # in this folder; no install needed
python -m pip install -e .        # with shuangyong already installed
shuangyong packs                  # the pack is listed once installed
```
'''
