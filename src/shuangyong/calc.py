"""Traced numbers: arithmetic that remembers how it was done.

A formula computes with :class:`Q` values (what parameter and fact accessors
hand it) using ordinary operators; each result carries both its exact
``Decimal`` value and the expression that produced it (``106670 ÷ 12``), so
an explanation can show the arithmetic and a test can check that the shown
numbers reproduce the amount.  Plain ``int`` and ``Decimal`` mix in freely;
``float`` is refused because money is exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = ["Q", "q", "fmt_number", "qmin", "qmax", "qsum", "qround", "evaluate_expression"]

_PRECEDENCE = {"+": 1, "-": 1, "×": 2, "÷": 2}


def fmt_number(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros beyond the 分: ``106670``, ``0.45``, ``8889.17``."""
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    s = format(d.normalize(), "f")
    return s


class Q:
    """An exact number with the expression that produced it."""

    __slots__ = ("value", "text", "op")

    value: Decimal
    text: str
    op: str

    def __init__(self, value: Any, text: str | None = None, op: str = "") -> None:
        if isinstance(value, Q):
            value, text, op = value.value, text or value.text, op or value.op
        if isinstance(value, float):
            raise TypeError("float is not exact; use Decimal or str")
        self.value = value if isinstance(value, Decimal) else Decimal(value)
        self.text = text if text is not None else fmt_number(self.value)
        self.op = op

    # -- arithmetic ------------------------------------------------------------
    def _wrap(self, side: str) -> str:
        return f"({self.text})" if self.op and _PRECEDENCE.get(self.op, 3) < _PRECEDENCE[side] else self.text

    def _bin(self, other: Any, op: str, reverse: bool = False) -> Q:
        o = other if isinstance(other, Q) else Q(other)
        a, b = (o, self) if reverse else (self, o)
        if op == "+":
            v = a.value + b.value
        elif op == "-":
            v = a.value - b.value
        elif op == "×":
            v = a.value * b.value
        else:
            v = a.value / b.value
        right = b.text if not b.op or _PRECEDENCE.get(b.op, 3) > _PRECEDENCE[op] else f"({b.text})"
        return Q(v, f"{a._wrap(op)} {op} {right}", op)

    def __add__(self, o: Any) -> Q:
        return self._bin(o, "+")

    def __radd__(self, o: Any) -> Q:
        return self if isinstance(o, int) and o == 0 else self._bin(o, "+", True)

    def __sub__(self, o: Any) -> Q:
        return self._bin(o, "-")

    def __rsub__(self, o: Any) -> Q:
        return self._bin(o, "-", True)

    def __mul__(self, o: Any) -> Q:
        return self._bin(o, "×")

    def __rmul__(self, o: Any) -> Q:
        return self._bin(o, "×", True)

    def __truediv__(self, o: Any) -> Q:
        return self._bin(o, "÷")

    def __rtruediv__(self, o: Any) -> Q:
        return self._bin(o, "÷", True)

    def __neg__(self) -> Q:
        return Q(-self.value, f"-{self._wrap('×')}", "×")

    # -- comparison --------------------------------------------------------------
    def _v(self, o: Any) -> Decimal:
        return o.value if isinstance(o, Q) else Decimal(o)

    def __eq__(self, o: object) -> bool:
        try:
            return self.value == self._v(o)
        except (TypeError, ValueError, ArithmeticError):
            return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    def __lt__(self, o: Any) -> bool:
        return self.value < self._v(o)

    def __le__(self, o: Any) -> bool:
        return self.value <= self._v(o)

    def __gt__(self, o: Any) -> bool:
        return self.value > self._v(o)

    def __ge__(self, o: Any) -> bool:
        return self.value >= self._v(o)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"Q({fmt_number(self.value)} = {self.text})"

    def labelled(self, label: str) -> Q:
        """The same value, shown in later expressions as ``label``."""
        return Q(self.value, label)


def q(value: Any, label: str | None = None) -> Q:
    """A traced number; ``label`` is what expressions show instead of the digits."""
    return Q(value, label)


def qmin(*values: Any) -> Q:
    """The smallest of ``values``, traced as ``min(a, b)``."""
    qs = [v if isinstance(v, Q) else Q(v) for v in values]
    return Q(min(x.value for x in qs), "min(" + ", ".join(x.text for x in qs) + ")")


def qmax(*values: Any) -> Q:
    """The largest of ``values``, traced as ``max(a, b)``."""
    qs = [v if isinstance(v, Q) else Q(v) for v in values]
    return Q(max(x.value for x in qs), "max(" + ", ".join(x.text for x in qs) + ")")


def qsum(values: Any) -> Q:
    """The sum of ``values``, traced."""
    out: Q | None = None
    for v in values:
        out = (v if isinstance(v, Q) else Q(v)) if out is None else out + v
    return out if out is not None else Q(0)


def qround(value: Any, rounding: Any) -> Q:
    """``value`` rounded by a named policy (``sy.YUAN_UP`` …), traced as ``yuan_up(…)``.

    Used where a rounded figure feeds later arithmetic (a published yearly
    standard that an uplift then multiplies); the explanation keeps both steps.
    """
    x = value if isinstance(value, Q) else Q(value)
    out = rounding(x.value)
    if out == x.value:
        return x
    return Q(out, f"{rounding.name}({x.text})")


def evaluate_expression(text: str) -> Decimal:
    """Evaluate an expression as :class:`Q` writes it (``(106670 ÷ 12) × 7``), exactly.

    Used to check that an explanation's arithmetic reproduces its amount.
    """
    import re

    from .money import ROUNDINGS

    tokens = re.findall(r"\d+(?:\.\d+)?|min|max|[a-z_]+|[-+×÷(),]", text.replace(" ", ""))
    if "".join(tokens) != text.replace(" ", ""):
        raise ValueError(f"cannot read expression {text!r}")
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def atom() -> Decimal:
        t = take()
        if t == "(":
            v = expr()
            take()
            return v
        if t == "-":
            return -atom()
        if t in ROUNDINGS:
            take()
            v = expr()
            take()
            return ROUNDINGS[t](v)
        if t in ("min", "max"):
            take()
            args = [expr()]
            while peek() == ",":
                take()
                args.append(expr())
            take()
            return min(args) if t == "min" else max(args)
        return Decimal(t)

    def term() -> Decimal:
        v = atom()
        while peek() in ("×", "÷"):
            op = take()
            r = atom()
            v = v * r if op == "×" else v / r
        return v

    def expr() -> Decimal:
        v = term()
        while peek() in ("+", "-"):
            op = take()
            r = term()
            v = v + r if op == "+" else v - r
        return v

    result = expr()
    if pos != len(tokens):
        raise ValueError(f"trailing tokens in {text!r}")
    return result
