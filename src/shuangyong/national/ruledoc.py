"""Render the rules and parameters an engine has loaded as a Markdown reference.

``docs/national-rules.md`` is generated from the national pack with
``python -m shuangyong.national.ruledoc > docs/national-rules.md``; a test checks it is
current, so the document can never drift from the figures the engine uses.
"""

from __future__ import annotations

import json
from typing import Any

from ..calc import fmt_number
from ..engine import Engine
from ..ids import NATIONAL

__all__ = ["render_rules"]


def _value(v: Any) -> str:
    if v is None:
        return "(ended)"
    if isinstance(v, dict):
        return "`" + json.dumps({k: _plain(x) for k, x in v.items()}, ensure_ascii=False) + "`"
    return f"`{_plain(v)}`"


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if hasattr(v, "as_tuple"):
        return fmt_number(v)
    return v


def render_rules(engine: Engine, pack: str = "national", title: str = "National rules (国家标准)") -> str:
    """Markdown describing every rule and parameter that ``pack`` registered."""
    out = [f"# {title}", "",
           "Generated from the rules and parameter files by `python -m shuangyong.national.ruledoc`; do not edit by hand.",
           "Certainty: `primary` legal text read, `secondary` news/government/reposted page, `inferred` deduced,",
           "`assumption` the sources are silent and the library chose (a parameter a pack can change).", ""]
    regs = [r for r in engine.registry.rules if r.pack == pack]
    for reg in regs:
        r = reg.rule
        where = "" if reg.jurisdiction == NATIONAL else f" — {reg.jurisdiction}"
        out += [f"## `{r.code}` {r.title} ({r.title_en}){where}", "",
                f"- Period: {r.period}" + (f", event `{r.event}`" if isinstance(r.event, str) else ""),
                f"- Basis: {r.basis.cite()}",
                f"- Rounding: {r.rounding.label_zh} (`{r.rounding.name}`)",
                f"- Inputs: {', '.join(f'`{i}`' for i in r.inputs) or '—'}",
                f"- Parameters: {', '.join(f'`{p}`' for p in r.param_names) or '—'}", ""]
        if r.eligibility:
            out += [f"**Eligibility.** {r.eligibility}", "", f"*{r.eligibility_en}*", ""]
        if r.doc:
            out += [r.doc, ""]
        if r.assumptions:
            out += ["**Assumptions.**", ""] + [f"- {a}" for a in r.assumptions] + [""]
    out += ["## Parameters", ""]
    for p in sorted((p for p in engine.parameters.parameters() if p.pack == pack), key=lambda p: (p.name, p.jurisdiction)):
        head = f"### `{p.name}`" + ("" if p.jurisdiction == NATIONAL else f" — {p.jurisdiction}")
        out += [head, "", (p.description or "") + (f" ({p.unit})" if p.unit else ""), "",
                "| from | value | source |", "|---|---|---|"]
        for v in p.values:
            out.append(f"| {v.start.isoformat()} | {_value(v.value)} | {v.source.cite()}"
                       + (f" — {v.source.note}" if v.source.note else "") + " |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_rules(Engine(national=True)))
