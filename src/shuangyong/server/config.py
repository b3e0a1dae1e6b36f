"""Server configuration: API keys with their limits and permissions, and the server's own settings.

Keys come from the environment variable ``SHUANGYONG_API_KEYS`` (comma-separated
keys, default limits, no reveal permission) and/or a file given with
``--api-keys FILE``:

* a ``.toml`` file with ``[[key]]`` tables: ``key`` (required), ``name``,
  ``reveal`` (may this key see IDs and names in full when a request asks),
  ``pay`` (may this key record payments in the ledger: ``POST /payments``),
  ``rate_per_minute``, ``burst``, ``max_body_bytes`` (JSON requests),
  ``max_upload_bytes`` (roster uploads);
* any other file: one key per line, ``#`` starts a comment.

A key is never logged or shown; the key's ``name`` (or a short digest) is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from attrs import evolve, field, frozen

from ..errors import ShuangyongError

__all__ = ["ApiKey", "ServerConfig", "load_api_keys", "KeyRing", "ENV_KEYS", "ENV_CONFIG", "ENV_LEDGER"]

#: Environment variable holding comma-separated API keys.
ENV_KEYS = "SHUANGYONG_API_KEYS"
#: Environment variable the ``serve`` command uses to hand its settings to uvicorn worker processes.
ENV_CONFIG = "SHUANGYONG_SERVER_CONFIG"
#: Environment variable naming the ledger file the payment endpoints use (``serve --ledger`` overrides it).
ENV_LEDGER = "SHUANGYONG_LEDGER"

_MIN_KEY_LENGTH = 16


@frozen(kw_only=True)
class ApiKey:
    """One API key and what it may do."""

    key: str = field(repr=False)
    name: str
    reveal: bool = False
    pay: bool = False  # may record payments in the ledger (POST /payments)
    rate_per_minute: int = 6000
    burst: int = 200
    max_body_bytes: int = 1 << 20
    max_upload_bytes: int = 256 << 20

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.key.encode("utf-8")).digest()


def _short_name(key: str) -> str:
    return "key-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]


def _check_key(key: str, where: str) -> str:
    key = key.strip()
    if len(key) < _MIN_KEY_LENGTH or any(c.isspace() for c in key) or not key.isprintable():
        raise ShuangyongError(f"{where}: an API key must be at least {_MIN_KEY_LENGTH} printable characters without spaces")
    return key


def load_api_keys(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> list[ApiKey]:
    """The keys from ``SHUANGYONG_API_KEYS`` (in ``env``, default ``os.environ``) and the file ``path``."""
    env = os.environ if env is None else env
    keys: list[ApiKey] = []
    for i, raw in enumerate((env.get(ENV_KEYS) or "").split(","), start=1):
        if raw.strip():
            k = _check_key(raw, f"{ENV_KEYS} item {i}")
            keys.append(ApiKey(key=k, name=_short_name(k)))
    if path is not None:
        keys.extend(_keys_from_file(Path(path)))
    seen: set[bytes] = set()
    names: set[str] = set()
    for key in keys:
        if key.digest in seen:
            raise ShuangyongError(f"API key {key.name} is configured twice")
        if key.name in names:
            raise ShuangyongError(f"API key name {key.name!r} is used twice")
        seen.add(key.digest)
        names.add(key.name)
    return keys


def _keys_from_file(path: Path) -> list[ApiKey]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ShuangyongError(f"--api-keys {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ShuangyongError(f"--api-keys {path}: not UTF-8 text") from None
    if path.suffix.lower() != ".toml":
        out = []
        for n, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0].strip()
            if line:
                k = _check_key(line, f"{path.name} line {n}")
                out.append(ApiKey(key=k, name=_short_name(k)))
        return out
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ShuangyongError(f"--api-keys {path.name}: {e}") from None
    tables = data.get("key", [])
    if not isinstance(tables, list):
        raise ShuangyongError(f"--api-keys {path.name}: expected [[key]] tables")
    out = []
    allowed = {"key", "name", "reveal", "pay", "rate_per_minute", "burst", "max_body_bytes", "max_upload_bytes"}
    for i, t in enumerate(tables, start=1):
        where = f"{path.name} [[key]] #{i}"
        if not isinstance(t, dict) or not isinstance(t.get("key"), str):
            raise ShuangyongError(f"{where}: needs key = \"...\"")
        unknown = set(t) - allowed
        if unknown:
            raise ShuangyongError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
        k = _check_key(t["key"], where)
        kw: dict[str, Any] = {"key": k, "name": str(t.get("name") or _short_name(k))}
        for flag in ("reveal", "pay"):
            if flag in t:
                if not isinstance(t[flag], bool):
                    raise ShuangyongError(f"{where}: {flag} must be true or false")
                kw[flag] = t[flag]
        for setting in ("rate_per_minute", "burst", "max_body_bytes", "max_upload_bytes"):
            if setting in t:
                v = t[setting]
                if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                    raise ShuangyongError(f"{where}: {setting} must be a positive whole number")
                kw[setting] = v
        out.append(ApiKey(**kw))
    return out


class KeyRing:
    """Finds the key a request presents, comparing against every configured key in constant time."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self.keys = tuple(keys)
        self._digests = tuple((k.digest, k) for k in self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, presented: str) -> ApiKey | None:
        # Digests have one length, and every key is compared: the time taken says nothing about which key
        # (or how much of one) matched.
        d = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest()
        found = None
        for digest, key in self._digests:
            if hmac.compare_digest(d, digest):
                found = key
        return found


@frozen(kw_only=True)
class ServerConfig:
    """What ``create_app`` needs; ``serve`` builds it from the command line."""

    job_dir: str
    api_keys_file: str | None = None
    packs: tuple[str, ...] | None = None
    auth: bool = True
    job_grace_seconds: float = 30.0
    access_log: bool = True
    ledger: str | None = None  # the ledger file for /payments and /arrears; None: those answer 404
    keys: tuple[ApiKey, ...] | None = field(default=None, repr=False)  # given directly (tests); else loaded

    def load_keys(self) -> list[ApiKey]:
        if self.keys is not None:
            return list(self.keys)
        return load_api_keys(self.api_keys_file)

    def to_env(self) -> str:
        """JSON for ``SHUANGYONG_SERVER_CONFIG`` (never the keys themselves: workers read them again)."""
        return json.dumps({"job_dir": self.job_dir, "api_keys_file": self.api_keys_file,
                           "packs": list(self.packs) if self.packs is not None else None, "auth": self.auth,
                           "job_grace_seconds": self.job_grace_seconds, "access_log": self.access_log,
                           "ledger": self.ledger})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerConfig:
        env = os.environ if env is None else env
        raw = env.get(ENV_CONFIG)
        if not raw:
            raise ShuangyongError(f"{ENV_CONFIG} is not set; start the server with `shuangyong serve`")
        d = json.loads(raw)
        packs = d.get("packs")
        return cls(job_dir=d["job_dir"], api_keys_file=d.get("api_keys_file"), packs=tuple(packs) if packs is not None else None,
                   auth=bool(d.get("auth", True)), job_grace_seconds=float(d.get("job_grace_seconds", 30.0)),
                   access_log=bool(d.get("access_log", True)), ledger=d.get("ledger") or None)

    def with_keys(self, keys: Iterable[ApiKey]) -> ServerConfig:
        return evolve(self, keys=tuple(keys))
