#!/usr/bin/env bash
# Install the core, every rule pack and the test tools, then run every test suite
# (the core's and each pack's own). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
args=(-e ".[test]")
for pack in rulepacks/*/; do
    if [ -f "$pack/pyproject.toml" ]; then args+=(-e "$pack"); fi
done
$PY -m pip install --quiet --disable-pip-version-check "${args[@]}"
status=0
$PY -m pytest -q tests || status=$?
for pack in rulepacks/*/; do
    if [ -d "$pack/tests" ]; then
        echo "== rule pack tests: $pack"
        (cd "$pack" && $PY -m pytest -q tests) || status=$?
    fi
done
exit $status
