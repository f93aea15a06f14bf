"""Loopback ports for servers the tests and benchmarks start."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port nothing listens on: bound, then released (a server may take it next,
    or, left alone, it refuses connections)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
