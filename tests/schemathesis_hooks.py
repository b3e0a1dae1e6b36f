"""Schemathesis hooks for tests/test_server_fuzz.py: a check that no response shows an unmasked 身份证号."""

from __future__ import annotations

from typing import Any

import schemathesis

from shuangyong.server.masking import ID_SHAPED


@schemathesis.check
def no_unmasked_id(ctx: Any, response: Any, case: Any) -> bool | None:
    text = response.content.decode("utf-8", "replace")
    m = ID_SHAPED.search(text)
    if m:
        raise AssertionError(f"unmasked ID-shaped value in the response: {m.group(0)[:4]}…")
    return None
