"""`python -m bot serve` as a real process on Redis: a conversation counted in /metrics,
readiness following a Redis outage, and SIGTERM while a turn waits on a slow Redis: the turn
completes, new connections are refused, and the process exits 0 after closing the store."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from bot.settings import Settings
from testsupport.ports import free_port
from testsupport.redis_server import RedisServer

pytestmark = pytest.mark.slow  # serve subprocesses


class Browser:
    """Just enough of a browser: one cookie jar, JSON turns."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def turn(self, body: dict) -> list[dict]:
        request = urllib.request.Request(self.base + "/web/turn", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with self.opener.open(request, timeout=30) as response:
            assert response.status == 200
            return json.loads(response.read())


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[str], str]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(**settings: str) -> tuple[subprocess.Popen[str], str]:
        port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k.upper() not in {name.upper() for name in Settings.model_fields}}
        env.update({k.upper(): v for k, v in settings.items()})
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                                 "--port", str(port)], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):  # a start-up guard, not a timing check
            try:
                if Browser(base).get("/healthz")[0] == 200:
                    return proc, base
            except (urllib.error.URLError, ConnectionError):
                pass
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.1)
        pytest.fail("serve did not start")

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            found: dict[str, str] = {}
        elif line.startswith(name + "{"):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        else:
            continue
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_a_web_conversation_and_readiness_follows_redis(
        serve: Callable[..., tuple[subprocess.Popen[str], str]], own_redis: RedisServer) -> None:
    proc, base = serve(redis_url=own_redis.url, redis_timeout_seconds="0.5",
                       web_cookie_secret="s")
    browser = Browser(base)
    replies = browser.turn({"command": "start"})
    turns = 1
    while replies[-1]["kind"] == "question":
        q = replies[-1]
        body = ({"question_id": q["question_id"], "value": q["choices"][0]["value"],
                 "state_version": q["state_version"]} if q.get("choices") else {"text": "1M"})
        replies = browser.turn(body)
        turns += 1
    assert replies[-1]["kind"] == "recommendation"
    approach = replies[-1]["recommendation"]["approach"]
    browser.turn({"text": "what about QLoRA?"})
    turns += 1

    status, metrics = browser.get("/metrics")
    assert status == 200
    assert _metric(metrics, "turns_total", platform="web", outcome="ok") == turns
    assert _metric(metrics, "recommendations_total", approach=approach) == 1
    assert _metric(metrics, "followups_total", topic="qlora") == 1
    assert _metric(metrics, "turn_seconds_count", platform="web") == turns

    assert browser.get("/readyz")[0] == 200
    own_redis.stop()
    assert browser.get("/readyz")[0] == 503
    assert browser.get("/healthz")[0] == 200  # the process is up; only the store is not
    failed = browser.turn({"text": "hello"})
    assert failed[-1]["kind"] == "error"
    assert _metric(browser.get("/metrics")[1], "store_errors_total") >= 1
    own_redis.start()
    assert browser.get("/readyz")[0] == 200

    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "what about QLoRA" not in err  # message text never logged at info level


def test_sigterm_finishes_the_turn_in_flight(
        serve: Callable[..., tuple[subprocess.Popen[str], str]],
        redis_factory: Callable[..., RedisServer]) -> None:
    slow = redis_factory(extra=["--enable-debug-command", "yes"])
    proc, base = serve(redis_url=slow.url, redis_timeout_seconds="20", web_cookie_secret="s")
    browser = Browser(base)
    first = browser.turn({"command": "start"})
    assert first[-1]["question_id"] == "use_case"

    # Redis stalls for a few seconds; a turn goes in and waits on it.
    # Its own client: no socket timeout, so no retry sends the sleep again.
    staller = redis.Redis(host="127.0.0.1", port=slow.port, socket_timeout=None)
    stall = threading.Thread(target=lambda: staller.execute_command("DEBUG", "SLEEP", "3"))
    stall.start()
    time.sleep(0.3)  # ordering guard: the stall has begun before the turn is sent
    outcome: dict[str, object] = {}

    def in_flight() -> None:
        try:
            outcome["replies"] = browser.turn({
                "question_id": "use_case", "value": "code_generation",
                "state_version": first[-1]["state_version"]})
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error

    turn = threading.Thread(target=in_flight)
    turn.start()
    time.sleep(0.5)  # ordering guard: the server has read the request before SIGTERM
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert turn.is_alive(), "the turn should still be waiting on Redis"
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(base + "/healthz", timeout=2)  # no new requests taken

    turn.join(timeout=30)
    stall.join(timeout=30)
    staller.close()
    _, err = proc.communicate(timeout=30)
    assert "error" not in outcome, outcome.get("error")
    replies = outcome["replies"]
    assert isinstance(replies, list)
    assert replies[0]["kind"] == "notice" and replies[0]["value"] == "code_generation"
    assert replies[-1]["question_id"] == "has_data"
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    # The answer was saved before the process let go of Redis.
    with slow.client() as client:
        assert client.dbsize() >= 1


def _rss_and_matplotlib(pid: int) -> tuple[int, bool]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]
    return rss_kb * 1024, "matplotlib" in Path(f"/proc/{pid}/maps").read_text()


def test_serve_idles_without_matplotlib_and_loads_it_for_the_first_picture(
        serve: Callable[..., tuple[subprocess.Popen[str], str]]) -> None:
    proc, base = serve(web_cookie_secret="s")
    browser = Browser(base)
    rss, loaded = _rss_and_matplotlib(proc.pid)
    assert not loaded
    assert rss < 100 * 1024 * 1024
    replies = browser.turn({"command": "start"})
    while replies[-1]["kind"] == "question":
        q = replies[-1]
        body = ({"question_id": q["question_id"], "value": q["choices"][0]["value"],
                 "state_version": q["state_version"]} if q.get("choices") else {"text": "1M"})
        replies = browser.turn(body)
    assert not _rss_and_matplotlib(proc.pid)[1]  # a card links its pictures, draws none
    status, svg = browser.get(replies[-1]["pictures"][0]["url"])
    assert status == 200 and svg.lstrip().startswith("<?xml")
    assert _rss_and_matplotlib(proc.pid)[1]
