"""An OpenAPI 3.0.3 copy of the 3.1 document, for client generators that read only 3.0.

The differences that matter for the schemas FastAPI writes: ``null`` in a
type list or ``anyOf`` becomes ``nullable: true``; a list of ``examples``
becomes one ``example``; ``const`` becomes a one-value ``enum``; numeric
``exclusiveMinimum``/``exclusiveMaximum`` become the 3.0 boolean form.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["downgrade"]

_DROP = {"$schema", "$id", "contentMediaType", "contentEncoding", "unevaluatedProperties", "$defs", "prefixItems",
         "dependentSchemas", "if", "then", "else", "propertyNames"}


def downgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``doc`` (OpenAPI 3.1) rewritten as OpenAPI 3.0.3."""
    out = copy.deepcopy(doc)
    out["openapi"] = "3.0.3"
    out.pop("jsonSchemaDialect", None)
    out.pop("webhooks", None)
    lic = out.get("info", {}).get("license")
    if isinstance(lic, dict):
        lic.pop("identifier", None)
    schemas = out.get("components", {}).get("schemas", {})
    for name in list(schemas):
        schemas[name] = _schema(schemas[name])
    for ops in out.get("paths", {}).values():
        for op in ops.values():
            if not isinstance(op, dict):
                continue
            for p in op.get("parameters", []):
                if "schema" in p:
                    p["schema"] = _schema(p["schema"])
            for holder in [op.get("requestBody", {}), *op.get("responses", {}).values()]:
                for media in (holder.get("content") or {}).values():
                    if "schema" in media:
                        media["schema"] = _schema(media["schema"])
    return out


def _schema(s: Any) -> Any:
    if isinstance(s, list):
        return [_schema(x) for x in s]
    if not isinstance(s, dict):
        return s
    s = {k: v for k, v in s.items() if k not in _DROP}
    for k in ("properties", "patternProperties"):
        if isinstance(s.get(k), dict):
            s[k] = {n: _schema(v) for n, v in s[k].items()}
    for k in ("items", "additionalProperties", "not"):
        if isinstance(s.get(k), dict):
            s[k] = _schema(s[k])
    for k in ("anyOf", "oneOf", "allOf"):
        if isinstance(s.get(k), list):
            s[k] = [_schema(x) for x in s[k]]
    t = s.get("type")
    if isinstance(t, list):
        rest = [x for x in t if x != "null"]
        if len(rest) < len(t):
            s["nullable"] = True
        if len(rest) == 1:
            s["type"] = rest[0]
        else:
            s.pop("type")
            s["anyOf"] = [{"type": x} for x in rest]
    for k in ("anyOf", "oneOf"):
        alts = s.get(k)
        if isinstance(alts, list) and any(a == {"type": "null"} for a in alts):
            alts = [a for a in alts if a != {"type": "null"}]
            s["nullable"] = True
            if len(alts) == 1 and "$ref" not in alts[0]:
                s.pop(k)
                s.update(alts[0])
            elif len(alts) == 1:
                s[k] = alts  # a $ref cannot carry nullable beside it in 3.0: keep it wrapped
            else:
                s[k] = alts
    if "examples" in s:
        ex = s.pop("examples")
        if isinstance(ex, list) and ex:
            s["example"] = ex[0]
    if "const" in s:
        s["enum"] = [s.pop("const")]
    for k, base in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        v = s.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            s[base] = v
            s[k] = True
    return s
