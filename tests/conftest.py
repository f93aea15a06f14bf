"""Shared fixtures: a real redis-server for the run (fails, never skips, if it cannot start)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from testsupport.redis_server import RedisServer


def _start(workdir: Path, **kw: object) -> RedisServer:
    server = RedisServer(workdir, **kw)  # type: ignore[arg-type]
    try:
        server.start()
    except RuntimeError as error:
        pytest.fail(f"cannot start redis-server for the tests: {error}", pytrace=False)
    return server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server on a free loopback port for the whole run."""
    server = _start(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The shared server's URL, emptied (FLUSHALL) before the test."""
    if not redis_server.running:  # a test stopped it: bring it back for the next one
        redis_server.start()
    redis_server.flushall()
    return redis_server.url


@pytest.fixture
def redis_factory(tmp_path: Path) -> Iterator[Callable[..., RedisServer]]:
    """Start private redis-servers (password, maxmemory, ...), stopped after the test:
    `redis_factory(password="s3cret", extra=["--maxmemory", "1mb"])`."""
    servers: list[RedisServer] = []

    def start(**kw: object) -> RedisServer:
        server = _start(tmp_path / f"redis{len(servers)}", **kw)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def own_redis(redis_factory: Callable[..., RedisServer]) -> RedisServer:
    """A private redis-server this test may stop and start again (outage tests)."""
    return redis_factory()
