"""``shuangyong serve``: an HTTP API with an OpenAPI contract (optional extra ``server``: FastAPI + uvicorn).

``create_app(ServerConfig(job_dir=...))`` builds the ASGI application; see
docs/http-api.md for the endpoints, keys, limits and roster jobs.
"""

from __future__ import annotations

from .config import ApiKey, ServerConfig, load_api_keys

__all__ = ["ApiKey", "ServerConfig", "load_api_keys", "create_app"]


def create_app(config: ServerConfig) -> object:
    """The ASGI application (imports FastAPI: needs the ``server`` extra)."""
    from .app import create_app as _create

    return _create(config)
