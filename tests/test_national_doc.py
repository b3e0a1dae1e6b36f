from pathlib import Path

import shuangyong as sy
from shuangyong.national.ruledoc import render_rules

DOC = Path(__file__).resolve().parents[1] / "docs" / "national-rules.md"


def test_national_rules_doc_is_current() -> None:
    expected = render_rules(sy.Engine(national=True))
    assert DOC.read_text(encoding="utf-8") == expected, "regenerate: python -m shuangyong.national.ruledoc > docs/national-rules.md"


def test_every_national_rule_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code in ("disability_pension", "survivor_pension", "sick_returnee_allowance", "combat_veteran_allowance",
                 "rural_veteran_old_age_allowance", "nursing_allowance", "death_lump_sum", "funeral_grant"):
        assert f"`{code}`" in text
