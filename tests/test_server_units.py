"""Server parts without a server: keys, rate buckets, masking, the OpenAPI 3.0 copy, ``serve``'s refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shuangyong.errors import ShuangyongError
from shuangyong.ids import check_character
from shuangyong.server.config import ApiKey, KeyRing, ServerConfig, load_api_keys
from shuangyong.server.masking import ID_SHAPED, dumps_masked, mask_json, mask_text

# -- keys -------------------------------------------------------------------------------------------


def test_keys_from_env_and_files(tmp_path: Path) -> None:
    env = {"SHUANGYONG_API_KEYS": " alpha-key-0000000001 ,beta-key-00000000002,"}
    keys = load_api_keys(None, env)
    assert [k.key for k in keys] == ["alpha-key-0000000001", "beta-key-00000000002"]
    assert all(k.name.startswith("key-") and not k.reveal for k in keys)
    assert "alpha" not in repr(keys[0])  # the key itself never shows in a repr
    lines = tmp_path / "keys.txt"
    lines.write_text("# county systems\ngamma-key-0000000003  # ops\n\n", encoding="utf-8")
    assert [k.key for k in load_api_keys(lines, {})] == ["gamma-key-0000000003"]
    toml = tmp_path / "keys.toml"
    toml.write_text('[[key]]\nkey = "delta-key-0000000004"\nname = "letters"\nreveal = true\nrate_per_minute = 5\n'
                    'burst = 2\nmax_body_bytes = 100\nmax_upload_bytes = 1000\n', encoding="utf-8")
    (k,) = load_api_keys(toml, {})
    assert (k.name, k.reveal, k.rate_per_minute, k.burst, k.max_body_bytes, k.max_upload_bytes) == ("letters", True, 5, 2, 100, 1000)


@pytest.mark.parametrize("text, message", [
    ('[[key]]\nkey = "short"\n', "at least 16"),
    ('[[key]]\nkey = "epsilon-key-000000005"\nreveal = "yes"\n', "reveal must be true or false"),
    ('[[key]]\nkey = "epsilon-key-000000005"\nrate = 5\n', "unknown setting"),
    ('[[key]]\nkey = "epsilon-key-000000005"\nburst = 0\n', "positive whole number"),
    ('[[key]]\nkey = "epsilon-key-000000005"\n[[key]]\nkey = "epsilon-key-000000005"\n', "configured twice"),
    ('[[key]]\nname = "x"\n', 'needs key = "..."'),
    ("[[key]\n", "keys.toml"),
])
def test_bad_key_files_are_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ShuangyongError, match=message) as e:
        load_api_keys(path, {})
    assert "epsilon-key-000000005" not in str(e.value)


def test_key_ring_finds_only_the_exact_key() -> None:
    a, b = ApiKey(key="alpha-key-0000000001", name="a"), ApiKey(key="beta-key-00000000002", name="b")
    ring = KeyRing([a, b])
    assert ring.find("beta-key-00000000002") is b and ring.find("alpha-key-0000000001") is a
    for wrong in ("", "alpha-key-000000000", "alpha-key-00000000011", "ALPHA-KEY-0000000001", "\udcff"):
        assert ring.find(wrong) is None


def test_config_travels_to_workers_without_the_keys() -> None:
    c = ServerConfig(job_dir="/tmp/x", api_keys_file="/k.toml", packs=("hubei",), keys=(ApiKey(key="zeta-key-00000000006", name="z"),))
    env = {"SHUANGYONG_SERVER_CONFIG": c.to_env()}
    assert "zeta-key" not in env["SHUANGYONG_SERVER_CONFIG"]
    back = ServerConfig.from_env(env)
    assert (back.job_dir, back.api_keys_file, back.packs, back.keys) == ("/tmp/x", "/k.toml", ("hubei",), None)


def test_token_bucket_allows_the_burst_then_asks_to_wait() -> None:
    from shuangyong.server.guard import TokenBucket

    b = TokenBucket(rate_per_minute=1, burst=3)
    assert [b.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.take() > 50  # one token a minute: nearly a minute to wait


# -- masking ------------------------------------------------------------------------------------------

ids = st.builds(lambda region, y, m, d, seq: (lambda f: f + check_character(f))(f"{region}{y:04d}{m:02d}{d:02d}{seq:03d}"),
                st.sampled_from(["422827", "370830", "110105"]), st.integers(1900, 2020), st.integers(1, 12),
                st.integers(1, 28), st.integers(0, 999))
filler = st.text(alphabet=st.sampled_from(list("ab 元因战测试,.:\"{}[]-*Xx０１９")), max_size=30)


@given(ids, filler, filler, st.booleans())
def test_mask_text_leaves_no_id_shaped_run(idn: str, before: str, after: str, fullwidth: bool) -> None:
    if fullwidth:
        idn = idn.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    text = before + idn + after
    # Neighbouring digits make a longer run, which is not an ID; otherwise the ID must be found and masked.
    out = mask_text(text)
    assert ID_SHAPED.search(out) is None
    assert idn not in out or not ID_SHAPED.search(text)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=25) | ids,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5) | ids, inner, max_size=4),
                    max_leaves=12))
def test_dumps_masked_is_json_and_masks_everything(value: object) -> None:
    text = dumps_masked(value)
    assert json.loads(text) == json.loads(json.dumps(mask_json(value), ensure_ascii=False))
    assert ID_SHAPED.search(text) is None


def test_mask_json_masks_keys_values_and_id_numbers() -> None:
    idn = "422827196602070016"
    assert mask_json({idn: [idn, int(idn), f"row 3: {idn} repeats"]}) == {
        "4228**********0016": ["4228**********0016", "4228**********0016", "row 3: 4228**********0016 repeats"]}
    # 19 digits: not an ID shape, but a long digit run (an account, a phone) keeps only its last four
    assert mask_text("4228271966020700161") == "***************0161"


# -- the OpenAPI 3.0 copy ----------------------------------------------------------------------------------


def test_downgrade_rewrites_31_constructs() -> None:
    from shuangyong.server.openapi30 import downgrade

    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1", "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
           "paths": {"/x": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]}}],
                                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
           "components": {"schemas": {"A": {"type": "object", "properties": {
               "a": {"type": ["integer", "null"], "examples": [1, 2]},
               "b": {"const": "x"},
               "c": {"type": "number", "exclusiveMinimum": 0},
               "d": {"anyOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]}}},
               "B": {"type": "string"}}}}
    out = downgrade(doc)
    assert out["openapi"] == "3.0.3" and "identifier" not in out["info"]["license"]
    assert doc["openapi"] == "3.1.0"  # the original is untouched
    q = out["paths"]["/x"]["get"]["parameters"][0]["schema"]
    assert q == {"type": "string", "nullable": True}
    props = out["components"]["schemas"]["A"]["properties"]
    assert props["a"] == {"type": "integer", "nullable": True, "example": 1}
    assert props["b"] == {"enum": ["x"]}
    assert props["c"] == {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    assert props["d"]["nullable"] is True and props["d"]["anyOf"] == [{"$ref": "#/components/schemas/B"}]
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(out)


# -- `shuangyong serve` refuses to start without keys ---------------------------------------------------------


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "SHUANGYONG_API_KEYS"}
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "shuangyong", "serve", "--port", "1", *args], capture_output=True,
                          text=True, env=e, timeout=60)


def test_serve_refuses_without_keys_or_with_a_bad_key_file(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    r = _serve("--job-dir", str(tmp_path / "jobs"))
    assert r.returncode == 1 and "no API keys" in r.stderr and "Traceback" not in r.stderr
    bad = tmp_path / "keys.txt"
    bad.write_text("short\n", encoding="utf-8")
    r = _serve("--api-keys", str(bad), "--job-dir", str(tmp_path / "jobs"))
    assert r.returncode == 1 and "line 1" in r.stderr and "Traceback" not in r.stderr
    r = _serve("--api-keys", str(tmp_path / "missing.toml"))
    assert r.returncode == 1 and "missing.toml" in r.stderr and "Traceback" not in r.stderr


def test_job_ids_survive_the_masking_sweep() -> None:
    # Every response is swept by privacy.mask_text, which masks runs of 11+ digits; a job id must never hold one.
    from shuangyong.server.jobs import new_job_id

    for _ in range(2000):
        job_id = new_job_id()
        assert mask_text(job_id) == job_id and len(job_id) == 32
