"""Reading and parsing request bodies at a bounded cost, shared by the HTTP endpoints.

A body is read whole (however many packets it arrives in) up to a limit, and JSON is parsed
with bounds on its depth and its number of values, so a stranger's request costs little
before it is refused, and a deeply nested document is a 400 rather than a RecursionError.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from aiohttp import web

# JSON nesting no request of ours needs more than a few levels of.
MAX_JSON_DEPTH = 32
# JSON values (numbers, strings, lists, objects...) in one request: a Teams activity or a Slack
# payload has a few hundred.
MAX_JSON_VALUES = 5_000
_READ_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The request body is over the endpoint's limit."""


class BodyTimeout(Exception):
    """The request body did not arrive within the time allowed."""


class BadJson(ValueError):
    """The body is not JSON within the bounds; the message is safe to show."""


async def read_body(request: web.Request, limit: int, *, timeout: float | None = None
                    ) -> bytes:
    """The whole request body, however it was split on the wire; BodyTooLarge over `limit`
    bytes (refused from Content-Length before anything is read when it says so), BodyTimeout
    when it has not all arrived within `timeout` seconds (a client trickling it in)."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    content = request.content
    if content.is_eof():
        # Most bodies have arrived whole with their headers: taken without a timer (each one
        # is a push and a pop on the event loop's heap, on every request).
        data = content.read_nowait(-1)
        if len(data) > limit:
            raise BodyTooLarge
        return data
    try:
        async with asyncio.timeout(timeout):
            return await _read_all(request, limit)
    except TimeoutError:
        raise BodyTimeout from None


async def _read_all(request: web.Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(_READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)


async def body_or_refusal(request: web.Request, limit: int, *, timeout: float | None,
                          log: logging.Logger, sender: str) -> bytes | web.Response:
    """read_body() for a platform's endpoint: the body, or the 413 / 408 to answer, refused
    with one quiet log line that names the reason and nothing the request carried."""
    try:
        return await read_body(request, limit, timeout=timeout)
    except BodyTooLarge:
        log.info(f"{sender} request refused", extra={"reason": "body too large"})
        return web.json_response({"error": "the body is too large"}, status=413)
    except BodyTimeout:
        log.info(f"{sender} request refused", extra={"reason": "body too slow"})
        return web.json_response({"error": "the body took too long"}, status=408)


def loads_bounded(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH,
                  max_values: int = MAX_JSON_VALUES) -> Any:
    """JSON from `raw`, refused (BadJson) when it is not JSON, not UTF-8, nested deeper than
    `max_depth` or holds more than `max_values` values. orjson parses in C with a nesting limit
    of its own, so nothing here recurses in Python; the walk stops at the first bound hit."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadJson("the body is not JSON") from None
    check_shape(data, max_depth=max_depth, max_values=max_values)
    return data


def check_shape(data: Any, *, max_depth: int = MAX_JSON_DEPTH,
                max_values: int = MAX_JSON_VALUES) -> None:
    """BadJson when parsed JSON is nested deeper than `max_depth` or has more than
    `max_values` values (an iterative walk, stopped at the first bound passed)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if seen > max_values:
            raise BadJson("the body has too many values")
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth >= max_depth and children:
            raise BadJson("the body is nested too deeply")
        if len(children) + seen > max_values:
            raise BadJson("the body has too many values")
        stack.extend((child, depth + 1) for child in children)
