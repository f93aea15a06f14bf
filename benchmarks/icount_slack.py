"""Slack slash commands counted in instructions, not seconds: bench_slack's servers run one at a
time under valgrind's callgrind, and each prints the instructions its process executed per
command. Printed, never asserted:

    python -m benchmarks.icount_slack [--commands 300] [--concurrency 50] [--servers floor,redis]

Seconds on a shared VM move between runs far more than instruction counts do for the same
code, whatever else the machine is doing (benchmarks/RESULTS-http.md), which makes this the tool
for telling whether a change to the turn made it cheaper (a few percent is invisible in
bench_slack's noise). It counts user-space instructions only: system calls (socket I/O) and
cache misses are not in it, so its ratio is not bench_slack's; that one is the figure, this one
is the ruler.

Each server (bench_slack's Bolt floor, ours on Redis, ours in memory) starts under callgrind
with instrumentation off; 100 commands warm it up, instrumentation goes on, `--commands` more
signed slash commands are sent (each a new person's, `--concurrency` at a time) and their
replies waited for, and the count is read from callgrind's dump. Needs valgrind
(`callgrind_control` comes with it).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks import bench_slack
from testsupport.ports import free_port
from testsupport.redis_server import RedisServer

SERVERS = ("floor", "redis", "memory")
WARMUP = 100


def callgrind_total(path: Path) -> int:
    """The instructions a callgrind dump counted: its 'totals:' line ('summary:' is 0 in a
    dump taken with callgrind_control, whose events all arrive as totals)."""
    counts = [int(line.split()[1]) for line in path.read_text().splitlines()
              if line.startswith(("totals:", "summary:"))]
    if not counts:
        raise RuntimeError(f"no totals in {path}")
    return max(counts)


async def count(name: str, commands: int, concurrency: int, tmp: Path) -> float:
    """Instructions per command for one server."""
    api = bench_slack.CountingStandIn(keep_messages=False)
    await api.start()
    redis = None
    args = ["--serve", "floor"] if name == "floor" else ["--serve", "ours"]
    if name == "redis":
        redis = RedisServer(tmp / "redis")
        redis.start()
        args += ["--redis-url", redis.url]
    out = tmp / f"callgrind-{name}.out"
    port = free_port()
    argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
            *bench_slack.server_argv(*args, "--port", str(port), "--api-url", api.api_url)]
    target = bench_slack.AckTarget(name, bench_slack.Server(argv, port), api, concurrency)
    pid = str(target.server.proc.pid)
    try:
        for _ in range(40):  # under valgrind start-up takes far longer than ready() allows
            try:
                await target.server.ready(target.session)
                break
            except RuntimeError:
                if target.server.proc.poll() is not None:
                    raise
        await target.round(WARMUP, timed=False)
        subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
        await target.round(commands, timed=False)  # waits for every reply to be posted
        subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
        subprocess.run(["callgrind_control", "-d", pid], check=True, capture_output=True)
        for _ in range(100):  # the process writes the dump when it next runs
            dumps = [d for d in tmp.glob(f"callgrind-{name}.out.*") if d.stat().st_size]
            if dumps:
                await asyncio.sleep(0.2)  # and finishes writing it
                return max(callgrind_total(d) for d in dumps) / commands
            await asyncio.sleep(0.1)
        raise RuntimeError(f"callgrind wrote no dump for {name}")
    finally:
        await target.close()
        if redis is not None:
            redis.stop()
        await api.stop()


async def run(servers: tuple[str, ...], commands: int, concurrency: int,
              out: Callable[[str], None] = print) -> dict[str, float]:
    out("== Slack slash commands in instructions (callgrind; the ruler, not the figure) ==")
    out(bench_slack.machine_line())
    out(f"load: {commands} signed /which-approach commands after {WARMUP} to warm up, "
        f"{concurrency} at a time, every one a new person's; one server at a time")
    counts: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in servers:
            counts[name] = await count(name, commands, concurrency, Path(tmp))
            out(f"  {name:7} {counts[name] / 1000:8.1f} k instructions per command")
    if "floor" in counts:
        for name in servers:
            if name != "floor":
                out(f"  ratio [{name:7}] {counts['floor'] / counts[name]:.3f} "
                    "(the floor's instructions per command / ours)")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help=f"a comma-separated subset of {','.join(SERVERS)}")
    args = parser.parse_args()
    servers = tuple(s for s in args.servers.split(",") if s)
    unknown = set(servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    asyncio.run(run(servers, args.commands, args.concurrency))


if __name__ == "__main__":
    main()
