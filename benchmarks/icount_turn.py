"""A turn through the runner in memory, counted in instructions (the ruler for the core; see
icount_slack for the Slack path). Printed, never asserted:

    python -m benchmarks.icount_turn [--few 10] [--many 50]

bench_core's 12-turn conversation runs through a TurnRunner on the MemoryStore under valgrind's
callgrind, once with `--few` conversations and once with `--many`; the difference of the two
totals over the difference of the turns is what one turn costs, start-up taken out. Repeatable
to well under 1% for the same code, whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import re
import shutil
import subprocess
import sys

TURNS_PER_CONVERSATION = 12


def drive(conversations: int) -> None:
    from benchmarks import bench_core
    from bot.metrics import Metrics
    from bot.runner import TurnRunner
    from bot.store.memory import MemoryStore
    from knowledge import default_knowledge

    runner = TurnRunner(MemoryStore(), default_knowledge(), metrics=Metrics())

    async def run() -> None:
        for i in range(conversations):
            events = bench_core.conversation_events(f"slack:T:U{i}")
            assert len(events) == TURNS_PER_CONVERSATION
            await bench_core.run_conversation(runner, events)

    asyncio.run(run())


def instructions(conversations: int) -> int:
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         "-m", "benchmarks.icount_turn", "--drive", str(conversations)],
        capture_output=True, text=True, check=True)
    found = re.search(r"Collected\s*:\s*([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"no count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--few", type=int, default=10)
    parser.add_argument("--many", type=int, default=50)
    parser.add_argument("--drive", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive is not None:
        drive(args.drive)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind")
    few, many = instructions(args.few), instructions(args.many)
    turns = (args.many - args.few) * TURNS_PER_CONVERSATION
    print("== a turn through the runner in memory, in instructions (callgrind) ==")
    print(f"machine: {platform.processor() or platform.machine()}; Python "
          f"{platform.python_version()}")
    print(f"  {(many - few) / turns / 1000:.1f} k instructions per turn "
          f"({args.many} vs {args.few} conversations of {TURNS_PER_CONVERSATION} turns)")


if __name__ == "__main__":
    main(sys.argv[1:])
