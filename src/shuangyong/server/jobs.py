"""Roster jobs: an uploaded roster computed in the background, its state and files kept on disk.

Each job is a folder ``<job_dir>/<id>/`` holding ``state.json``, the upload
(``input.csv`` / ``.jsonl`` / ``.xlsx``) and, when it is done,
``results.csv``, ``rejects.csv`` and ``summary.json`` (``.jsonl`` forms are
made from the CSV on first request).  Every file is written under a temporary
name in the same folder and renamed when whole, and ``state.json`` says
``done`` only after every result file is in place — so a server killed at any
moment never shows a half-written result as done.  A server that starts finds
jobs left ``queued`` or ``running`` by a process that is gone and marks them
``failed``.

State lives in files, not memory, so any worker process of ``serve
--workers N`` answers ``GET /rosters/{id}``; the job runs in the process that
accepted it, one job at a time per process (the computation is CPU-bound).
"""

from __future__ import annotations

import csv
import json
import os
import queue
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import ShuangyongError
from ..outputs import atomic_file
from .masking import mask_text
from .problems import log_unexpected, problem_for_error

__all__ = ["JobStore", "JOB_STATES", "INPUT_FORMATS", "JobCancelled"]

JOB_STATES = ("queued", "running", "done", "failed")
#: upload format → file suffix
INPUT_FORMATS = {"csv": ".csv", "jsonl": ".jsonl", "xlsx": ".xlsx", "parquet": ".parquet"}


def readable_formats() -> set[str]:
    """The upload formats the installed roster reader takes (Parquet only where the reader has it)."""
    from ..roster.reading import FORMATS

    return {f for f, suffix in INPUT_FORMATS.items() if suffix in FORMATS}
_ID = re.compile(r"^[0-9a-f]{32}$")


#: A run of digits the masking sweep of every response would take for personal data (privacy.mask_text).
_LONG_DIGIT_RUN = re.compile(r"\d{11}")


def new_job_id() -> str:
    """A random job id (32 hex characters) with no run of 11 digits, so that masking never touches it."""
    while True:
        job_id = uuid.uuid4().hex
        if _LONG_DIGIT_RUN.search(job_id) is None:
            return job_id


class JobCancelled(Exception):
    """Raised inside a running job when the server is shutting down and its grace time is over."""


def _write_json(path: Path, data: Any) -> None:
    with atomic_file(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobStore:
    """The job folder of a server process: creates jobs, runs them one by one, answers their state."""

    def __init__(self, root: str | os.PathLike[str], make_engine: Callable[[], Any]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.make_engine = make_engine
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._cancel = threading.Event()
        self._current: str | None = None
        self._pending: set[str] = set()
        self._thread: threading.Thread | None = None
        self._engine: Any = None

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> None:
        """Mark jobs orphaned by a stopped process as failed, then start the worker thread."""
        self.recover()
        self._thread = threading.Thread(target=self._work, name="shuangyong-jobs", daemon=True)
        self._thread.start()

    def recover(self) -> int:
        n = 0
        for d in sorted(self.root.iterdir()) if self.root.exists() else []:
            if not _ID.match(d.name):
                continue
            st = self._read_state(d.name)
            if st is None or st["state"] in ("done", "failed"):
                continue
            if not _pid_alive(int(st.get("pid", 0))) or st.get("pid") == os.getpid():
                self._fail(d.name, "interrupted", "the server stopped before the job finished (服务停止，作业未完成); submit it again")
                n += 1
        return n

    def shutdown(self, grace: float) -> None:
        """Let the running job finish within ``grace`` seconds; then cancel it; jobs not started are marked failed."""
        with self._lock:
            pending = list(self._pending)
            self._pending.clear()
        for job_id in pending:
            self._fail(job_id, "shutdown", "the server stopped before the job started (服务停止，作业未开始); submit it again")
        self._queue.put(None)
        t = self._thread
        if t is None:
            return
        t.join(grace)
        if t.is_alive():
            self._cancel.set()
            t.join(5.0)
        current = self._current
        if t.is_alive() and current is not None:
            self._fail(current, "shutdown", "the server stopped during the job (服务停止，作业未完成); submit it again")

    def ready(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and os.access(self.root, os.W_OK)

    # -- jobs -------------------------------------------------------------------------
    def path(self, job_id: str) -> Path:
        if not _ID.match(job_id):
            raise KeyError(job_id)
        return self.root / job_id

    def new_upload(self, fmt: str) -> tuple[str, Path]:
        """A new job id and the path its upload is streamed to (under a temporary name)."""
        job_id = new_job_id()
        d = self.root / job_id
        d.mkdir(mode=0o700)
        return job_id, d / f".upload{INPUT_FORMATS[fmt]}.tmp"

    def discard(self, job_id: str) -> None:
        shutil.rmtree(self.root / job_id, ignore_errors=True)

    def submit(self, job_id: str, owner: str, fmt: str, period: str, region: str | None,
               overrides: list[str], versions: dict[str, Any], bytes_in: int) -> dict[str, Any]:
        d = self.path(job_id)
        os.replace(d / f".upload{INPUT_FORMATS[fmt]}.tmp", d / f"input{INPUT_FORMATS[fmt]}")
        state = {
            "id": job_id, "state": "queued", "owner": owner, "pid": os.getpid(), "created": time.time(),
            "started": None, "finished": None, "format": fmt, "period": period, "region": region,
            "overrides": overrides, "bytes_in": bytes_in, "progress": {"done": 0, "total": None},
            "rows_in": None, "computed": None, "rejected": None, "total": None, "error": None, "versions": versions,
        }
        _write_json(d / "state.json", state)
        with self._lock:
            self._pending.add(job_id)
        self._queue.put(job_id)
        return state

    def state(self, job_id: str) -> dict[str, Any] | None:
        try:
            self.path(job_id)
        except KeyError:
            return None
        return self._read_state(job_id)

    def _read_state(self, job_id: str) -> dict[str, Any] | None:
        try:
            with open(self.root / job_id / "state.json", encoding="utf-8") as fh:
                data: dict[str, Any] = json.load(fh)
                return data
        except (OSError, ValueError):
            return None

    def _update(self, job_id: str, **changes: Any) -> dict[str, Any] | None:
        with self._state_lock:
            st = self._read_state(job_id)
            if st is None:
                return None
            if st["state"] in ("done", "failed"):
                return st  # a finished job never changes again (a late "done" after a shutdown "failed" is refused)
            st.update(changes)
            _write_json(self.root / job_id / "state.json", st)
            return st

    def _fail(self, job_id: str, field: str, reason: str) -> None:
        self._update(job_id, state="failed", finished=time.time(), error={"field": field, "reason": reason})
        self._drop_upload(job_id)

    def _drop_upload(self, job_id: str) -> None:
        # The upload holds ID numbers and names in clear; the results keep only masked ones. Once a job has
        # ended nothing needs the upload, so nothing unmasked stays on disk.
        d = self.root / job_id
        for p in d.glob("input.*"):
            try:
                p.unlink()
            except OSError:
                pass

    def delete(self, job_id: str) -> bool:
        """Remove a finished job and its files; False when it is still queued or running."""
        st = self.state(job_id)
        if st is None:
            raise KeyError(job_id)
        if st["state"] not in ("done", "failed"):
            return False
        shutil.rmtree(self.root / job_id, ignore_errors=True)
        return True

    # -- files ------------------------------------------------------------------------
    def result_file(self, job_id: str, kind: str, fmt: str) -> Path | None:
        """The finished file ``kind`` (results / rejects) in ``fmt`` (csv / jsonl / parquet), made on first request."""
        d = self.path(job_id)
        csv_path = d / f"{kind}.csv"
        if fmt == "csv":
            return csv_path if csv_path.exists() else None
        out = d / f"{kind}.{fmt}"
        if not out.exists() and csv_path.exists():
            (_csv_to_parquet if fmt == "parquet" else _csv_to_jsonl)(csv_path, out, kind)
        return out if out.exists() else None

    # -- the worker -----------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            with self._lock:
                if job_id not in self._pending:
                    continue
                self._pending.discard(job_id)
                self._current = job_id
            try:
                self._run(job_id)
            except JobCancelled:
                self._fail(job_id, "shutdown", "the server stopped during the job (服务停止，作业未完成); submit it again")
            except ShuangyongError as e:
                _, fields = problem_for_error(e)
                self._fail(job_id, str(fields.get("field", "roster")), mask_text(str(fields.get("reason") or e)))
            except Exception as e:  # a job never takes the worker down; the client sees a masked reason
                log_unexpected(e, f"roster job {job_id}")
                self._fail(job_id, "internal", f"the job met an unexpected error ({type(e).__name__}); it has been logged")
            finally:
                self._current = None

    def _run(self, job_id: str) -> None:
        from ..roster.run import run_roster

        d = self.root / job_id
        st = self._update(job_id, state="running", started=time.time(), pid=os.getpid())
        if st is None:
            return
        if self._engine is None:
            self._engine = self.make_engine()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if self._cancel.is_set():
                raise JobCancelled()
            now = time.monotonic()
            if now - last[0] >= 0.5 or done == total:
                last[0] = now
                self._update(job_id, progress={"done": done, "total": total})

        src = d / f"input{INPUT_FORMATS[st['format']]}"
        run = run_roster(self._engine, src, st["period"], region=st.get("region"),
                         overrides=st.get("overrides") or None, progress=progress)
        if self._cancel.is_set():
            raise JobCancelled()
        tmp = d / ".results.csv.part"
        run.write_results(tmp, "csv")  # the library writes in place: rename when whole
        os.replace(tmp, d / "results.csv")
        tmp = d / ".rejects.csv.part"
        run.write_rejects(tmp, "csv")
        os.replace(tmp, d / "rejects.csv")
        summary = run.summary()
        summary["source"] = f"upload {job_id}"
        _write_json(d / "summary.json", summary)
        if self._cancel.is_set():
            raise JobCancelled()
        self._update(job_id, state="done", finished=time.time(), progress={"done": run.rows_in, "total": run.rows_in},
                     rows_in=run.rows_in, computed=run.computed, rejected=run.rejected, total=str(run.total))
        self._drop_upload(job_id)


def _csv_records(src: Path) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """The header and the rows of a finished (already masked) CSV: ``row`` a number, blanks ``None``, the rest text."""
    fh = open(src, encoding="utf-8-sig", newline="")
    reader = csv.reader(fh)
    header = next(reader, None) or []

    def rows() -> Iterator[dict[str, Any]]:
        with fh:
            for row in reader:
                yield {k: int(v) if k == "row" and v.isdigit() else (v if v != "" else None) for k, v in zip(header, row)}

    return header, rows()


def _csv_to_jsonl(src: Path, out: Path, kind: str = "results") -> None:
    """JSON Lines from a finished CSV, row by row; amounts stay decimal strings, blanks → null."""
    header, rows = _csv_records(src)
    with atomic_file(out, "w", encoding="utf-8") as w:
        for rec in rows:
            w.write(json.dumps(rec, ensure_ascii=False))
            w.write("\n")


def _csv_to_parquet(src: Path, out: Path, kind: str = "results") -> None:
    """Parquet (extra ``arrow``) from a finished CSV: amounts exact ``decimal128(18, 2)``, ``row`` int64, text as text."""
    from ..arrow import rows_table, write_parquet

    header, rows = _csv_records(src)
    money = [h for h in header if h not in ("row", "id_number")] if kind == "results" else []
    write_parquet(rows_table(header, rows, money=money), out)
