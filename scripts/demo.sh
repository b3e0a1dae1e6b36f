#!/usr/bin/env bash
# Install the core and every rule pack, then run the main job on the bundled sample roster:
# a small county's 2024 entitlements with Chinese totals.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
args=(-e ".[office]")  # numpy and openpyxl: what a county office needs for a real roster
for pack in rulepacks/*/; do
    if [ -f "$pack/pyproject.toml" ]; then args+=(-e "$pack"); fi
done
$PY -m pip install --quiet --disable-pip-version-check "${args[@]}"
# An editable install leaves the sources uncompiled, and a machine with PYTHONDONTWRITEBYTECODE=1 would
# compile every module again in every command (about 0.35 s of CPU each): compile them once here.
$PY -m compileall -q src rulepacks >/dev/null
$PY -m shuangyong demo "$@"
