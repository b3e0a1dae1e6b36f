"""Request and response models: what the OpenAPI document says each endpoint takes and answers.

Money is a decimal string everywhere (``"4925.00"``), never a JSON number:
the ``Money`` type carries a pattern and ``format: decimal`` so generated
clients map it to ``BigDecimal`` / ``decimal`` rather than ``double``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Money", "Versions", "RecordValue", "EntitlementsRequest", "EntitlementsResponse", "RuleResult", "ExplainRequest",
    "ExplainResponse", "ParameterValue", "ParameterList", "RuleList", "PackList", "AssessRequest", "AssessResponse",
    "RankRequest", "RankResponse", "RosterJob", "Problem", "Health", "SchemeList",
]

Money = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", json_schema_extra={"format": "decimal"},
                             description="an exact amount in 元 as a decimal string (never a JSON number)",
                             examples=["4925.00"])]

#: A record field's value: text (dates as YYYY-MM-DD, amounts as decimal strings), a whole number, a flag, or null.
RecordValue = str | int | bool | None

Record = Annotated[dict[str, RecordValue], Field(
    description="one person in the record format: the roster's column headers (身份证号, 行政区划代码, 类别, 伤残等级 …) "
                "or their English keys (id_number, region, categories …); amounts as decimal strings",
    examples=[{"身份证号": "422827197001010016", "行政区划代码": "422827", "户籍": "农村", "类别": "残疾军人",
               "伤残等级": "五级", "伤残性质": "因战", "评残时间": "2010-05-01"}],
    max_length=200)]

Period = Annotated[str, Field(description="2024, 2024-08 or 2024-03-01..2024-06-30", examples=["2024"], max_length=40)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Versions(BaseModel):
    engine: str = Field(description="shuangyong engine version")
    packs: dict[str, str] = Field(description="rule pack name → version")


class Basis(BaseModel):
    model_config = ConfigDict(extra="allow")
    document: str | None = None
    article: str | None = None


class RuleResult(BaseModel):
    rule: str
    title: str
    title_en: str
    amount: Money
    eligible: bool
    status: str
    reason: str
    reason_en: str
    basis: dict[str, Any] = Field(description="the document, number, article and date in force the rule follows")
    jurisdiction: str
    pack: str
    in_kind: dict[str, str] | None = None


class PersonRef(BaseModel):
    id_number: str = Field(description="masked unless the key may reveal and the request asks")
    name: str = Field(description="masked unless the key may reveal and the request asks")
    region: str


class EntitlementsRequest(_Model):
    record: Record
    period: Period
    rules: list[Annotated[str, Field(max_length=80)]] | None = Field(default=None, max_length=100,
                                                                     description="only these rule codes (default: all)")
    reveal: bool = Field(default=False, description="show the ID number and name in full (the key needs the reveal permission)")


class EntitlementsResponse(BaseModel):
    person: PersonRef
    period: str
    total: Money
    results: list[RuleResult]
    versions: Versions


class ExplainRequest(_Model):
    record: Record
    period: Period
    rule: str | None = Field(default=None, max_length=80, description="one rule code (default: the rules that pay)")
    all: bool = Field(default=False, description="explain every rule, also those that do not apply")
    lang: Literal["zh", "en"] = "zh"
    reveal: bool = False


class ExplainResponse(BaseModel):
    explanations: list[dict[str, Any]] = Field(description="the library's versioned explanation JSON, one per rule")
    text: list[str] = Field(description="the same explanations as prose in the requested language")
    versions: Versions


class ParameterValue(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    value: Any = Field(description="numbers as decimal strings; tables as objects of decimal strings")
    unit: str
    level: str
    jurisdiction: str
    source: dict[str, Any]
    versions: Versions


class ParameterList(BaseModel):
    parameters: list[dict[str, Any]]
    versions: Versions


class RuleList(BaseModel):
    rules: list[dict[str, Any]]
    versions: Versions


class PackList(BaseModel):
    packs: list[dict[str, Any]]
    versions: Versions


class SchemeList(BaseModel):
    schemes: list[dict[str, Any]]
    versions: Versions


class AssessRequest(_Model):
    scheme: str = Field(max_length=120, description="installed scheme code (GET /schemes)")
    evidence: dict[str, Any] = Field(description="the evidence document (as `shuangyong assess --template --json` prints)")
    compare: dict[str, Any] | None = Field(default=None, description="older evidence to compare with")


class AssessResponse(BaseModel):
    card: dict[str, Any]
    comparison: dict[str, Any] | None = None
    versions: Versions


class RankRequest(_Model):
    scheme: str = Field(max_length=120, description="installed placement scheme code")
    officers: list[dict[str, Any]] = Field(max_length=100000, description="officer records (English keys or Chinese headers, as `shuangyong rank` reads)")
    posts: dict[str, Any] | None = Field(default=None, description="post code → seats (or {seats, title})")
    preferences: dict[str, list[str]] | None = Field(default=None, description="身份证号 → post codes in order")
    as_of: str | None = Field(default=None, description="date 军龄 is counted to (YYYY-MM-DD)")


class RankResponse(BaseModel):
    ranking: dict[str, Any]
    allocation: dict[str, Any] | None = None
    versions: Versions


class Progress(BaseModel):
    done: int
    total: int | None


class JobError(BaseModel):
    field: str
    reason: str


class RosterJob(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    period: str
    format: str
    created: float
    started: float | None
    finished: float | None
    progress: Progress
    rows_in: int | None
    computed: int | None
    rejected: int | None
    total: Money | None
    error: JobError | None
    links: dict[str, str]
    versions: Versions


class Problem(BaseModel):
    """RFC 9457 problem details, with the field and reason when the library gives them."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    reason: str | None = None
    errors: list[dict[str, Any]] | None = None


class Health(BaseModel):
    status: str
    versions: Versions
