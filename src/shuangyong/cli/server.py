"""``shuangyong serve``: run the HTTP API (extra ``server``: FastAPI + uvicorn).

API keys come from ``SHUANGYONG_API_KEYS`` (comma-separated) and/or
``--api-keys FILE``; the server refuses to start without one unless
``--insecure-no-auth`` is given.  Roster jobs and their files live in
``--job-dir``.  SIGTERM / Ctrl-C stop taking requests, let a running roster
job finish within ``--job-grace`` seconds and mark it failed otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any

__all__ = ["add_commands", "run_serve"]


def add_commands(subparsers: Any) -> None:
    """Add the ``serve`` subcommand."""
    p = subparsers.add_parser(
        "serve",
        help="运行 HTTP API 服务 run the HTTP API (OpenAPI at /openapi.json)",
        description="运行 HTTP API 服务（需要 server 扩展）。Run the HTTP API; needs the `server` extra (pip install 'shuangyong[server]').",
    )
    p.add_argument("--host", default="127.0.0.1", help="监听地址 address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="端口 port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="工作进程数 worker processes (default 1)")
    p.add_argument("--api-keys", default=None, metavar="FILE",
                   help="API 密钥文件 key file (.toml with [[key]] tables, or one key per line); also env SHUANGYONG_API_KEYS")
    p.add_argument("--job-dir", default=None,
                   help="花名册作业目录 folder for roster jobs (default: $XDG_STATE_HOME/shuangyong/jobs or a temp folder)")
    p.add_argument("--job-grace", type=float, default=30.0,
                   help="停止时等待作业的秒数 seconds a running job may finish at shutdown before it is marked failed")
    p.add_argument("--packs", default=None, help="只加载这些规则包 comma-separated pack names (default: all installed)")
    p.add_argument("--ledger", default=None, metavar="FILE",
                   help="发放台账文件 the ledger file for POST /payments, GET /payments/{period}, POST /arrears "
                        "(default: $SHUANGYONG_LEDGER; none: those answer 404)")
    p.add_argument("--no-access-log", action="store_true", help="不写访问日志 no access log lines")
    p.add_argument("--http", choices=("h11", "httptools"), default="httptools",
                   help="HTTP 解析器 HTTP parser: httptools (default; a third of h11's CPU per request; requests asking "
                        "for an HTTP/2 upgrade, as Java's java.net.http client sends, are answered in HTTP/1.1) or h11")
    p.add_argument("--insecure-no-auth", action="store_true",
                   help="不要求 API 密钥（仅限本机测试） serve without API keys (local testing only)")
    p.set_defaults(func=run_serve)


def _default_job_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    path = os.path.join(base, "shuangyong", "jobs")
    try:
        os.makedirs(path, exist_ok=True)
        return path
    except OSError:
        return tempfile.mkdtemp(prefix="shuangyong-jobs-")


def run_serve(args: argparse.Namespace) -> int:
    """Start uvicorn with the application; returns the exit status."""
    from ..errors import ShuangyongError

    try:
        import uvicorn  # noqa: F401
        import fastapi  # noqa: F401
    except ImportError:
        from ..extras import install_hint

        print(f"shuangyong serve: 需要 server 扩展 the server extra is not installed: {install_hint('server')}", file=sys.stderr)
        return 1
    from ..server.config import ENV_CONFIG, ServerConfig, load_api_keys

    if args.workers < 1 or not (0 < args.port < 65536):
        print("shuangyong serve: --workers must be ≥ 1 and --port 1..65535", file=sys.stderr)
        return 2
    packs = tuple(s for s in (args.packs or "").split(",") if s) or None
    config = ServerConfig(job_dir=os.path.abspath(args.job_dir or _default_job_dir()),
                          api_keys_file=os.path.abspath(args.api_keys) if args.api_keys else None, packs=packs,
                          auth=not args.insecure_no_auth, job_grace_seconds=args.job_grace, access_log=not args.no_access_log,
                          ledger=_ledger_path(args.ledger))
    try:
        keys = load_api_keys(config.api_keys_file)  # checked here so a bad key file fails before uvicorn starts
        if config.auth and not keys:
            raise ShuangyongError("no API keys: set SHUANGYONG_API_KEYS or give --api-keys FILE (--insecure-no-auth for local tests)")
        os.makedirs(config.job_dir, exist_ok=True)
    except ShuangyongError as e:
        print(f"shuangyong serve: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"shuangyong serve: --job-dir {config.job_dir}: {e.strerror or e}", file=sys.stderr)
        return 1
    if config.ledger is not None:
        try:
            from ..ledger import open as open_ledger

            open_ledger(config.ledger).close()  # created or migrated here, so a bad path fails before uvicorn starts
        except (ShuangyongError, OSError) as e:
            print(f"shuangyong serve: --ledger {config.ledger}: {e}", file=sys.stderr)
            return 1
    os.environ[ENV_CONFIG] = config.to_env()
    import uvicorn

    from ..server.protocol import uvicorn_http

    # The factory runs in each worker process and reads the settings from the environment.
    uvicorn.run("shuangyong.server.app:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info", access_log=False, http=uvicorn_http(args.http), timeout_graceful_shutdown=max(1, int(args.job_grace) + 5),
                server_header=False)
    return 0


def _ledger_path(given: str | None) -> str | None:
    from ..server.config import ENV_LEDGER

    path = given or os.environ.get(ENV_LEDGER) or None
    return os.path.abspath(path) if path else None
