"""Running the aiohttp application for `serve`, with limits on what slow or many clients can
hold: a connection cap (past it, a new connection gets a 503 and is closed at once, instead
of the process running out of file descriptors) and a deadline for a request's headers (a
connection that has not sent a whole request within it, or sits idle between requests that
long, is closed). Bodies have their own deadline, where they are read (bot/http_body.py).

In production a reverse proxy should hold slow clients first: docs/deploy.md.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import signal
import time

from aiohttp import web

log = logging.getLogger(__name__)

_BUSY_REPLY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
               b"Content-Length: 5\r\nRetry-After: 1\r\nConnection: close\r\n\r\nbusy\n")
# A full house is logged once per this long, not once per refused connection.
_BUSY_LOG_EVERY_SECONDS = 60.0
# File descriptors a process needs beside its clients (Redis pool, outgoing HTTP, files).
_SPARE_DESCRIPTORS = 256


class _Busy(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(_BUSY_REPLY)
        transport.close()


class CappedTCPSite(web.BaseSite):
    """A TCP site that serves at most `max_connections` connections at once."""

    def __init__(self, runner: web.BaseRunner, host: str, port: int, *,
                 max_connections: int, backlog: int = 128) -> None:
        super().__init__(runner, backlog=backlog)
        self._host = host
        self._port = port
        self._max_connections = max_connections
        self._refused = 0
        self._next_log = 0.0

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    def _protocol(self) -> asyncio.Protocol:
        server = self._runner.server
        assert server is not None
        if len(server.connections) >= self._max_connections:
            self._refused += 1
            now = time.monotonic()
            if now >= self._next_log:
                self._next_log = now + _BUSY_LOG_EVERY_SECONDS
                log.warning("connection limit reached: new connections get 503",
                            extra={"max_connections": self._max_connections,
                                   "refused_so_far": self._refused})
            return _Busy()
        return server()

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self._host, self._port,
                                                backlog=self._backlog, reuse_address=True)


def check_descriptors(max_connections: int) -> None:
    """Raise the soft file-descriptor limit so the connection cap, not the kernel, is what a
    flood of clients meets; warn when the hard limit is too low for that."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max_connections + _SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        if target < wanted:
            log.warning("the file descriptor limit is below HTTP_MAX_CONNECTIONS plus spare; "
                        "lower the cap or raise `ulimit -n`",
                        extra={"limit": target, "max_connections": max_connections})


async def serve(app: web.Application, *, host: str, port: int, max_connections: int,
                header_timeout: float, shutdown_timeout: float = 10.0,
                metrics: tuple[web.Application, int] | None = None) -> None:
    """Serve until SIGINT/SIGTERM; then stop accepting, let in-flight requests finish (up to
    `shutdown_timeout`) and run the app's cleanup hooks (which close the store). `metrics`, an
    application and a port, is served beside it (METRICS_PORT)."""
    check_descriptors(max_connections)
    # aiohttp closes a connection that has not completed a request (or has sat idle since its
    # last one) when its keep-alive deadline passes: the header deadline.
    runner = web.AppRunner(app, keepalive_timeout=header_timeout,
                           shutdown_timeout=shutdown_timeout)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    side_runner = None
    try:
        await CappedTCPSite(runner, host, port, max_connections=max_connections).start()
        if metrics is not None:
            side_runner = web.AppRunner(metrics[0], access_log=None,
                                        keepalive_timeout=header_timeout)
            await side_runner.setup()
            await CappedTCPSite(side_runner, host, metrics[1], max_connections=16).start()
        await stop.wait()
    finally:
        if side_runner is not None:
            await side_runner.cleanup()
        await runner.cleanup()
