"""`serve` as a process: start-up to ready, and the resident memory (RSS) of an idle server.
Measured, printed, never asserted.

    python -m benchmarks.bench_serve            # in-memory store, 5 starts
    python -m benchmarks.bench_serve --redis    # on a redis-server of its own (loopback)

Start-up to ready: from spawning `python -m bot serve` to the first 200 from /readyz.
RSS: VmRSS of the server after it is ready and has answered one web turn, then sat idle.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bot.settings import Settings
from testsupport.ports import free_port
from testsupport.redis_server import RedisServer

ROOT = Path(__file__).resolve().parents[1]


def _ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_start(env: dict[str, str]) -> tuple[float, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not _ready(base):
            if proc.poll() is not None:
                raise SystemExit("serve exited before it was ready")
            time.sleep(0.01)
        ready = time.perf_counter() - started
        request = urllib.request.Request(base + "/web/turn", data=b'{"command": "start"}',
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).read()
        time.sleep(1.0)  # idle
        return ready, _rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", action="store_true", help="use a redis-server of its own")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k.upper() not in
           {n.upper() for n in Settings.model_fields}}
    env["LOG_LEVEL"] = "WARNING"
    server = None
    with tempfile.TemporaryDirectory() as tmp:
        if args.redis:
            server = RedisServer(Path(tmp))
            server.start()
            env["REDIS_URL"] = server.url
        try:
            results = [one_start(env) for _ in range(args.runs)]
        finally:
            if server is not None:
                server.stop()
    readies = sorted(r for r, _ in results)
    rss = [m for _, m in results]
    print(f"machine: {platform.machine()} {platform.processor() or ''} "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"store: {'redis (loopback)' if args.redis else 'memory'}, runs: {args.runs}")
    print(f"start-up to ready: median {statistics.median(readies):.2f} s, "
          f"max {readies[-1]:.2f} s")
    print(f"idle RSS: median {statistics.median(rss):.1f} MB, max {max(rss):.1f} MB")


if __name__ == "__main__":
    main()
