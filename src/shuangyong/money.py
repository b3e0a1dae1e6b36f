"""Exact money: ``Decimal`` amounts, rounding named by policy, Chinese formatting.

Amounts are ``decimal.Decimal`` in 元 everywhere in the API; batch code may
carry integer 分 (:func:`to_fen` / :func:`from_fen`).  Rounding is never
implicit: a rule names one of the policies below, and the explanation says
which was applied.  Policies seen in the documents:

* ``FEN_HALF_UP`` — to the 分, half up: the default for monthly shares of a
  yearly standard (annual ÷ 12).
* ``YUAN_HALF_UP`` — to the 元, half up (吴江 2025: 86,702 × 45% = 39,015.9 → 39,016).
* ``YUAN_UP`` — up to the next 元 (德安 2020: 37,008 × 40% = 14,803.2 → 14,804).

Formatting uses babel: ``format_amount(Decimal("981875"))`` → ``¥981,875.00``
and ``format_wan(Decimal("981875"))`` → ``98.19万元`` for zh_CN.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from attrs import frozen

__all__ = [
    "Rounding",
    "FEN_HALF_UP",
    "YUAN_HALF_UP",
    "YUAN_UP",
    "FEN_DOWN",
    "ROUNDINGS",
    "ZERO",
    "to_decimal",
    "to_fen",
    "from_fen",
    "format_amount",
    "format_wan",
]

ZERO = Decimal("0.00")


@frozen
class Rounding:
    """A named rounding policy: quantum (``0.01`` = 分, ``1`` = 元) and direction."""

    name: str
    quantum: Decimal
    mode: str
    label_zh: str

    def __call__(self, amount: Decimal) -> Decimal:
        """Round ``amount`` and return it with two decimal places."""
        return Decimal(amount).quantize(self.quantum, rounding=self.mode).quantize(Decimal("0.01"))


FEN_HALF_UP = Rounding("fen_half_up", Decimal("0.01"), ROUND_HALF_UP, "四舍五入到分")
FEN_DOWN = Rounding("fen_down", Decimal("0.01"), ROUND_DOWN, "舍去分以下")
YUAN_HALF_UP = Rounding("yuan_half_up", Decimal("1"), ROUND_HALF_UP, "四舍五入到元")
# Amounts are never negative where this is used, so ceiling is "up to the next 元".
YUAN_UP = Rounding("yuan_up", Decimal("1"), ROUND_CEILING, "向上取整到元")

#: Policies by name, as a rule pack may name them in TOML or ``@rule(rounding=...)``.
ROUNDINGS: dict[str, Rounding] = {r.name: r for r in (FEN_HALF_UP, FEN_DOWN, YUAN_HALF_UP, YUAN_UP)}


def to_decimal(value: object) -> Decimal:
    """Convert an int, str or Decimal to ``Decimal``; floats are refused (they are not exact)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not an amount")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value.replace(",", "").strip())
    raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")


def to_fen(amount: Decimal) -> int:
    """Whole 分 in ``amount`` (which must already be rounded to the 分)."""
    fen = Decimal(amount) * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of 分; round it first")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """``Decimal`` 元 with two places from integer 分."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_amount(amount: Decimal, locale: str = "zh_CN", currency: str = "CNY") -> str:
    """Format an amount as currency: ``¥981,875.00`` (zh_CN) or ``CN¥981,875.00`` (en)."""
    from babel.numbers import format_currency  # babel loads locale data lazily; keep import cheap

    return format_currency(Decimal(amount), currency, locale=locale)


def format_wan(amount: Decimal, locale: str = "zh_CN", places: int = 2) -> str:
    """Format in 万元 as county reports do: ``98.19万元``; in English ``981.9 thousand yuan`` style.

    The value is rounded half up to ``places`` decimals of 万.
    """
    from babel.numbers import format_decimal

    if locale.startswith("zh"):
        wan = (Decimal(amount) / 10000).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        return f"{format_decimal(wan, format='#,##0.' + '0' * places, locale=locale)}万元"
    thousands = (Decimal(amount) / 1000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{format_decimal(thousands, format='#,##0.0', locale=locale)} thousand yuan"
