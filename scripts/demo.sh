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
$PY -m shuangyong demo "$@"
