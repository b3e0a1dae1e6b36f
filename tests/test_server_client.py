"""Clients generated from the server's OpenAPI documents (not written by hand) call every operation.

OpenAPI Generator (pip ``openapi-generator-cli``, needs Java) makes a Python client
from ``/openapi.json`` (3.1) and a Java client (``java``, library ``native``) from
``/openapi-3.0.json``.  The Python client is imported and run here; the Java client
is compiled with ``javac`` and run with ``java`` when the Jackson jars it needs are in
the local Maven repository (``~/.m2``) — otherwise only its generation is checked.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from server_harness import KEY, LiveServer  # noqa: E402

from shuangyong.cli.main import SAMPLE_ROSTER  # noqa: E402

HERE = Path(__file__).resolve().parent
PERSON = {"身份证号": "422827196602070016", "行政区划代码": "422827", "户籍": "城镇", "类别": "残疾军人",
          "伤残等级": 8, "伤残性质": "因战", "评残时间": "1989-05-21"}


def _generator() -> list[str]:
    if shutil.which("java") is None:
        pytest.skip("no java: OpenAPI Generator needs Java")
    exe = Path(sys.executable).with_name("openapi-generator-cli")
    found = str(exe) if exe.exists() else shutil.which("openapi-generator-cli")
    if found is None:
        pytest.skip("openapi-generator-cli is not installed (pip install openapi-generator-cli)")
    return [found]


def generate(spec: Path, generator: str, out: Path, *extra: str) -> None:
    r = subprocess.run([*_generator(), "generate", "-i", str(spec), "-g", generator, "-o", str(out), *extra],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("client-server")) as s:
        yield s


def test_generated_python_client_calls_every_operation(server: LiveServer, tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_bytes(httpx.get(server.url + "/openapi.json").content)
    generate(spec, "python", tmp_path / "py", "--package-name", "sy_gen_client")
    sys.path.insert(0, str(tmp_path / "py"))
    try:
        c = importlib.import_module("sy_gen_client")
        client = c.ApiClient(c.Configuration(host=server.url, access_token=KEY))
        record = {k: c.RecordValue(v) for k, v in PERSON.items()}
        ent = c.EntitlementsApi(client)
        r = ent.compute_entitlements(c.EntitlementsRequest(record=record, period="2022-03"))
        # 八级 因战 20330 元/年 ÷ 12 = 1694.17 (one month); money is a decimal string, read exactly.
        assert Decimal(str(r.total)) == Decimal("1694.17")
        assert r.person.id_number == "4228**********0016"
        x = ent.explain_entitlements(c.ExplainRequest(record=record, period="2022-03", rule="disability_pension", lang="en"))
        assert "1,694.17" in x.text[0]
        ops = c.OperationsApi(client)
        assert ops.health().status == "ok" and ops.ready().status == "ready"
        params = c.ParametersApi(client)
        assert params.list_parameters().parameters
        assert params.get_parameter("disability_pension.annual_standard", region="422827", var_date="2022-03-01").level == "national"
        rules = c.RulesApi(client)
        assert rules.list_rules().rules and rules.list_packs().packs
        scoring = c.ScoringApi(client)
        assert isinstance(scoring.list_schemes().schemes, list)
        for call in (lambda: scoring.assess_evidence(c.AssessRequest(scheme="no-such-scheme", evidence={})),
                     lambda: scoring.rank_officers(c.RankRequest(scheme="no-such-scheme", officers=[]))):
            with pytest.raises(c.ApiException) as e:
                call()
            assert e.value.status == 404
        rosters = c.RostersApi(client)
        job = rosters.create_roster_job(period="2024", body=SAMPLE_ROSTER.read_text("utf-8-sig"), format="csv")
        deadline = time.monotonic() + 120
        while job.state not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.2)
            job = rosters.get_roster_job(job.id)
        assert job.state == "done" and job.rows_in == job.computed + job.rejected
        results = rosters.get_roster_results(job.id, format="csv")
        text = results.decode("utf-8-sig") if isinstance(results, (bytes, bytearray)) else Path(results).read_text("utf-8-sig")
        assert len(text.splitlines()) == job.computed + 1
        rejects = rosters.get_roster_rejects(job.id, format="jsonl")
        rtext = rejects.decode() if isinstance(rejects, (bytes, bytearray)) else Path(rejects).read_text("utf-8")
        assert len(rtext.splitlines()) == job.rejected
        assert rosters.get_roster_summary(job.id)["reconciled"] is True
        rosters.delete_roster_job(job.id)
        with pytest.raises(c.ApiException) as e:
            rosters.get_roster_job(job.id)
        assert e.value.status == 404
    finally:
        sys.path.remove(str(tmp_path / "py"))


def _jackson_classpath() -> str | None:
    repo = Path.home() / ".m2" / "repository"
    wanted = ["com/fasterxml/jackson/core/jackson-databind", "com/fasterxml/jackson/core/jackson-core",
              "com/fasterxml/jackson/core/jackson-annotations", "com/fasterxml/jackson/datatype/jackson-datatype-jsr310",
              "jakarta/annotation/jakarta.annotation-api", "com/google/code/findbugs/jsr305"]
    jars = []
    for w in wanted:
        found = sorted((repo / w).glob("*/*.jar")) if (repo / w).exists() else []
        found = [j for j in found if not j.name.endswith(("-sources.jar", "-javadoc.jar"))]
        if not found:
            return None
        jars.append(str(found[-1] if "jsr305" not in w else found[-1]))
    return ":".join(jars)


def test_generated_java_client_calls_every_operation(server: LiveServer, tmp_path: Path) -> None:
    spec = tmp_path / "openapi-3.0.json"
    spec.write_bytes(httpx.get(server.url + "/openapi-3.0.json").content)
    out = tmp_path / "java"
    generate(spec, "java", out, "--library", "native", "--additional-properties",
             "openApiNullable=false,useJakartaEe=true,invokerPackage=cn.shuangyong.client,"
             "apiPackage=cn.shuangyong.client.api,modelPackage=cn.shuangyong.client.model")
    model = (out / "src/main/java/cn/shuangyong/client/model/EntitlementsResponse.java").read_text("utf-8")
    assert "BigDecimal total" in model  # money is BigDecimal in Java, never double
    cp = _jackson_classpath()
    if cp is None or shutil.which("javac") is None:
        pytest.skip("generated the Java client; Jackson jars not in ~/.m2 (offline), so it was not compiled and run")
    classes = tmp_path / "classes"
    sources = [str(p) for p in (out / "src/main/java").rglob("*.java")] + [str(HERE / "java" / "ClientCheck.java")]
    r = subprocess.run(["javac", "-nowarn", "-encoding", "UTF-8", "-d", str(classes), "-cp", cp, *sources],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    r = subprocess.run(["java", "-cp", f"{cp}:{classes}", "ClientCheck", server.url, KEY, str(SAMPLE_ROSTER)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.startswith("OK"), r.stdout[-3000:] + r.stderr[-3000:]
