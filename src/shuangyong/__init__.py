"""shuangyong — 优抚 entitlements, 双拥 assessments and 军转干部 placement, exact and explained.

Import as ``import shuangyong as sy``.  The main entry points::

    engine = sy.Engine.from_plugins()                  # national rules + installed packs
    person = sy.Person.from_record({"身份证号": "…", "行政区划代码": "422827", …})
    res = engine.entitlements(person, sy.Period.year(2024))
    res.total, res["disability_pension"].amount
    print(engine.explain(person, sy.Period.year(2024), "disability_pension"))

Rule packs implement the hooks of :mod:`shuangyong.hookspecs` with
``@sy.hookimpl`` and register :class:`BenefitRule` s made with
:func:`sy.rule`.  Heavier parts (rosters, scoring, placement, the CLI) are
imported on first use so that ``import shuangyong`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Errors are cheap and needed everywhere; everything else is imported on first use,
# so that `import shuangyong` stays fast for programs that embed it.
from .errors import (
    AdjustmentError,
    EvidenceError,
    InvalidIdNumberError,
    InvalidPeriodError,
    InvalidRecordError,
    InvalidRegionError,
    ParameterFileError,
    ParameterNotFoundError,
    RosterError,
    RuleConflictError,
    RuleDefinitionError,
    RulePackLoadError,
    SchemeError,
    ShuangyongError,
    UndeclaredInputError,
)
from .errors import OutputError, OutputLockedError, OutputPathError, RuleEvaluationError

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .calc import Q, q, qmax, qmin, qround, qsum
    from .engine import Adjustment, Engine, Entitlement, Entitlements, Segment
    from .ids import (
        NATIONAL,
        fallback_chain,
        is_valid_id_number,
        is_valid_region,
        mask_id_number,
        mask_name,
        normalize_id_number,
        validate_id_number,
        validate_region,
    )
    from .model import (
        Award,
        AwardLevel,
        Category,
        Disability,
        DisabilityCause,
        Education,
        FamilyTie,
        Hardship,
        Hukou,
        MemberStatus,
        Person,
        Relation,
        ServiceRecord,
        ServiceType,
        Sex,
    )
    from .money import FEN_DOWN, FEN_HALF_UP, YUAN_HALF_UP, YUAN_UP, Rounding, format_amount, format_wan
    from .params import ParameterSet, Resolved, Source
    from .periods import Period, parse_period
    from .plugins import PackInfo, hookimpl
    from .rules import Basis, BenefitRule, InKind, NotEligible, rule


__version__ = "0.1.0"

__all__ = [
    "__version__",
    # engine
    "Engine", "Entitlement", "Entitlements", "Segment", "Adjustment",
    # rules and plugins
    "BenefitRule", "rule", "Basis", "Source", "NotEligible", "InKind", "hookimpl", "PackInfo",
    "Q", "q", "qmin", "qmax", "qsum", "qround",
    # model
    "Person", "ServiceRecord", "Award", "Disability", "FamilyTie",
    "Sex", "Hukou", "ServiceType", "Hardship", "Education", "AwardLevel", "DisabilityCause", "MemberStatus",
    "Relation", "Category",
    # periods, money, parameters
    "Period", "parse_period", "Rounding", "FEN_HALF_UP", "FEN_DOWN", "YUAN_HALF_UP", "YUAN_UP",
    "format_amount", "format_wan", "ParameterSet", "Resolved",
    # identifiers
    "NATIONAL", "validate_id_number", "is_valid_id_number", "normalize_id_number", "mask_id_number", "mask_name",
    "validate_region", "is_valid_region", "fallback_chain",
    # errors
    "ShuangyongError", "InvalidRecordError", "InvalidIdNumberError", "InvalidRegionError", "InvalidPeriodError",
    "ParameterFileError", "ParameterNotFoundError", "RulePackLoadError", "RuleConflictError", "RuleDefinitionError",
    "UndeclaredInputError", "AdjustmentError", "SchemeError", "EvidenceError", "RosterError",
    # imported on first use
    "run_roster", "RosterRun", "read_roster", "assess", "load_scheme", "load_evidence", "ScoreCard", "Scheme",
    "compare", "roll_up", "rank", "allocate", "load_placement_scheme", "Officer", "Explanation",
]
__all__ += ["RuleEvaluationError", "OutputError", "OutputPathError", "OutputLockedError"]

# name -> (module, attribute): imported on first use to keep `import shuangyong` fast.
_LAZY = {
    "Q": ("calc", "Q"),
    "q": ("calc", "q"),
    "qmax": ("calc", "qmax"),
    "qmin": ("calc", "qmin"),
    "qsum": ("calc", "qsum"),
    "qround": ("calc", "qround"),
    "Adjustment": ("engine", "Adjustment"),
    "Engine": ("engine", "Engine"),
    "Entitlement": ("engine", "Entitlement"),
    "Entitlements": ("engine", "Entitlements"),
    "Segment": ("engine", "Segment"),
    "NATIONAL": ("ids", "NATIONAL"),
    "fallback_chain": ("ids", "fallback_chain"),
    "is_valid_id_number": ("ids", "is_valid_id_number"),
    "is_valid_region": ("ids", "is_valid_region"),
    "mask_id_number": ("ids", "mask_id_number"),
    "mask_name": ("ids", "mask_name"),
    "normalize_id_number": ("ids", "normalize_id_number"),
    "validate_id_number": ("ids", "validate_id_number"),
    "validate_region": ("ids", "validate_region"),
    "Award": ("model", "Award"),
    "AwardLevel": ("model", "AwardLevel"),
    "Category": ("model", "Category"),
    "Disability": ("model", "Disability"),
    "DisabilityCause": ("model", "DisabilityCause"),
    "Education": ("model", "Education"),
    "FamilyTie": ("model", "FamilyTie"),
    "Hardship": ("model", "Hardship"),
    "Hukou": ("model", "Hukou"),
    "MemberStatus": ("model", "MemberStatus"),
    "Person": ("model", "Person"),
    "Relation": ("model", "Relation"),
    "ServiceRecord": ("model", "ServiceRecord"),
    "ServiceType": ("model", "ServiceType"),
    "Sex": ("model", "Sex"),
    "FEN_DOWN": ("money", "FEN_DOWN"),
    "FEN_HALF_UP": ("money", "FEN_HALF_UP"),
    "YUAN_HALF_UP": ("money", "YUAN_HALF_UP"),
    "YUAN_UP": ("money", "YUAN_UP"),
    "Rounding": ("money", "Rounding"),
    "format_amount": ("money", "format_amount"),
    "format_wan": ("money", "format_wan"),
    "ParameterSet": ("params", "ParameterSet"),
    "Resolved": ("params", "Resolved"),
    "Source": ("params", "Source"),
    "Period": ("periods", "Period"),
    "parse_period": ("periods", "parse_period"),
    "PackInfo": ("plugins", "PackInfo"),
    "hookimpl": ("plugins", "hookimpl"),
    "Basis": ("rules", "Basis"),
    "BenefitRule": ("rules", "BenefitRule"),
    "InKind": ("rules", "InKind"),
    "NotEligible": ("rules", "NotEligible"),
    "rule": ("rules", "rule"),
    "run_roster": ("roster.run", "run_roster"),
    "RosterRun": ("roster.run", "RosterRun"),
    "read_roster": ("roster.reading", "read_roster"),
    "assess": ("assessment.schemes", "assess"),
    "load_scheme": ("assessment.schemes", "load_scheme"),
    "ScoreCard": ("assessment.schemes", "ScoreCard"),
    "Scheme": ("assessment.schemes", "Scheme"),
    "compare": ("assessment.schemes", "compare"),
    "roll_up": ("assessment.schemes", "roll_up"),
    "load_evidence": ("assessment.schemes", "load_evidence"),
    "Officer": ("placement.points", "Officer"),
    "rank": ("placement.points", "rank"),
    "allocate": ("placement.points", "allocate"),
    "load_placement_scheme": ("placement.points", "load_placement_scheme"),
    "Explanation": ("explain", "Explanation"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'shuangyong' has no attribute {name!r}") from None
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
