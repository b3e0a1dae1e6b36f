"""The one exception hierarchy of shuangyong.

Every error the library raises on purpose is a :class:`ShuangyongError`.
Each subclass carries attributes that say *what* and *where* (a field, a
file, a rule code, a pack name); values that could identify a person are
masked before they reach a message.
"""

from __future__ import annotations

__all__ = [
    "ShuangyongError",
    "InvalidIdNumberError",
    "InvalidRegionError",
    "InvalidRecordError",
    "InvalidPeriodError",
    "ParameterFileError",
    "ParameterNotFoundError",
    "RulePackLoadError",
    "RuleConflictError",
    "RuleDefinitionError",
    "UndeclaredInputError",
    "AdjustmentError",
    "SchemeError",
    "EvidenceError",
    "RosterError",
    "RuleEvaluationError",
    "OutputError",
    "OutputPathError",
    "OutputLockedError",
]


class ShuangyongError(Exception):
    """Base class of every error raised by shuangyong."""


class InvalidRecordError(ShuangyongError, ValueError):
    """A field of a person record (or entity) cannot be understood.

    ``field`` is the record key, ``value`` the offending value *already
    masked* where it could identify a person, ``reason`` the explanation.
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        from .privacy import mask_cell

        self.field = field
        # Whatever the field, a value that is ID-, account- or name-shaped is masked here, once: a
        # roster with swapped columns puts a 身份证号 under 伤残等级, and this message reaches users.
        self.value = mask_cell(value) if isinstance(value, str) else value
        value = self.value
        self.reason = reason
        shown = "" if value is None or value == "" else f" {value!r}"
        super().__init__(f"{field}{shown}: {reason}")


class InvalidIdNumberError(InvalidRecordError):
    """A 公民身份号码 failed validation (length, characters, date, check character)."""

    def __init__(self, value: object, reason: str, field: str = "id_number") -> None:
        super().__init__(field, value, reason)


class InvalidRegionError(InvalidRecordError):
    """A 行政区划代码 is malformed or names no known province."""

    def __init__(self, value: object, reason: str, field: str = "region") -> None:
        super().__init__(field, value, reason)


class InvalidPeriodError(ShuangyongError, ValueError):
    """A period or date range is empty, reversed or malformed."""


class ParameterFileError(ShuangyongError):
    """A parameter file is malformed; ``path`` and ``key`` say where."""

    def __init__(self, path: object, key: str, reason: str) -> None:
        self.path = str(path)
        self.key = key
        self.reason = reason
        where = f"{self.path}" + (f" [{key}]" if key else "")
        super().__init__(f"{where}: {reason}")


class ParameterNotFoundError(ShuangyongError, LookupError):
    """No value of a parameter is in force for a jurisdiction on a date."""

    def __init__(self, name: str, region: str, on: object, reason: str = "") -> None:
        self.name = name
        self.region = region
        self.on = on
        self.reason = reason
        msg = f"parameter {name!r}: no value in force for {region} on {on}"
        super().__init__(msg + (f" ({reason})" if reason else ""))


class RulePackLoadError(ShuangyongError):
    """A rule pack failed to import, register or validate.

    ``pack`` is its name, ``stage`` one of ``import``, ``register``,
    ``validate``; the original exception is chained as ``__cause__``.
    """

    def __init__(self, pack: str, stage: str, reason: str, distribution: str = "") -> None:
        self.pack = pack
        self.stage = stage
        self.distribution = distribution
        self.reason = reason
        dist = f" ({distribution})" if distribution else ""
        super().__init__(f"rule pack {pack!r}{dist} failed at {stage}: {reason}")


class RuleConflictError(RulePackLoadError):
    """Two packs claim one rule code (or parameter) for one jurisdiction."""

    def __init__(self, code: str, jurisdiction: str, first: str, second: str, kind: str = "rule") -> None:
        self.code = code
        self.jurisdiction = jurisdiction
        self.first = first
        self.second = second
        super().__init__(
            second,
            "register",
            f"{kind} {code!r} for jurisdiction {jurisdiction} is already registered by pack {first!r}; "
            f"pack {second!r} registers it again (use a more specific jurisdiction, or remove one)",
        )


class RuleDefinitionError(ShuangyongError, ValueError):
    """A benefit rule is declared wrongly (unknown fact, bad period kind, ...)."""


class UndeclaredInputError(ShuangyongError, AttributeError):
    """A rule formula read a fact or parameter it did not declare."""

    def __init__(self, rule: str, name: str, kind: str = "input") -> None:
        self.rule = rule
        self.name = name
        super().__init__(f"rule {rule!r} read undeclared {kind} {name!r}; add it to the rule's declared {kind}s")


class AdjustmentError(ShuangyongError, ValueError):
    """A manual adjustment is incomplete (e.g. has no reason)."""


class SchemeError(ShuangyongError):
    """An assessment or placement scheme is malformed."""


class EvidenceError(ShuangyongError, ValueError):
    """Evidence for an assessment is missing, unknown or of the wrong type.

    ``problems`` lists every problem found, each naming its key.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class RosterError(ShuangyongError):
    """A roster file cannot be read at all (not one row of it)."""


class RuleEvaluationError(ShuangyongError):
    """A rule's formula raised or returned something that is not an amount of money.

    In a roster run this rejects the one row (naming ``rule``) and the run goes on; ``reason`` is
    already masked (see :mod:`shuangyong.privacy`).
    """

    def __init__(self, rule: str, reason: str) -> None:
        self.rule = rule
        self.field = rule
        self.reason = reason
        super().__init__(f"rule {rule!r} failed: {reason}")


class OutputError(ShuangyongError):
    """An output cannot be written (format, missing optional library, ...)."""


class OutputPathError(OutputError):
    """An output path is refused before anything is read: it is the input, another output, a folder."""

    def __init__(self, option: str, path: str, reason: str) -> None:
        self.option = option
        self.path = path
        self.reason = reason
        super().__init__(f"{option} {path}: {reason}")


class OutputLockedError(OutputError):
    """Another run is writing the same output path (its lock is held)."""

    def __init__(self, path: str, waited: float) -> None:
        self.path = path
        self.waited = waited
        how = f"still held after waiting {waited:g} s" if waited else "held (use --lock-wait SECONDS to wait)"
        super().__init__(f"{path}: another run is writing this output; its lock is {how} (另一个任务正在写这个输出文件)")
