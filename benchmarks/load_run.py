"""Load: N concurrent conversations of 8 turns against `python -m bot serve` on a real Redis.

Half the conversations come through signed Slack HTTP requests (DM message events, and button
clicks sent as `payload=`), half through Bot Framework activities (typed messages and card
submits), all against one `serve` process (or several, `--replicas`) with a redis-server on
loopback, the Slack Web API stand-in and the Bot Connector stand-in of the test suite. Each
conversation answers its questions in words, by number or by button, and ends with a changed
answer, so its final slot set is its own (the examples count is unique per conversation) and
order matters (the later budget must win). After the run each conversation's state is read
back from Redis and compared with its script: every answer present, in order, applied once
(the state version counts applied turns). Printed, never asserted:

    python -m benchmarks.load_run [--conversations 500] [--replicas 1] [--duplicates]
                                  [--fault none|outage|slow|full]

A fault (outage: redis-server killed and started again; slow: DEBUG SLEEP longer than
REDIS_TIMEOUT_SECONDS; full: maxmemory with noeviction) strikes once a third of the turns are
done. Conversations that get the friendly error wait until Redis is back, then carry on from
the question the bot is at (a person sees it); each state is checked to be a prefix of its
script before carrying on, and whole at the end. Probe conversations measure how fast the
friendly reply comes during the fault.

The run itself is testsupport.load; the smaller runs in tests/reliability/ use its `run_load`
with the same checks.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from testsupport.load.report import describe
from testsupport.load.run import run_load
from testsupport.redis_server import RedisServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--duplicates", action="store_true",
                        help="deliver every event twice (Slack retry / same Teams activity id)")
    parser.add_argument("--fault", choices=["none", "outage", "slow", "full"], default="none")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause between a person's turns, seconds (0: closed loop)")
    parser.add_argument("--redis-timeout", type=float, default=1.0,
                        help="REDIS_TIMEOUT_SECONDS for the serve processes")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"== which-approach load run, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ==")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"python {platform.python_version()}; load average {load[0]:.2f} before")
    with tempfile.TemporaryDirectory(prefix="load-run-") as tmp:
        # Append-only with fsync on every write: a killed Redis keeps every write it answered,
        # so after an outage "nothing lost" is a claim about the bot, not about Redis.
        redis_server = RedisServer(Path(tmp) / "redis", extra=[
            "--appendonly", "yes", "--appendfsync", "always",
            "--enable-debug-command", "yes"])
        redis_server.start()
        try:
            report = asyncio.run(run_load(
                redis_server, conversations=args.conversations, replicas=args.replicas,
                duplicates=args.duplicates, fault=args.fault, think=args.think,
                redis_timeout=args.redis_timeout, workdir=Path(tmp)))
        finally:
            redis_server.stop()
    describe(report)
    print(f"load average {os.getloadavg()[0]:.2f} after")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
