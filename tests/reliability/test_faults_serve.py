"""Faults under load, at the level of `python -m bot serve`: a third of the way through 24
conversations, Redis is killed and started again (outage), stalls past REDIS_TIMEOUT_SECONDS
(DEBUG SLEEP: slow), or refuses every write (maxmemory 1 with noeviction: full).

During the fault every turn gets the friendly reply and Slack and Teams their 200; /readyz is
503 while Redis is down or stalled; afterwards it is 200 again and the same process carries on
(no restart). Every conversation that got the friendly reply has a state that is a prefix of
its script (nothing half-written, nothing doubled), and carries on from there; at the end every
conversation equals its script. Reply times during the fault are printed by the benchmark
(benchmarks/load_run.py --fault ...), not asserted here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.test_load_small import assert_clean
from testsupport.load.report import describe
from testsupport.load.run import run_load
from testsupport.redis_server import RedisServer

pytestmark = pytest.mark.slow  # a real serve under Redis faults


@pytest.mark.parametrize("fault", ["outage", "slow", "full"])
async def test_the_bot_rides_out_a_redis_fault_under_load(
        fault: str, durable_redis: RedisServer, tmp_path: Path) -> None:
    report = await run_load(durable_redis, conversations=24, fault=fault,  # type: ignore[arg-type]
                            redis_timeout=0.5, workdir=tmp_path, fault_hold_seconds=1.5)
    lines: list[str] = []
    describe(report, lines.append)
    text = "\n".join(lines)
    assert_clean(report, lines)  # whole final states, no 5xx, exit 0, no traceback
    stats = report.stats
    assert stats.friendly_errors > 0, text            # the fault was felt mid-conversation
    assert stats.prefix_checks >= stats.friendly_errors - stats.overload_errors, text
    assert stats.fault_friendly > 0, text             # people typing during it were answered
    assert set(stats.fault_statuses) == {200}, text   # ... and the platforms got a success
    if fault in ("outage", "slow"):
        assert stats.readyz_during_fault == [503], text
    assert stats.readyz_after == [200], text
