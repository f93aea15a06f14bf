"""The benchmark script still runs against today's dialog and stores, and prints every figure.

Tiny sizes: this checks that nothing has rotted (the 8 answers still lead to a recommendation,
the peer dialog still finishes, every line is printed), never how fast anything is.
"""

from __future__ import annotations

import re

import pytest
import redis

from benchmarks import bench_core
from benchmarks.bench_core import Sizes
from dialogs.compiled import compile_knowledge
from dialogs.slots import ALL_SLOTS
from knowledge import default_knowledge

pytestmark = pytest.mark.slow  # benchmark runs

NUMBER = r"[0-9][0-9.,]*"


async def test_every_figure_is_printed(redis_url: str) -> None:
    lines: list[str] = []
    await bench_core.run(Sizes.tiny(), redis_url, out=lines.append)
    text = "\n".join(lines)

    assert re.search(r"^machine: .+, \d+ CPUs", text, re.M)
    assert re.search(r"^python: CPython|^python: \w+ 3\.", text, re.M)
    for case in ("choice mid-conversation", "last answer -> card"):
        assert re.search(rf"step \[{re.escape(case)}\s*\] p50\s+{NUMBER} us\s+p99\s+{NUMBER} us"
                         r"\s+(PASS|MISS)", text), case
    for mode in ("sequential", "3 concurrent"):
        assert re.search(rf"redis \[{mode}\s*\] ours\s+{NUMBER}\s+floor\s+{NUMBER}\s+ratio\s+"
                         rf"{NUMBER} (PASS|MISS)\s+mirror\s+{NUMBER}\s+ratio vs mirror\s+{NUMBER}",
                         text), mode
        assert re.search(rf"cpu\s+\[{mode}\s*\] ours\s+{NUMBER}\s+floor\s+{NUMBER}\s+mirror\s+"
                         rf"{NUMBER}", text), mode
    # The slot count grows with the slots (model_size made it 14).
    for case in ("1 history entry", "5 history entries",
                 f"worst case, built: all {len(ALL_SLOTS)} answers"):
        assert re.search(rf"memory \[{re.escape(case)}[^]]*\]\s+\d+ B \(state JSON \d+ B\)\s+"
                         r"(PASS|MISS)", text), case
    assert re.search(rf"peer \[in memory\] ours\s+{NUMBER}\s+botbuilder\s+{NUMBER}\s+ratio\s+"
                     rf"{NUMBER} (PASS|MISS)", text)
    assert re.search(rf"cpu\s+\[in memory\] ours\s+{NUMBER}\s+botbuilder\s+{NUMBER}", text)


def test_the_scripted_answers_ask_exactly_the_questions_of_the_script() -> None:
    """If the dialog asks another question on this path (or stops asking one), the figures
    would silently measure a different conversation."""
    ck = compile_knowledge(default_knowledge())
    for answered, (slot, _) in enumerate(bench_core.ANSWERS):
        state = bench_core.state_before(ck, answered)
        assert state.phase == "asking" and state.pending == slot
    state = bench_core.state_before(ck, len(bench_core.ANSWERS))
    assert state.phase == "advised" and state.pending is None
    assert [slot for slot, _ in bench_core.ANSWERS] == [
        "use_case", "has_data", "examples", "priority", "budget", "uniqueness", "accuracy",
        "timeline", "hardware", "data_quality", "explainability"]


async def test_the_peer_dialog_reaches_its_recommendation() -> None:
    kb = default_knowledge()
    play = bench_core.build_peer(kb)
    last = await play("peer:smoke", bench_core.peer_texts(kb))
    assert last.startswith("Recommendation: Prompt Engineering")
    assert "examples: 2000" in last  # the NumberPrompt read the typed "2,000"


def test_the_script_starts_its_own_redis_server_away_from_6379() -> None:
    with bench_core.own_redis() as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        assert port != 6379
        with redis.Redis.from_url(url) as client:
            assert client.ping()
    with redis.Redis.from_url(url, socket_connect_timeout=1) as client:
        try:
            client.ping()
        except redis.ConnectionError:
            pass
        else:
            raise AssertionError("the benchmark's redis-server outlived the run")
