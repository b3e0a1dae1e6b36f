#!/usr/bin/env bash
# Install the core, every rule pack and the test tools, check types (mypy on src/), then run the whole test suite:
# the core's tests and every rule pack's own tests, in one pytest run. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
args=(-e ".[test,typecheck]")
for pack in rulepacks/*/; do
    if [ -f "$pack/pyproject.toml" ]; then args+=(-e "$pack"); fi
done
$PY -m pip install --quiet --disable-pip-version-check "${args[@]}"
# An editable install leaves the sources uncompiled, and a machine with PYTHONDONTWRITEBYTECODE=1 would
# compile every module again in every command (about 0.35 s of CPU each): compile them once here.
$PY -m compileall -q src rulepacks >/dev/null
# The package promises py.typed: types are checked first (configuration and exceptions: [tool.mypy] in pyproject.toml).
$PY -m mypy
exec $PY -m pytest -q tests rulepacks "$@"
