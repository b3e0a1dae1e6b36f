"""WSGI entry for OpenFisca's web API on the benchmark model (what ``openfisca serve`` runs, for ``ofmodel``).

``openfisca serve`` needs an installed country package; the benchmark model is a
folder, so ``benchmarks/server.py`` runs gunicorn on this module the way
``openfisca serve`` does: ``gunicorn --chdir benchmarks ofserve:app``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ofmodel  # noqa: E402
from openfisca_web_api.app import create_app  # noqa: E402

app = create_app(ofmodel.build_system())
