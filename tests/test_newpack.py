"""``shuangyong new-pack``: the skeleton it writes works as generated.

The rendered pack's own tests are run in a subprocess with ``PYTHONPATH`` at
its ``src`` (no install needed).  Installing it with ``pip install --no-deps
-e`` runs only when ``SHUANGYONG_SLOW_TESTS=1``: it changes the environment
for the few seconds before it is uninstalled again.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import shuangyong as sy
from shuangyong.cli import packs as cli_packs
from shuangyong.cli.newpack import NewPackError, new_pack, render_pack, validate_pack_name


def _env(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    env.pop("SHUANGYONG_PACKS", None)
    return env


def _pytest(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark"], cwd=root, env=_env(root / "src"),
                          capture_output=True, text=True, timeout=300)


def test_skeleton_has_the_expected_files(tmp_path: Path) -> None:
    root = new_pack("laifeng", "422827", tmp_path)
    assert root == tmp_path / "laifeng"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "src/shuangyong_laifeng/__init__.py",
        "src/shuangyong_laifeng/parameters/laifeng_allowance.toml",
        "src/shuangyong_laifeng/rules.py",
        "tests/test_laifeng.py",
    ]
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == "shuangyong-laifeng"
    assert meta["project"]["entry-points"]["shuangyong.rulepacks"] == {"laifeng": "shuangyong_laifeng"}
    assert meta["tool"]["setuptools"]["package-data"] == {"shuangyong_laifeng": ["parameters/*.toml"]}


def test_parameter_file_is_dated_sourced_and_marked_assumption(tmp_path: Path) -> None:
    root = new_pack("laifeng", "422827", tmp_path)
    path = root / "src/shuangyong_laifeng/parameters/laifeng_allowance.toml"
    assert "TODO" in path.read_text(encoding="utf-8")
    from shuangyong.params import load_parameter_file

    (param,) = load_parameter_file(path, "422827", "laifeng")
    assert param.name == "laifeng_allowance.monthly_amount"
    assert [v.source.certainty for v in param.values] == ["assumption"]
    assert str(param.values[0].start) == "2024-01-01"


def test_rendered_pack_tests_pass_without_installing(tmp_path: Path) -> None:
    root = new_pack("laifeng", "422827", tmp_path)
    proc = _pytest(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout, proc.stdout


def test_township_pack_tests_pass_too(tmp_path: Path) -> None:
    # A 9-digit township code (illustrative) and a municipality: the other-region test must pick another province.
    root = new_pack("beichen_town", "120113101", tmp_path)
    proc = _pytest(root)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rendered_pack_loads_in_process_and_pays_100_a_month(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = new_pack("zz_inproc", "422827", tmp_path)
    monkeypatch.syspath_prepend(str(root / "src"))
    import importlib

    module = importlib.import_module("shuangyong_zz_inproc")
    engine = sy.Engine(plugins=[module])
    assert [p.name for p in engine.packs] == ["national", "zz_inproc"]
    first17 = "42282719600101001"
    person = sy.Person.from_record({"id_number": first17 + sy.ids.check_character(first17), "region": "422827", "categories": "残疾军人"})
    # 100 元/月 × 3 months (2024-01..03) = 300.00
    assert str(engine.entitlements(person, sy.parse_period("2024-01-01..2024-03-31"))["zz_inproc_allowance"].amount) == "300.00"


@pytest.mark.parametrize("bad", ["Laifeng", "1county", "lai-feng", "", "来凤", "a" * 41, "national", "shuangyong_x"])
def test_bad_names_are_refused_naming_the_argument(bad: str, tmp_path: Path) -> None:
    with pytest.raises(NewPackError) as info:
        new_pack(bad, "422827", tmp_path)
    assert info.value.field == "name"
    assert isinstance(info.value, sy.ShuangyongError)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("bad", ["99999", "990000", "4228", "42282710", "422827x"])
def test_bad_regions_are_refused(bad: str, tmp_path: Path) -> None:
    with pytest.raises(sy.InvalidRegionError) as info:
        new_pack("laifeng", bad, tmp_path)
    assert info.value.field == "region"
    assert not any(tmp_path.iterdir())


def test_existing_folder_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "laifeng").mkdir()
    (tmp_path / "laifeng" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(NewPackError) as info:
        new_pack("laifeng", "422827", tmp_path)
    assert info.value.field == "dest" and "already exists" in str(info.value)
    assert [p.name for p in (tmp_path / "laifeng").iterdir()] == ["keep.txt"]


@settings(max_examples=50, deadline=None)
@given(st.from_regex(r"[a-z][a-z0-9_]{0,39}", fullmatch=True))
def test_every_valid_name_renders_valid_toml_and_python(name: str) -> None:
    if name == "national" or name.startswith("shuangyong"):
        return
    files = render_pack(name, "422827")
    tomllib.loads(files["pyproject.toml"])
    tomllib.loads(files[f"src/shuangyong_{name}/parameters/{name}_allowance.toml"])
    for path, text in files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")


def test_installed_pack_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeEP:
        name = "taken"
        dist = None

    monkeypatch.setattr("shuangyong.cli.newpack.entry_points", lambda group: [FakeEP()])
    with pytest.raises(NewPackError, match="already installed"):
        validate_pack_name("taken")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shuangyong")
    cli_packs.add_commands(parser.add_subparsers())
    return parser


def test_cli_writes_the_pack_and_says_what_next(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["new-pack", "laifeng", "--region", "422827", "--dest", str(tmp_path), "--locale", "en"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "shuangyong-laifeng" in out and "python -m pytest" in out
    assert (tmp_path / "laifeng" / "pyproject.toml").exists()


def test_cli_refuses_bad_input_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["new-pack", "Bad", "--region", "422827", "--dest", str(tmp_path)])
    assert args.func(args) == 1
    assert "name 'Bad'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parser().parse_args(["new-pack", "laifeng"])  # --region is required


@pytest.mark.skipif(os.environ.get("SHUANGYONG_SLOW_TESTS") != "1", reason="installs into the environment; set SHUANGYONG_SLOW_TESTS=1")
def test_installed_skeleton_is_discovered_through_its_entry_point(tmp_path: Path) -> None:
    # A region no shipped pack covers, so other tests running meanwhile see no difference.
    name, region = "zz_newpack_smoke", "650102"
    root = new_pack(name, region, tmp_path)
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "install", "--no-deps", "-q", "-e", str(root)], check=True, capture_output=True, text=True, timeout=600)
    try:
        code = (
            "import shuangyong as sy; e = sy.Engine.from_plugins([%r]); "
            "assert [p.name for p in e.packs] == ['national', %r], e.packs; "
            "assert %r in {r.code for r in e.rules_for(%r)}; print('ok')" % (name, name, f"{name}_allowance", region)
        )
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.pop("SHUANGYONG_PACKS", None)
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and "ok" in proc.stdout, proc.stdout + proc.stderr
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark"], cwd=root, env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    finally:
        subprocess.run([*pip, "uninstall", "-y", "-q", f"shuangyong-{name.replace('_', '-')}"], capture_output=True, timeout=300)
