"""HTTP API throughput and latency: ``shuangyong serve`` against OpenFisca's web API, side by side.

* Starts ``shuangyong serve`` (uvicorn) on a free localhost port, and OpenFisca's web
  API on the benchmark model (``ofserve.py`` under gunicorn, as ``openfisca serve``
  does), each with ``--workers`` processes.
* Drives each with a real HTTP/1.1 client — keep-alive connections, one per client, no pipelining (``--client sockets``: one ``selectors`` loop,
  the default; ``--client asyncio``: asyncio streams) — at 1, 8 and 32 concurrent clients for
  ``--seconds`` each after a warm-up: one person's ``POST /entitlements`` (year) and
  the same person's ``POST /calculate`` (``national_benefits`` for the year).
* Prints p50 / p99 latency and requests per second, and the ratio; then the same
  person's amounts from both, so the comparison is of equal work.
* ``--roster-rows N`` (0 = skip): a roster of N synthetic rows computed by
  ``shuangyong entitle`` (CLI) and by a ``POST /rosters`` job (upload → done), wall time.

The load generator shares the machine's cores with the servers, so the figures are a
lower bound of what a server alone would do.  Nothing here asserts a time.

Run:  python benchmarks/server.py [--seconds 5] [--clients 1,8,32] [--workers 1] [--http h11|httptools]
      [--client sockets|asyncio] [--roster-rows 1000000] [--no-openfisca]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
KEY = "benchmark-key-0000000001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, path: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            if c.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def start_shuangyong(workers: int, job_dir: str, http: str = "h11") -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    keys = Path(job_dir) / "keys.toml"
    keys.write_text(f'[[key]]\nkey = "{KEY}"\nname = "bench"\nrate_per_minute = 100000000\nburst = 1000000\n'
                    f'max_upload_bytes = 2000000000\n', encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "shuangyong", "serve", "--port", str(port), "--workers", str(workers),
                             "--api-keys", str(keys), "--job-dir", str(Path(job_dir) / "jobs"), "--no-access-log", "--http", http],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up(port, "/healthz", proc)
    return proc, port


def start_openfisca(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--chdir", str(HERE), "-w", str(workers), "-b",
                             f"127.0.0.1:{port}", "--log-level", "warning", "ofserve:app"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_up(port, "/spec", proc)
    return proc, port


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def cpu_seconds(root: int) -> float:
    """User + system CPU seconds of process ``root`` and its descendants so far (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    procs: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").exists() else []:
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        procs[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += procs.get(pid, (0, 0.0))[1]
        todo.extend(p for p, (ppid, _) in procs.items() if ppid == pid)
    return total


def request_bytes(path: str, body: dict[str, Any], key: str | None) -> bytes:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    if key:
        head += f"Authorization: Bearer {key}\r\n"
    return (head + "\r\n").encode("ascii") + data


async def _client(port: int, req: bytes, stop_at: float, lat: list[float], errors: list[int]) -> None:
    # Keep-alive when the server allows it; a server that closes after each answer (gunicorn's sync
    # workers) is reconnected, and the connection time counts in that request's latency.
    reader = writer = None
    try:
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            close = False
            for line in head.split(b"\r\n"):
                low = line.lower()
                if low.startswith(b"content-length:"):
                    length = int(line[15:])
                elif low.startswith(b"connection:") and b"close" in low:
                    close = True
            if length:
                await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(status)
            if close:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


async def _load(port: int, req: bytes, clients: int, seconds: float) -> tuple[list[float], list[int], float]:
    lat: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, req, start + seconds, lat, errors) for _ in range(clients)))
    return lat, errors, time.perf_counter() - start


class _Conn:
    """One client connection of the socket load generator: a request out, its answer read, again."""

    __slots__ = ("sock", "buf", "t0", "need", "close")

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = b""
        self.t0 = 0.0
        self.need = -1  # bytes of the whole answer once its head is read; -1 while reading the head
        self.close = False  # the server said Connection: close


def _load_sockets(port: int, req: bytes, clients: int, seconds: float) -> tuple[list[float], list[int], float]:
    """The load generator: non-blocking sockets and one ``selectors`` loop, keep-alive, no pipelining.

    Cheaper per request than asyncio streams, so less of the shared cores goes to the client.  A
    server that closes after each answer (gunicorn's sync workers) is reconnected, the connection
    time counted in that request's latency — the same rules for both servers.
    """
    import selectors

    sel = selectors.DefaultSelector()
    lat: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    stop_at = start + seconds

    def begin(c: _Conn | None) -> None:
        if c is None:
            c = _Conn(port)
            sel.register(c.sock, selectors.EVENT_READ, c)
        c.t0 = time.perf_counter()
        c.sock.sendall(req)  # a few hundred bytes: the socket buffer takes them at once

    for _ in range(clients):
        begin(None)
    active = clients
    while active:
        for key, _ in sel.select(1.0):
            c = key.data
            chunk = c.sock.recv(262144)
            if not chunk:
                raise SystemExit("the server closed a connection before answering")
            c.buf += chunk
            if c.need < 0:
                end = c.buf.find(b"\r\n\r\n")
                if end < 0:
                    continue
                length = 0
                for line in c.buf[:end].split(b"\r\n")[1:]:
                    low = line.lower()
                    if low.startswith(b"content-length:"):
                        length = int(line[15:])
                    elif low.startswith(b"connection:") and b"close" in low:
                        c.close = True
                c.need = end + 4 + length
            need = c.need
            if len(c.buf) < need:
                continue
            now = time.perf_counter()
            lat.append(now - c.t0)
            status = int(c.buf[9:12])
            if status != 200:
                errors.append(status)
            c.buf, c.need = c.buf[need:], -1
            if c.close:
                sel.unregister(c.sock)
                c.sock.close()
                if now < stop_at:
                    begin(None)
                else:
                    active -= 1
            elif now < stop_at:
                begin(c)
            else:
                sel.unregister(c.sock)
                c.sock.close()
                active -= 1
    sel.close()
    return lat, errors, time.perf_counter() - start


CLIENT = "sockets"


def measure(port: int, req: bytes, clients: int, seconds: float, pid: int) -> dict[str, float]:
    def load(s: float) -> tuple[list[float], list[int], float]:
        if CLIENT == "asyncio":
            return asyncio.run(_load(port, req, clients, s))
        return _load_sockets(port, req, clients, s)

    load(min(1.0, seconds))  # warm-up (caches, connections)
    cpu0, client0 = cpu_seconds(pid), time.process_time()
    lat, errors, elapsed = load(seconds)
    cpu, client = cpu_seconds(pid) - cpu0, time.process_time() - client0
    if errors:
        raise SystemExit(f"{len(errors)} non-200 answers, e.g. {errors[0]}")
    lat.sort()
    return {"n": len(lat), "rps": len(lat) / elapsed, "p50": statistics.median(lat) * 1000,
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, "cpu": cpu / len(lat) * 1000 if lat else 0.0,
            "client": client / len(lat) * 1000 if lat else 0.0}


def one_call(port: int, req: bytes) -> Any:
    async def go() -> Any:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(req)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(x[15:]) for x in head.split(b"\r\n") if x[:15].lower() == b"content-length:")
        body = await reader.readexactly(length)
        writer.close()
        return json.loads(body)
    return asyncio.run(go())


def roster_file(rows: int, folder: Path) -> Path:
    from shuangyong.ids import check_character

    path = folder / f"roster-{rows}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("身份证号,行政区划代码,户籍,类别,伤残等级,伤残性质,评残时间\r\n")
        for i in range(rows):
            day = i // 500
            y, rest = 1940 + day // 336, day % 336
            first17 = f"{['422827', '370830', '320102', '510104'][i % 4]}{y}{rest // 28 + 1:02d}{rest % 28 + 1:02d}{i % 500 * 2 + 1:03d}"[:17]
            fh.write(f"{first17}{check_character(first17)},{first17[:6]},{'农村' if i % 2 else '城镇'},残疾军人,"
                     f"{i % 10 + 1},{'因战' if i % 3 else '因公'},20{10 + i % 10}-0{i % 9 + 1}-15\r\n")
    return path


def roster_run(port: int, path: Path, folder: Path) -> tuple[float, float, dict[str, Any]]:
    import http.client

    t0 = time.perf_counter()
    out = folder / "cli-results.csv"
    subprocess.run([sys.executable, "-m", "shuangyong", "entitle", str(path), "--period", "2024", "--out", str(out), "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    cli = time.perf_counter() - t0
    t0 = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    with open(path, "rb") as fh:
        c.request("POST", "/rosters?period=2024", body=fh, headers={"Authorization": f"Bearer {KEY}", "Content-Type": "text/csv",
                                                                    "Content-Length": str(path.stat().st_size)})
    r = c.getresponse()
    job = json.loads(r.read())
    if r.status != 202:
        raise SystemExit(f"upload refused: {job}")
    while True:
        c.request("GET", f"/rosters/{job['id']}", headers={"Authorization": f"Bearer {KEY}"})
        st = json.loads(c.getresponse().read())
        if st["state"] in ("done", "failed"):
            break
        time.sleep(0.2)
    server = time.perf_counter() - t0
    return cli, server, st


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--roster-rows", type=int, default=0)
    ap.add_argument("--no-openfisca", action="store_true")
    ap.add_argument("--http", choices=("h11", "httptools"), default="httptools", help="shuangyong serve --http (default httptools, as serve)")
    ap.add_argument("--client", choices=("sockets", "asyncio"), default="sockets",
                    help="load generator: non-blocking sockets in one selectors loop (default, cheaper) or asyncio streams")
    args = ap.parse_args()
    global CLIENT
    CLIENT = args.client
    levels = [int(x) for x in args.clients.split(",")]

    import ofmodel

    cols = ofmodel.make_situation(40, seed=7, year=args.year)
    records = ofmodel.to_records(cols, range(40))
    import shuangyong as sy

    engine = sy.Engine()
    # The person with the most rules paying: equal and non-trivial work on both sides.
    best = max(range(40), key=lambda i: sum(e.eligible for e in engine.entitlements(sy.Person.from_record(records[i]), sy.Period.year(args.year))))
    record = {k: (str(v) if not isinstance(v, (str, int, bool)) and v is not None else v) for k, v in records[best].items()}
    sy_req = request_bytes("/entitlements", {"record": record, "period": str(args.year)}, KEY)
    of_req = request_bytes("/calculate", ofmodel.person_situation(cols, best, args.year), None)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; {args.workers} server worker(s), --http {args.http}; "
          f"{args.seconds:.0f} s per level; client = {args.client} keep-alive connections in this process (shares the cores)")

    results: dict[str, dict[int, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = start_shuangyong(args.workers, tmp, args.http)
        try:
            answer = one_call(port, sy_req)
            print(f"shuangyong /entitlements total {answer['total']} ({', '.join(x['rule'] + '=' + x['amount'] for x in answer['results'] if x['eligible'])})")
            results["shuangyong"] = {n: measure(port, sy_req, n, args.seconds, proc.pid) for n in levels}
            if args.roster_rows:
                path = roster_file(args.roster_rows, Path(tmp))
                cli, server, st = roster_run(port, path, Path(tmp))
                print(f"roster {args.roster_rows:,} rows: CLI `shuangyong entitle` {cli:.1f} s; server job (upload → done) {server:.1f} s "
                      f"(state {st['state']}, rows in {st['rows_in']}, computed {st['computed']}, rejected {st['rejected']}); "
                      f"server ÷ CLI {server / cli:.2f}")
        finally:
            stop(proc)
    if not args.no_openfisca:
        try:
            import openfisca_web_api  # noqa: F401
            import gunicorn  # noqa: F401
        except ImportError:
            print("OpenFisca web API not installed (pip install 'openfisca-core[web-api]'): comparison skipped")
        else:
            proc, port = start_openfisca(args.workers)
            try:
                answer = one_call(port, of_req)
                print(f"OpenFisca /calculate national_benefits {answer['persons']['p']['national_benefits'][str(args.year)]:.2f}")
                results["openfisca"] = {n: measure(port, of_req, n, args.seconds, proc.pid) for n in levels}
            finally:
                stop(proc)

    print(f"\n{'clients':>8} {'server':>11} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} {'client CPU':>11}")
    for n in levels:
        for name, by in results.items():
            m = by[n]
            print(f"{n:>8} {name:>11} {m['rps']:>9.0f} {m['p50']:>8.2f} {m['p99']:>8.2f} {m['cpu']:>11.2f} {m['client']:>11.2f}")
        if "openfisca" in results:
            a, b = results["shuangyong"][n], results["openfisca"][n]
            cpu = f"{b['cpu'] / a['cpu']:>10.1f}×" if a["cpu"] else ""
            print(f"{n:>8} {'ratio':>11} {a['rps'] / b['rps']:>8.1f}× {b['p50'] / a['p50']:>7.1f}× {b['p99'] / a['p99']:>7.1f}× {cpu}"
                  "   (throughput; latency and CPU OpenFisca ÷ shuangyong)")
    print("CPU ms/req: the server processes' user + system CPU time per answered request — what a request costs,"
          " whatever else the machine is doing; client CPU: the load generator's (this process), on the same cores")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (figures scale with what else the machine runs)")
    if 8 in results.get("shuangyong", {}):
        p99 = results["shuangyong"][8]["p99"]
        print(f"\ntarget p99 ≤ 10 ms at 8 clients: {p99:.2f} ms — {'met' if p99 <= 10 else 'NOT met'}")
    if "openfisca" in results:
        worst = min(results["shuangyong"][n]["rps"] / results["openfisca"][n]["rps"] for n in levels)
        print(f"target ≥ 10× OpenFisca throughput: lowest ratio {worst:.1f}× — {'met' if worst >= 10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
