"""Slow and numerous clients against a real `serve` process (issue 16 items 3 and 4): a
connection that trickles its headers or its body is cut off, connections past the cap get a
503 at once and the process stays healthy, and cookieless conversations per address are
limited; and /metrics on a port of its own, behind a token (item 10)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from testsupport.ports import free_port

pytestmark = pytest.mark.slow

Serve = Callable[..., tuple[subprocess.Popen[str], int]]


def _status(port: int, path: str = "/healthz") -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    procs: list[subprocess.Popen[str]] = []

    def start(**settings: str) -> tuple[subprocess.Popen[str], int]:
        port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k.upper() not in {name.upper() for name in Settings.model_fields}}
        env.update({k.upper(): v for k, v in settings.items()})
        proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                                 "--port", str(port)], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        for _ in range(300):  # a start-up guard, not a timing check
            try:
                if _status(port) == 200:
                    return proc, port
            except (urllib.error.URLError, ConnectionError):
                pass
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.1)
        pytest.fail("serve did not start")

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()


def _closed_by_server(sock: socket.socket, trickle: bytes, within: float) -> bool:
    """Send `trickle` a byte at a time until the server closes the connection (True) or
    `within` seconds pass (False)."""
    deadline = time.monotonic() + within
    sock.settimeout(0.25)
    for byte in trickle:
        if time.monotonic() > deadline:
            return False
        try:
            sock.send(bytes([byte]))
            data = sock.recv(4096)
            if not data or b" 408 " in data:
                return True
        except TimeoutError:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def test_trickled_headers_are_cut_off(serve: Serve) -> None:
    _, port = serve(http_header_timeout_seconds="1")
    with socket.create_connection(("127.0.0.1", port)) as sock:
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 400
        assert _closed_by_server(sock, head, within=15)
    assert _status(port) == 200


def test_a_trickled_body_is_refused(serve: Serve) -> None:
    _, port = serve(http_body_timeout_seconds="1", http_header_timeout_seconds="30")
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /web/turn HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 400\r\n\r\n")
        assert _closed_by_server(sock, b'{"text": "' + b"a" * 390, within=15)


def test_connections_past_the_cap_get_a_503_and_the_process_stays_healthy(
        serve: Serve) -> None:
    _, port = serve(http_max_connections="4", http_header_timeout_seconds="60")
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(4)]
    try:
        time.sleep(0.5)  # let the server accept them all
        with socket.create_connection(("127.0.0.1", port)) as extra:
            extra.settimeout(10)
            assert extra.recv(4096).startswith(b"HTTP/1.1 503")
    finally:
        for sock in held:
            sock.close()
    for _ in range(50):  # the held connections are released as the server sees them close
        if _status(port) == 200:
            break
        time.sleep(0.1)
    assert _status(port) == 200


def test_cookieless_conversations_per_address_are_limited(serve: Serve) -> None:
    _, port = serve(web_new_conversations_per_minute="5", rate_limit_per_minute="0")
    statuses = []
    for _ in range(8):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/web/turn", data=json.dumps({"command": "start"}).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses == [200] * 5 + [429] * 3


def test_metrics_on_a_port_of_their_own(serve: Serve) -> None:
    metrics_port = free_port()
    _, port = serve(metrics_port=str(metrics_port), metrics_token="t0ken")
    assert _status(port, "/metrics") == 404
    assert _status(metrics_port, "/metrics") == 401
    request = urllib.request.Request(f"http://127.0.0.1:{metrics_port}/metrics",
                                     headers={"Authorization": "Bearer t0ken"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and b"turns" in response.read()
